"""Read side: the querysets and frames that pages, charts and exports show.

Nothing here writes. A segment's members are listed by segments.members; what the run and
dashboard pages draw is stored with the run (segments.services.run_summaries).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd
from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import Count, Max, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Concat, Substr
from django_celery_beat.models import PeriodicTask

from segments.models import (
    Assignment,
    AuditEvent,
    ConsentChange,
    Customer,
    DataImport,
    ExportRecord,
    OrderLine,
    Segment,
    SegmentationRun,
)

SCHEDULED_RUN_TASK = "segments.tasks.scheduled_run_task"
RUNS_PER_PAGE = 25
IMPORTS_PER_PAGE = 25
EXPORTS_PER_PAGE = 50
AUDIT_EVENTS_PER_PAGE = 50
FEATURES = ("products_ordered", "average_return_rate", "total_spending")


def current_run() -> SegmentationRun | None:
    return SegmentationRun.objects.current()


def active_run() -> SegmentationRun | None:
    return SegmentationRun.objects.active().order_by("-created_at", "-id").first()


def run_segments(run: SegmentationRun) -> list[Segment]:
    return list(run.segments.select_related("matched_from").order_by("index"))


def count_reach(run: SegmentationRun) -> dict[str, list[int]]:
    """How many of each segment's members email and SMS can reach, by segment id (as text).

    Reachable means a contact to write to and consent to use it (as Customer.reachable_by_*).
    One grouped query over the reachable customers joined to their assignments in the run:
    PostgreSQL reads the customers with that filter first, so the count costs what the
    reachable members cost, not what every assignment of the run would.
    """
    by_email = Q(customer__accepts_email_marketing=True) & ~Q(customer__email="")
    by_sms = Q(customer__accepts_sms_marketing=True) & ~Q(customer__phone="")
    reachable = Assignment.objects.filter(Q(run=run) & (by_email | by_sms))
    counts = reachable.values("segment_id").annotate(
        email=Count("pk", filter=by_email), sms=Count("pk", filter=by_sms)
    )
    reach = {str(pk): [0, 0] for pk in run.segments.values_list("pk", flat=True)}
    for row in counts.order_by():
        reach[str(row["segment_id"])] = [row["email"], row["sms"]]
    return reach


def latest_contacts_import_id() -> int:
    """The latest contacts import that changed customers (0: none): reach counts follow it."""
    imports = DataImport.objects.filter(
        kind=DataImport.Kind.CONTACTS, status=DataImport.Status.SUCCEEDED
    )
    return imports.aggregate(latest=Max("pk"))["latest"] or 0


def runs_page(page_number: str | int | None) -> Page:
    runs = SegmentationRun.objects.visible().select_related("requested_by")
    runs = runs.order_by("-created_at", "-id")
    return Paginator(runs, RUNS_PER_PAGE).get_page(page_number)


def get_run(run_id: int) -> SegmentationRun | None:
    return (
        SegmentationRun.objects.visible()
        .select_related("requested_by", "previous_run")
        .filter(pk=run_id)
        .first()
    )


def previous_run(run: SegmentationRun) -> SegmentationRun | None:
    """The run this one was compared with; the last earlier success when none was recorded."""
    if run.previous_run_id and run.previous_run.status != SegmentationRun.Status.DELETING:
        return run.previous_run
    earlier = SegmentationRun.objects.succeeded().exclude(pk=run.pk)
    if run.finished_at:
        earlier = earlier.filter(finished_at__lt=run.finished_at)
    return earlier.order_by("-finished_at", "-id").first()


@dataclass
class RunChanges:
    previous: SegmentationRun | None
    matched: list[Segment] = field(default_factory=list)
    new: list[Segment] = field(default_factory=list)
    gone: list[dict] = field(default_factory=list)


def run_changes(run: SegmentationRun, segments: list[Segment]) -> RunChanges:
    """Which segments continue an earlier one, which are new, and which disappeared."""
    changes = RunChanges(previous=previous_run(run), gone=list(run.vanished_segments or []))
    for segment in segments:
        if segment.matched_from_id:
            changes.matched.append(segment)
        elif segment.is_new:
            changes.new.append(segment)
    return changes


def segments_frame(segments: list[Segment]) -> pd.DataFrame:
    """One row per segment, for the size chart and the colour map."""
    return pd.DataFrame(
        {
            "segment": [s.index for s in segments],
            "name": [s.display_name for s in segments],
            "colour": [s.colour for s in segments],
            "size": [s.size for s in segments],
            "share": [s.share for s in segments],
        }
    )


def get_customer(customer_id: int) -> Customer | None:
    return Customer.objects.select_related("contact_import").filter(pk=customer_id).first()


def find_customers(query: str, limit: int = 50) -> list[Customer]:
    query = query.strip()
    # PostgreSQL text cannot hold NUL, so no customer id does: nothing to look for.
    if not query or "\x00" in query:
        return []
    return list(
        Customer.objects.filter(external_id__startswith=query).order_by("external_id")[:limit]
    )


def customer_order_lines(customer: Customer, page_number: str | int | None = None) -> Page:
    """The customer's lines, newest first, a page at a time (some customers have thousands)."""
    lines = OrderLine.objects.filter(customer=customer).select_related("order")
    ordered = lines.order_by("-day", "order__external_id", "id")
    return Paginator(ordered, CUSTOMER_LINES_PER_PAGE).get_page(page_number)


