"""Forms: what each page accepts, validated before any service is called."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django_celery_beat import validators as cron
from django_celery_beat.models import PeriodicTask

from segments.models import DataImport, SegmentationRun
from segments.selectors import DEFAULT_MEMBER_SORT, MEMBER_SORTS

K_MIN, K_MAX = 2, 20


class RunRequestForm(forms.Form):
    k = forms.CharField(
        label="Number of segments (k)",
        initial="auto",
        max_length=4,
        help_text="'auto' lets the elbow choose, or a number from 2 to 20.",
    )
    kmax = forms.IntegerField(
        label="Largest k to try", initial=10, min_value=K_MIN + 1, max_value=K_MAX
    )
    feature_set = forms.ChoiceField(
        choices=SegmentationRun.FeatureSet.choices, initial=SegmentationRun.FeatureSet.STUDY
    )

    def clean_k(self) -> int | None:
        raw = self.cleaned_data["k"].strip().lower()
        if raw in {"", "auto"}:
            return None
        if not raw.isdigit() or not K_MIN <= int(raw) <= K_MAX:
            raise forms.ValidationError(f"Enter 'auto' or a whole number from {K_MIN} to {K_MAX}.")
        return int(raw)

    def clean(self) -> dict:
        data = super().clean()
        k, kmax = data.get("k"), data.get("kmax")
        if k is not None and kmax is not None and k > kmax:
            self.add_error("kmax", "The largest k to try must be at least the chosen k.")
        return data


class StrategyNotesForm(forms.Form):
    custom_name = forms.CharField(
        label="Segment name",
        required=False,
        max_length=120,
        help_text="Leave empty to use the name described from the profile.",
        widget=forms.TextInput(attrs={"id": "segment-name-input"}),
    )
    text = forms.CharField(
        label="Strategy notes",
        required=False,
        strip=False,
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 8, "id": "strategy-notes-input"}),
    )


class ImportForm(forms.Form):
    FORMAT_CHOICES = [("auto", "Detect automatically"), *DataImport.Format.choices]

    file = forms.FileField(label="Order export (CSV, Excel or Parquet)")
    requested_format = forms.ChoiceField(label="Format", choices=FORMAT_CHOICES, initial="auto")

    def clean_file(self) -> object:
        upload = self.cleaned_data["file"]
        limit = settings.SEGWEB_MAX_UPLOAD_BYTES
        if upload.size > limit:
            raise forms.ValidationError(f"The file is larger than {filesizeformat(limit)}.")
        return upload


class MemberQueryForm(forms.Form):
    """The members table's GET parameters; bad values fall back to the defaults."""

    SORT_CHOICES = [(key, key) for name in MEMBER_SORTS for key in (name, f"-{name}")]

    q = forms.CharField(required=False, max_length=64)
    sort = forms.ChoiceField(required=False, choices=SORT_CHOICES)
    page = forms.IntegerField(required=False, min_value=1)

    def query(self) -> dict:
        data = self.cleaned_data if self.is_valid() else {}
        return {
            "query": data.get("q") or "",
            "sort": data.get("sort") or DEFAULT_MEMBER_SORT,
            "page": data.get("page") or 1,
        }


class ScheduleForm(forms.Form):
    name = forms.CharField(max_length=200)
    enabled = forms.BooleanField(required=False, initial=True)
    minute = forms.CharField(max_length=60, initial="0", validators=[cron.minute_validator])
    hour = forms.CharField(max_length=60, initial="3", validators=[cron.hour_validator])
    day_of_week = forms.CharField(
        max_length=64,
        initial="1",
        validators=[cron.day_of_week_validator],
        help_text="0-6 (Sunday = 0), names such as mon, ranges such as 1-5, or * for every day.",
    )

    def __init__(self, *args, task: PeriodicTask | None = None, **kwargs) -> None:
        self.task = task
        if task is not None and "initial" not in kwargs:
            kwargs["initial"] = initial_from_task(task)
        super().__init__(*args, **kwargs)

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        others = PeriodicTask.objects.filter(name=name)
        if self.task is not None:
            others = others.exclude(pk=self.task.pk)
        if others.exists():
            raise forms.ValidationError("A schedule with this name already exists.")
        return name


def initial_from_task(task: PeriodicTask) -> dict:
    crontab = task.crontab
    return {
        "name": task.name,
        "enabled": task.enabled,
        "minute": crontab.minute if crontab else "0",
        "hour": crontab.hour if crontab else "3",
        "day_of_week": crontab.day_of_week if crontab else "1",
    }
