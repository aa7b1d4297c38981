"""Campaign target lists from a run: members read from the database, written as a preset says.

Rows come from the database in chunks through `.iterator()`, so memory stays flat whatever the
size of the run. segments.campaigns decides who goes on a list, its columns and the holdout;
this module feeds it members and records every export (ExportRecord), also when a download is
interrupted. With a holdout, the web gets one ZIP holding the list and its control file.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.conf import settings

from segments import campaigns, roles, selectors
from segments.campaigns import LeftOut, Member
from segments.models import ExportRecord, Segment, SegmentationRun
from segments.services import audit

CHUNK_SIZE = 2000
ZIP_FLUSH_BYTES = 256 * 1024


@dataclass(frozen=True)
class ListRequest:
    """What to export: segments of a run (none = all of them), in which preset, how."""

    run: SegmentationRun
    segments: tuple[Segment, ...] = ()
    preset: str = campaigns.DEFAULT_PRESET
    hash_ids: bool = False
    holdout_percent: int = 0
    include_without_consent: bool = False
    with_contacts: bool = True

    @property
    def preset_spec(self) -> campaigns.Preset:
        return campaigns.get_preset(self.preset)

    def filename(self, holdout: bool = False, suffix: str = ".csv") -> str:
        names = [segment.display_name for segment in self.segments]
        name = campaigns.export_filename(self.run.pk, names, self.preset_spec, holdout)
        return name.removesuffix(".csv") + suffix


@dataclass
class ListCounts:
    """What an export wrote and left out; complete once its lines are consumed."""

    rows: int = 0
    holdout_rows: int = 0
    left_out: LeftOut = field(default_factory=LeftOut)


def may_export_contacts(user) -> bool:
    """Admins always; Marketing users unless SEGWEB_MARKETING_CONTACT_EXPORTS is off."""
    return settings.SEGWEB_MARKETING_CONTACT_EXPORTS or user.has_perm(roles.MANAGE_RUNS)


def run_members(request: ListRequest) -> Iterator[Member]:
    """Every member of the requested segments, with the customer's contact details."""
    segments = {s.pk: s for s in request.run.segments.all()}
    run_date = (request.run.finished_at or request.run.created_at).date().isoformat()
    rows = selectors.export_rows(request.run, request.segments).iterator(chunk_size=CHUNK_SIZE)
    for row in rows:
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


def list_lines(request: ListRequest, counts: ListCounts, holdout: bool = False) -> Iterator[str]:
    """The CSV lines of the list (or of its holdout file), counting into `counts`.

    Members left out for want of contact or consent are counted on the list's pass only.
    """
    preset = request.preset_spec
    left_out = counts.left_out if not holdout else None
    chosen = campaigns.select_members(
        run_members(request),
        preset,
        include_without_consent=request.include_without_consent,
        left_out=left_out,
    )
    split = (m for m in chosen if _held_out(request, m) == holdout)
    lines = campaigns.csv_lines(
        preset, _counted(split, counts, holdout), request.hash_ids,
        with_contacts=request.with_contacts,
    )  # fmt: skip
    return lines


def stream_list(request: ListRequest, user=None) -> Iterator[bytes]:
    """A CSV file (no holdout) or a ZIP of the list and its holdout file, as bytes, recorded.

    1. Record the export before the first byte, so even an interrupted download is listed.
    2. Stream the file(s).
    3. Store what was written and left out when the stream ends (or is closed early).
    """
    record = _start_record(request, user)
    counts = ListCounts()
    try:
        if request.holdout_percent:
            yield from _zip_stream(request, counts)
        else:
            for line in list_lines(request, counts):
                yield line.encode()
    finally:
        finish_record(record, counts)


def write_files(request: ListRequest, out: str, holdout_out: str | None = None, user=None):
    """The command line's export: the list to `out`, the holdout file to `holdout_out`."""
    record = _start_record(request, user)
    counts = ListCounts()
    try:
        _write(out, list_lines(request, counts))
        if request.holdout_percent and holdout_out:
            _write(holdout_out, list_lines(request, counts, holdout=True))
    finally:
        finish_record(record, counts)
    return counts


def finish_record(record: ExportRecord, counts: ListCounts) -> None:
    ExportRecord.objects.filter(pk=record.pk).update(
        rows=counts.rows,
        holdout_rows=counts.holdout_rows,
        left_out_no_contact=counts.left_out.no_contact,
        left_out_no_consent=counts.left_out.no_consent,
    )


def _start_record(request: ListRequest, user) -> ExportRecord:
    owner = user if user is not None and user.is_authenticated else None
    only = request.segments[0] if len(request.segments) == 1 else None
    record = ExportRecord.objects.create(
        user=owner,
        run=request.run,
        run_number=request.run.pk,
        segment=only,
        segment_indexes=[segment.number for segment in request.segments],
        preset=request.preset,
        hashed=request.hash_ids,
        with_contacts=request.with_contacts,
        include_without_consent=request.include_without_consent,
        holdout_percent=request.holdout_percent,
    )
    exported = audit.Action.EXPORT_CREATED
    audit.record(exported, actor=owner, obj=record, details=_export_details(record))
    return record


def _export_details(record: ExportRecord) -> dict:
    """What was asked for (which run, segments and format), never who is in the list."""
    fields = ("run_number", "segment_indexes", "preset", "hashed", "with_contacts",
              "include_without_consent", "holdout_percent")  # fmt: skip
    return {name: getattr(record, name) for name in fields}


def _held_out(request: ListRequest, member: Member) -> bool:
    if not request.holdout_percent:
        return False
    return campaigns.in_holdout(
        request.run.pk, member.segment_index, member.customer_id, request.holdout_percent
    )


def _counted(members: Iterable[Member], counts: ListCounts, holdout: bool) -> Iterator[Member]:
    for member in members:
        if holdout:
            counts.holdout_rows += 1
        else:
            counts.rows += 1
        yield member


def _write(path: str, lines: Iterable[str]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as out:
        for line in lines:
            out.write(line)


class _Sink:
    """An unseekable file for zipfile whose bytes are taken out as they come."""

    def __init__(self) -> None:
        self.buffer = bytearray()

    def write(self, data: bytes) -> int:
        self.buffer += data
        return len(data)

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        data = bytes(self.buffer)
        self.buffer.clear()
        return data


def _zip_stream(request: ListRequest, counts: ListCounts) -> Iterator[bytes]:
    """The list, then its holdout file, each a ZIP member, in chunks of about 256 KB."""
    sink = _Sink()
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for holdout in (False, True):
            name = request.filename(holdout=holdout)
            with archive.open(name, "w", force_zip64=True) as member:
                for line in list_lines(request, counts, holdout=holdout):
                    member.write(line.encode())
                    if len(sink.buffer) >= ZIP_FLUSH_BYTES:
                        yield sink.take()
            yield sink.take()
    yield sink.take()
