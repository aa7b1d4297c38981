"""Forms: what each page accepts, validated before any service is called."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.models import AbstractUser
from django.contrib.auth.validators import ASCIIUsernameValidator
from django.template.defaultfilters import filesizeformat
from django_celery_beat import validators as cron
from django_celery_beat.models import PeriodicTask

from segments import campaigns, roles
from segments.clustering import MAX_K
from segments.exports import ListRequest
from segments.importers import ImportRefused, readers
from segments.importers.detect import AUTO, KINDS
from segments.members import DEFAULT_MEMBER_SORT, MEMBER_SORTS
from segments.models import AuditEvent, DataImport, Segment, SegmentationRun
from segments.services.audit import OBJECT_TYPES
from segments.services.users import UserSpec, role_of

K_MIN, K_MAX = 2, MAX_K


class RunRequestForm(forms.Form):
    k = forms.CharField(
        label="Number of segments (k)",
        initial="auto",
        max_length=4,
        help_text=f"'auto' lets the elbow choose, or a number from {K_MIN} to {K_MAX}.",
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


def format_choices() -> list[tuple[str, object]]:
    """Automatic detection, then the formats grouped by kind (order lines, customer contacts)."""
    labels = dict(DataImport.Format.choices)
    groups = [
        (DataImport.Kind(kind).label, [(name, labels[name]) for name in names])
        for kind, names in KINDS.items()
    ]
    return [(AUTO, "Detect automatically"), *groups]


# What the file chooser offers (browsers match the last suffix: .gz stands for .csv.gz).
UPLOAD_ACCEPT = (".csv", ".gz", ".xlsx", ".parquet")


class ImportForm(forms.Form):
    FORMAT_CHOICES = format_choices()

    file = forms.FileField(
        label="Order lines or customer contacts (CSV, Excel or Parquet)",
        help_text="A sales export of order lines, or a customer export with marketing consent "
        "(Shopify's or a generic contacts file); the header says which.",
    )
    requested_format = forms.ChoiceField(label="Format", choices=FORMAT_CHOICES, initial=AUTO)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # The browser checks type and size when the file is chosen (static/segments/forms.js);
        # clean_file checks again when it arrives.
        self.fields["file"].widget.attrs.update(
            {
                "accept": ",".join(UPLOAD_ACCEPT),
                "data-max-bytes": settings.SEGWEB_MAX_UPLOAD_BYTES,
                "data-max-size": filesizeformat(settings.SEGWEB_MAX_UPLOAD_BYTES),
                "data-suffixes": " ".join(readers.SUFFIXES),
            }
        )

    def clean_file(self) -> object:
        upload = self.cleaned_data["file"]
        limit = settings.SEGWEB_MAX_UPLOAD_BYTES
        if upload.size > limit:
            raise forms.ValidationError(f"The file is larger than {filesizeformat(limit)}.")
        head = upload.read(readers.HEAD_BYTES)
        upload.seek(0)
        try:
            readers.check_head(upload.name, head)
        except ImportRefused as refusal:
            reason = refusal.problems[0].reason
            raise forms.ValidationError(f"{upload.name}: {reason}.") from refusal
        return upload


class MemberQueryForm(forms.Form):
    """The members table's GET parameters; bad values fall back to the defaults."""

    SORT_CHOICES = [(key, key) for name in MEMBER_SORTS for key in (name, f"-{name}")]

    q = forms.CharField(required=False, max_length=64)
    sort = forms.ChoiceField(required=False, choices=SORT_CHOICES)
    # Shown as the page number; where the page starts is the cursor (segments.members).
    page = forms.IntegerField(required=False, min_value=1)
    after = forms.CharField(required=False, max_length=400)
    before = forms.CharField(required=False, max_length=400)

    def query(self) -> dict:
        data = self.cleaned_data if self.is_valid() else {}
        return {
            "query": data.get("q") or "",
            "sort": data.get("sort") or DEFAULT_MEMBER_SORT,
            "page": data.get("page") or 1,
            "after": data.get("after") or "",
            "before": data.get("before") or "",
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


class UserForm(forms.Form):
    """One account: create (password required) or edit (password optional) when `user` is given."""

    ACCOUNT_FIELDS = ("username", "first_name", "last_name", "email", "role", "is_active")
    ROLE_CHOICES = [("", "Choose a role"), (roles.MARKETING, "Marketing"), (roles.ADMIN, "Admin")]

    # ASCII only: a username with look-alike letters from another script (a Cyrillic "a" in
    # "admin") could pass for another account. First and last names keep any script.
    username = forms.CharField(
        max_length=150,
        validators=[ASCIIUsernameValidator()],
        help_text="Letters, digits and @ . + - _ only: letters a-z and A-Z, without accents.",
    )
    first_name = forms.CharField(max_length=150, required=False)
    last_name = forms.CharField(max_length=150, required=False)
    email = forms.EmailField(required=False)
    role = forms.ChoiceField(
        choices=ROLE_CHOICES,
        initial=roles.MARKETING,
        help_text="Marketing: view, edit strategy notes, export. Admin: also import, run, "
        "schedule and manage users.",
    )
    is_active = forms.BooleanField(
        label="Active",
        required=False,
        initial=True,
        help_text="Inactive users cannot sign in; their notes and exports stay on record.",
    )
    password1 = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label="Password confirmation",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, user: AbstractUser | None = None, **kwargs) -> None:
        self.user = user
        if user is not None and "initial" not in kwargs:
            kwargs["initial"] = initial_from_user(user)
        super().__init__(*args, **kwargs)
        rules = password_validation.password_validators_help_texts()
        self.fields["password1"].help_text = " ".join(rules)
        if user is not None:
            self.fields["password1"].label = "New password"
            self.fields["password2"].label = "New password confirmation"
            for name in ("password1", "password2"):
                self.fields[name].required = False

    @property
    def account_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.ACCOUNT_FIELDS]

    @property
    def password_fields(self) -> list[forms.BoundField]:
        return [self["password1"], self["password2"]]

    def clean_username(self) -> str:
        username = get_user_model().normalize_username(self.cleaned_data["username"])
        others = get_user_model().objects.filter(username__iexact=username)
        if self.user is not None:
            others = others.exclude(pk=self.user.pk)
        if others.exists():
            raise forms.ValidationError("A user with this username already exists.")
        return username

    def clean(self) -> dict:
        data = super().clean()
        password, confirmation = data.get("password1"), data.get("password2")
        if not password and not confirmation:
            return data
        if password != confirmation:
            self.add_error("password2", "The two passwords do not match.")
            return data
        # Judge the password against the details as entered, not as stored.
        candidate = get_user_model()(
            **{name: data.get(name) or "" for name in ("username", "first_name", "last_name")},
            email=data.get("email") or "",
        )
        try:
            password_validation.validate_password(password, user=candidate)
        except forms.ValidationError as weak:
            self.add_error("password1", weak)
        return data

    def spec(self) -> UserSpec:
        data = self.cleaned_data
        return UserSpec(**{name: data[name] for name in self.ACCOUNT_FIELDS})

    def new_password(self) -> str | None:
        return self.cleaned_data.get("password1") or None