def customer_assignments(customer: Customer) -> list[Assignment]:
    """The customer's segment in every run, newest run first."""
    assignments = Assignment.objects.filter(customer=customer).select_related("run", "segment")
    assignments = assignments.exclude(run__status=SegmentationRun.Status.DELETING)
    return list(assignments.order_by("-run__created_at", "-run_id"))


def customer_consent_changes(customer: Customer, limit: int = 100) -> list[ConsentChange]:
    """The customer's consent history, newest first, with the imports that set it."""
    changes = ConsentChange.objects.filter(customer=customer).select_related("data_import")
    return list(changes.order_by("-changed_at", "-id")[:limit])


CUSTOMER_LINES_PER_PAGE = 50


def imports_page(page_number: str | int | None) -> Page:
    imports = DataImport.objects.select_related("uploaded_by").order_by("-created_at", "-id")
    return Paginator(imports, IMPORTS_PER_PAGE).get_page(page_number)


def active_imports() -> QuerySet[DataImport]:
    running = [DataImport.Status.PENDING, DataImport.Status.RUNNING]
    return DataImport.objects.filter(status__in=running).order_by("-created_at")


def exports_page(page_number: str | int | None) -> Page:
    records = ExportRecord.objects.select_related("user", "run", "segment").order_by(
        "-created_at", "-id"
    )
    return Paginator(records, EXPORTS_PER_PAGE).get_page(page_number)


def audit_page(filters: dict, page_number: str | int | None) -> Page:
    """Audit events, newest first, narrowed by AuditFilterForm.filters()."""
    lookups = {
        "action": "action",
        "actor": "actor_name__iexact",
        "object_type": "object_type",
        "date_from": "at__date__gte",
        "date_to": "at__date__lte",
    }
    events = AuditEvent.objects.filter(
        **{lookups[name]: value for name, value in filters.items() if name in lookups}
    )
    return Paginator(events.order_by("-at", "-id"), AUDIT_EVENTS_PER_PAGE).get_page(page_number)


def schedules() -> QuerySet[PeriodicTask]:
    """The re-run schedules, each with the last run it started (its slots carry its name)."""
    tasks = PeriodicTask.objects.filter(task=SCHEDULED_RUN_TASK).select_related("crontab")
    slot_prefix = Concat(Substr(OuterRef("name"), 1, 80), Value(":"))
    started = SegmentationRun.objects.visible().filter(schedule_slot__startswith=slot_prefix)
    latest = started.order_by("-created_at", "-id")
    return tasks.annotate(
        last_started_run_id=Subquery(latest.values("pk")[:1]),
        last_started_run_status=Subquery(latest.values("status")[:1]),
        last_started_run_at=Subquery(latest.values("created_at")[:1]),
    ).order_by("name")


def get_schedule(task_id: int) -> PeriodicTask | None:
    return schedules().filter(pk=task_id).first()


def shop_currency() -> str:
    """settings.SEGWEB_CURRENCY, else GBP for UCI Online Retail data (a UK shop), else EUR."""
    if settings.SEGWEB_CURRENCY:
        return settings.SEGWEB_CURRENCY
    latest = (
        DataImport.objects.filter(kind=DataImport.Kind.ORDERS, status=DataImport.Status.SUCCEEDED)
        .order_by("-created_at")
        .values_list("detected_format", flat=True)
        .first()
    )
    return "GBP" if latest == DataImport.Format.ONLINE_RETAIL else "EUR"
