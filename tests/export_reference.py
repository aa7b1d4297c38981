"""The campaign lists as segweb wrote them before PostgreSQL did: through the ORM, row by row.

Kept as the tests' reference: segments.campaigns' pure functions over the members read with the
ORM (as segments.exports did until COPY replaced it), so the SQL path can be compared with it
byte for byte.
"""

from __future__ import annotations

from collections.abc import Iterator

from segments import campaigns
from segments.campaigns import LeftOut, Member
from segments.exports import ListRequest
from segments.models import Assignment

EXPORT_FIELDS = (
    "customer__external_id", "segment_id", "products_ordered", "average_return_rate",
    "total_spending", "customer__email", "customer__phone", "customer__first_name",
    "customer__last_name", "customer__country", "customer__accepts_email_marketing",
    "customer__accepts_sms_marketing",
)  # fmt: skip


def run_members(request: ListRequest) -> Iterator[Member]:
    """Every member of the requested segments, with the customer's contact details."""
    segments = {s.pk: s for s in request.run.segments.all()}
    run_date = (request.run.finished_at or request.run.created_at).date().isoformat()
    rows = Assignment.objects.filter(run=request.run)
    if request.segments:
        rows = rows.filter(segment__in=request.segments)
    for row in rows.order_by("id").values_list(*EXPORT_FIELDS).iterator(chunk_size=2000):
        segment = segments[row[1]]
        yield Member(
            customer_id=row[0],
            segment_index=segment.number,
            segment_name=segment.display_name,
            products_ordered=row[2],
            average_return_rate=row[3],
            total_spending=row[4],
            email=row[5],
            phone=row[6],
            first_name=row[7],
            last_name=row[8],
            country=row[9],
            accepts_email=row[10],
            accepts_sms=row[11],
            run_id=request.run.pk,
            run_date=run_date,
        )


def reference_file(request: ListRequest, holdout: bool = False) -> bytes:
    """The list's (or its holdout file's) bytes as the Python path wrote them."""
    chosen = campaigns.select_members(
        run_members(request), request.preset_spec,
        include_without_consent=request.include_without_consent,
    )  # fmt: skip
    split = (m for m in chosen if _held_out(request, m) == holdout)
    lines = campaigns.csv_lines(
        request.preset_spec, split, request.hash_ids, with_contacts=request.with_contacts
    )
    return "".join(lines).encode()


def reference_left_out(request: ListRequest) -> LeftOut:
    left_out = LeftOut()
    members = campaigns.select_members(
        run_members(request), request.preset_spec,
        include_without_consent=request.include_without_consent, left_out=left_out,
    )  # fmt: skip
    for _ in members:
        pass
    return left_out


def _held_out(request: ListRequest, member: Member) -> bool:
    if not request.holdout_percent:
        return False
    return campaigns.in_holdout(
        request.run.pk, member.segment_index, member.customer_id, request.holdout_percent
    )