def initial_from_user(user: AbstractUser) -> dict:
    return {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "role": role_of(user) or "",
        "is_active": user.is_active,
    }


class ExportForm(forms.Form):
    """A campaign list's options; on a run's page also which of its segments."""

    preset = forms.ChoiceField(
        label="Format",
        choices=[(preset.name, preset.label) for preset in campaigns.PRESETS.values()],
        initial=campaigns.DEFAULT_PRESET,
        required=False,
    )
    hash_ids = forms.BooleanField(
        label="Hash identifiers (SHA-256)",
        required=False,
        help_text="Meta and Google accept hashed emails, phones and names.",
    )
    holdout_percent = forms.IntegerField(
        label="Holdout (%)",
        min_value=0,
        max_value=campaigns.MAX_HOLDOUT_PERCENT,
        initial=0,
        required=False,
        help_text="A random share of each segment kept out of the list as a control group.",
    )
    include_without_consent = forms.BooleanField(
        label="Include members without marketing consent",
        required=False,
        help_text="Only for lists your legal basis allows without consent.",
    )
    segments = forms.ModelMultipleChoiceField(
        queryset=Segment.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="None ticked: every segment.",
    )

    def __init__(self, *args, run: SegmentationRun, with_contacts: bool, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.run = run
        self.with_contacts = with_contacts
        self.fields["segments"].queryset = run.segments.order_by("index")
        self.fields["segments"].label_from_instance = lambda s: f"{s.number}. {s.display_name}"

    def clean_preset(self) -> str:
        # The dashboard's one-click export posts no options: that is the analyst list.
        return self.cleaned_data["preset"] or campaigns.DEFAULT_PRESET

    def clean(self) -> dict:
        data = super().clean()
        preset = campaigns.PRESETS.get(data.get("preset", ""))
        if preset and data.get("hash_ids") and not preset.hashable:
            self.add_error("hash_ids", "Only the Meta and Google lists can be hashed.")
        if preset and not self.with_contacts and preset.name != campaigns.DEFAULT_PRESET:
            self.add_error("preset", "Your role exports customer ids only: use the analyst list.")
        return data

    def list_request(self, segments: tuple[Segment, ...] | None = None) -> ListRequest:
        data = self.cleaned_data
        return ListRequest(
            run=self.run,
            segments=segments if segments is not None else tuple(data["segments"]),
            preset=data["preset"],
            hash_ids=data["hash_ids"],
            holdout_percent=data["holdout_percent"] or 0,
            include_without_consent=data["include_without_consent"],
            with_contacts=self.with_contacts,
        )


class AuditFilterForm(forms.Form):
    """The audit log's GET filters; an invalid one is reported and the others still apply."""

    action = forms.ChoiceField(
        required=False, choices=[("", "Any action"), *AuditEvent.Action.choices]
    )
    actor = forms.CharField(label="User", required=False, max_length=150)
    object_type = forms.ChoiceField(
        label="Object",
        required=False,
        choices=[
            ("", "Any object"),
            *((name, name) for name in sorted(set(OBJECT_TYPES.values()))),
        ],
    )
    date_from = forms.DateField(
        label="From", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label="To", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def filters(self) -> dict:
        """The valid, non-empty filters, for selectors.audit_page."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {name: value for name, value in data.items() if value not in (None, "")}
