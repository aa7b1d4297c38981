"""Campaign target lists from a run, written by PostgreSQL and recorded.

segments.campaigns decides who goes on a list, its columns and the holdout; segments.list_queries
has PostgreSQL write exactly those bytes (COPY, in chunks of whole lines), so memory stays flat
and the web serves a million members in seconds. This module records every export
(ExportRecord), also when a download is interrupted. With a holdout, the web gets one ZIP
holding the list and its control file.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.conf import settings

from segments import campaigns, list_queries, roles
from segments.campaigns import LeftOut
from segments.list_queries import ListSpec, SegmentRef
from segments.models import ExportRecord, Segment, SegmentationRun
from segments.services import audit

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

    def spec(self) -> ListSpec:
        """The list as list_queries writes it: the segments' numbers and names resolved."""
        segments = self.segments or tuple(self.run.segments.order_by("index"))
        run_date = (self.run.finished_at or self.run.created_at).date().isoformat()
        return ListSpec(
            run_id=self.run.pk,
            run_date=run_date,
            segments=tuple(SegmentRef(s.pk, s.number, s.display_name) for s in segments),
            preset=self.preset_spec,
            hash_ids=self.hash_ids,
            holdout_percent=self.holdout_percent,
            include_without_consent=self.include_without_consent,
            with_contacts=self.with_contacts,
        )


@dataclass
class ListCounts:
    """What an export wrote (as far as it got) and what its list leaves out."""

    rows: int = 0
    holdout_rows: int = 0
    left_out: LeftOut = field(default_factory=LeftOut)


def may_export_contacts(user) -> bool:
    """Admins always; Marketing users unless SEGWEB_MARKETING_CONTACT_EXPORTS is off."""
    return settings.SEGWEB_MARKETING_CONTACT_EXPORTS or user.has_perm(roles.MANAGE_RUNS)


def list_chunks(spec: ListSpec, counts: ListCounts, holdout: bool = False) -> Iterator[bytes]:
    """The CSV file of the list (or of its holdout), header first, counting lines into counts."""
    yield list_queries.header(spec)
    for chunk, lines in list_queries.copy_lines(spec, holdout):
        if holdout:
            counts.holdout_rows += lines
        else:
            counts.rows += lines
        yield chunk


def stream_list(request: ListRequest, user=None) -> Iterator[bytes]:
    """A CSV file (no holdout) or a ZIP of the list and its holdout file, as bytes, recorded.

    1. Record the export before the first byte, so even an interrupted download is listed.
    2. Stream the file(s).
    3. Store what was written and left out when the stream ends (or is closed early).
    """
    spec = request.spec()
    record = _start_record(request, user)
    counts = ListCounts()
    try:
        if request.holdout_percent:
            yield from _zip_stream(request, spec, counts)
        else:
            yield from list_chunks(spec, counts)
    finally:
        finish_record(record, spec, counts)


def write_files(request: ListRequest, out: str, holdout_out: str | None = None, user=None):
    """The command line's export: the list to `out`, the holdout file to `holdout_out`."""
    spec = request.spec()
    record = _start_record(request, user)
    counts = ListCounts()
    try:
        _write(out, list_chunks(spec, counts))
        if request.holdout_percent and holdout_out:
            _write(holdout_out, list_chunks(spec, counts, holdout=True))
    finally:
        finish_record(record, spec, counts)
    return counts


def finish_record(record: ExportRecord, spec: ListSpec, counts: ListCounts) -> None:
    counts.left_out = list_queries.left_out(spec)
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


def _write(path: str, chunks: Iterator[bytes]) -> None:
    with open(path, "wb") as out:
        for chunk in chunks:
            out.write(chunk)


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


def _zip_stream(request: ListRequest, spec: ListSpec, counts: ListCounts) -> Iterator[bytes]:
    """The list, then its holdout file, each a ZIP member, in chunks of about 256 KB."""
    sink = _Sink()
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for holdout in (False, True):
            name = request.filename(holdout=holdout)
            with archive.open(name, "w", force_zip64=True) as member:
                for chunk in list_chunks(spec, counts, holdout=holdout):
                    member.write(chunk)
                    if len(sink.buffer) >= ZIP_FLUSH_BYTES:
                        yield sink.take()
            yield sink.take()
    yield sink.take()
