"""Imports: a file of order lines or of customer contacts in, saved in one transaction.

import_file() runs synchronously (the import_orders and import_customers commands);
start_import() stores a web upload and enqueues import_orders_task, which calls
process_import(). The file's header says which kind it is. Parsing is pure (segments.importers);
this module records what happened in a DataImport row, also when the file is refused: then
nothing else is written.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from django.db import DatabaseError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from segments.importers import ImportRefused, ParseResult, detect, readers
from segments.importers.base import count_problems
from segments.importers.chunks import ParsedFile
from segments.importers.contacts import ContactsResult, parse_contacts
from segments.importers.entities import customers_from_orders, orders_from_lines
from segments.importers.keys import LineKeyer
from segments.models import DataImport
from segments.services import audit, import_fit, recovery, run_summaries
from segments.services.contact_store import ContactCounts, save_contacts
from segments.services.heartbeat import heartbeat
from segments.services.import_store import PreparedImport, SaveCounts, save_import

logger = logging.getLogger(__name__)
Status = DataImport.Status


def import_file(
    path: str | Path,
    requested_format: str = "auto",
    user=None,
    file_name: str | None = None,
    kind: str | None = None,
    is_demo: bool = False,
    confirmed: bool = False,
) -> DataImport:
    """Import a file on disk now; the DataImport says succeeded, refused or failed.

    `kind` (detect.ORDERS or detect.CONTACTS) refuses a file of the other kind; `is_demo` marks
    generated demo data, which "Remove demo data" deletes; `confirmed` applies data that looks
    far from the data already here (else the import is held, see segments.importers.fit).
    """
    path = Path(path)
    data_import = DataImport.objects.create(
        uploaded_by=user,
        file_name=file_name or path.name,
        file_size=path.stat().st_size,
        sha256=file_sha256(path),
        requested_format=requested_format,
        is_demo=is_demo,
        confirmed=confirmed,
        status=Status.RUNNING,
        started_at=timezone.now(),
        heartbeat_at=timezone.now(),
        attempts=1,
    )
    return run_import(data_import, path, kind)


def start_import(uploaded_file, requested_format: str, user) -> DataImport:
    """Store an upload and enqueue its import once the surrounding transaction commits."""
    name = Path(uploaded_file.name).name
    data_import = DataImport(
        uploaded_by=user,
        file_name=name,
        file_size=uploaded_file.size,
        requested_format=requested_format,
        status=Status.PENDING,
    )
    data_import.file.save(name, uploaded_file, save=False)
    data_import.save()
    audit.record(audit.Action.IMPORT_UPLOADED, actor=user, obj=data_import)
    transaction.on_commit(lambda: _enqueue_upload(data_import))
    return data_import


def _enqueue_upload(data_import: DataImport) -> None:
    """A broker that is down fails the upload at once, with the reason, instead of a 500."""
    error = recovery.enqueue_import(data_import.pk)
    if error is None:
        return
    message = (
        f"Could not queue the import: the task queue (broker) does not answer ({error}). "
        "Upload it again once it is back."
    )
    failed = DataImport.objects.filter(pk=data_import.pk, status=Status.PENDING).update(
        status=Status.FAILED, finished_at=timezone.now(), progress=100, error_message=message
    )
    if failed:
        data_import.status, data_import.error_message = Status.FAILED, message
        _remove_upload(data_import)


def process_import(import_id: int) -> DataImport:
    """Claim a pending upload and import it; a duplicate delivery finds it claimed and stops.

    An import whose worker died (its heartbeat is stale) is claimed again: its transaction
    never committed. The stored upload is deleted once the import has an outcome.
    """
    now = timezone.now()
    before = recovery.stale_before(now)
    # Stale work is taken over until it has used up its attempts: then recovery fails it.
    claimable = Q(status=Status.PENDING) | Q(
        status=Status.RUNNING, heartbeat_at__lt=before, attempts__lt=recovery.MAX_ATTEMPTS
    )
    claimed = DataImport.objects.filter(claimable, pk=import_id).update(
        status=Status.RUNNING,
        progress=1,
        started_at=now,
        heartbeat_at=now,
        attempts=F("attempts") + 1,
    )
    data_import = DataImport.objects.get(pk=import_id)
    if not claimed:
        return data_import
    path = Path(data_import.file.path)
    data_import.sha256 = file_sha256(path)
    data_import.file_size = path.stat().st_size
    # Not in a `finally`: when not even a failure could be recorded (the database is away),
    # the upload stays for the live worker that takes the stale import over.
    run_import(data_import, path)
    if data_import.status != Status.HELD:  # a held upload is kept until it is applied
        _remove_upload(data_import)
    return data_import


def _remove_upload(data_import: DataImport) -> None:
    """Uploads hold customers' data: nothing reads them once the import has an outcome."""
    if data_import.file:
        data_import.file.delete(save=False)
        DataImport.objects.filter(pk=data_import.pk).update(file="")


def run_import(data_import: DataImport, path: Path, kind: str | None = None) -> DataImport:
    """1. read the file, 2. detect its format and kind, 3. import it as order lines or contacts.
    A refusal or failure rolls the data back and records the report.
    """
    if kind:
        # A file refused before its format is known still shows the kind it was given as.
        data_import.kind = kind
    attempt = data_import.attempts
    try:
        with heartbeat(lambda: _beat(data_import.pk, attempt), f"import {data_import.pk}"):
            opened = readers.open_table(path, data_import.file_name)
            data_import.detected_format = detect.choose_format(
                opened.columns, data_import.requested_format, kind
            )
            data_import.kind = detect.kind_of(data_import.detected_format)
            _set_progress(data_import, 20)
            if data_import.kind == DataImport.Kind.CONTACTS:
                raw = readers.whole_frame(opened)
                data_import.rows_read = len(raw)
                _import_contacts(data_import, raw)
            else:
                _import_orders(data_import, opened)
    except ImportLost:
        pass  # the worker that took the import over records its outcome
    except ImportHeld as held:
        _record_held(data_import, held.warnings)
    except ImportRefused as refusal:
        _record_refusal(data_import, refusal)
    except Exception as error:  # the report must say what went wrong, whatever it was
        logger.exception("import %s failed", data_import.pk)
        _record_failure(data_import, error)
    return data_import


class ImportLost(Exception):
    """Another worker took the import over: this attempt writes nothing more."""


class ImportHeld(Exception):
    """The file's data looks far from the data already here: it waits for an Admin."""

    def __init__(self, warnings: list[str]) -> None:
        super().__init__(" ".join(warnings))
        self.warnings = warnings


def _beat(import_id: int, attempt: int) -> bool:
    owned = DataImport.objects.filter(pk=import_id, status=Status.RUNNING, attempts=attempt)
    return bool(owned.update(heartbeat_at=timezone.now()))


def _import_orders(data_import: DataImport, opened: readers.OpenedTable) -> None:
    """Parse, validate and key the file chunk by chunk, saving each chunk while the file has
    no problem, all in one transaction with the outcome: a problem anywhere undoes them all."""
    parsed = ParsedFile(opened, data_import.detected_format)
    results = parsed.results()
    progress = _progress_reporter(data_import.pk)
    try:
        with transaction.atomic():
            counts = save_import(_prepared_chunks(parsed, results, progress), data_import.pk)
            _record_parse(data_import, parsed)
            if not data_import.confirmed:
                warnings = import_fit.import_warnings(data_import.pk)
                if warnings:
                    raise ImportHeld(warnings)  # rolls the lines back: applied on confirmation
            _record_success(data_import, counts)
    except ImportRefused as refusal:
        if not parsed.refused:  # an order clash: the rest of the file may hold more problems
            parsed.add_problems(refusal.problems, refusal.total)
            parsed.drain(results)
        _record_parse(data_import, parsed)
        raise parsed.refusal() from None


def _prepared_chunks(
    parsed: ParsedFile, results: Iterator[ParseResult], progress: Callable[[int], None]
) -> Iterator[PreparedImport]:
    """Key each chunk's lines (as one file) and derive its orders and customers. A file with
    problems raises its refusal once read to the end, before save_import finishes."""
    keyer = LineKeyer()
    lines = max(parsed.lines, 1)
    for result in results:
        yield prepare_import(result, keyer)
        progress(min(95, 20 + 75 * parsed.rows_read // lines))
    if parsed.refused:
        raise parsed.refusal()


def _import_contacts(data_import: DataImport, raw) -> None:
    """Parse and validate every row, then apply them all in one transaction, or none."""
    result: ContactsResult = parse_contacts(raw, data_import.detected_format)
    data_import.rows_rejected = result.rows_rejected
    if result.refused:
        raise ImportRefused(result.problems, result.problems_total)
    _set_progress(data_import, 50)
    with transaction.atomic():
        counts = save_contacts(result.contacts, result.provided, data_import.pk)
        _record_contacts(data_import, counts)
        run_summaries.refresh_reach()


def prepare_import(result: ParseResult, keyer: LineKeyer | None = None) -> PreparedImport:
    """Key a chunk's lines and derive its orders and customers."""
    keys = (keyer or LineKeyer()).keys(result.lines)
    lines = result.lines.assign(line_key=keys)
    orders = orders_from_lines(lines)
    customers = customers_from_orders(orders, result.other_customer_ids)
    return PreparedImport(lines=lines, orders=orders, customers=customers)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(block)
    return digest.hexdigest()


def _record_parse(data_import: DataImport, result: ParsedFile) -> None:
    data_import.rows_read = result.rows_read
    data_import.rows_rejected = result.rows_rejected
    data_import.skipped_reasons = dict(result.skipped)
    data_import.rows_skipped = result.rows_skipped
    data_import.unmatched_returns = result.unmatched_returns


def _record_success(data_import: DataImport, counts: SaveCounts) -> None:
    data_import.customers_created = counts.customers_created
    data_import.orders_created = counts.orders_created
    data_import.lines_imported = counts.lines_imported
    data_import.lines_already_present = counts.lines_already_present
    if not _finish(data_import, Status.SUCCEEDED):
        raise ImportLost  # rolls back what this attempt wrote


def _record_contacts(data_import: DataImport, counts: ContactCounts) -> None:
    data_import.customers_created = counts.customers_created
    data_import.contacts_updated = counts.contacts_updated
    data_import.customers_without_orders = counts.customers_without_orders
    data_import.consent_changes = counts.consent_changes
    if not _finish(data_import, Status.SUCCEEDED):
        raise ImportLost


def _record_held(data_import: DataImport, warnings: list[str]) -> None:
    data_import.warnings = warnings
    _clear_save_counts(data_import)
    _finish(data_import, Status.HELD)


def apply_held_import(data_import: DataImport, user) -> bool:
    """An Admin applies a held upload anyway: it is imported again, without the fit check.
    False when it is not (or no longer) held, or its upload is gone (a command-line import)."""
    applied = DataImport.objects.filter(pk=data_import.pk, status=Status.HELD).exclude(file="")
    if not applied.update(status=Status.PENDING, confirmed=True, progress=0, finished_at=None):
        return False
    data_import.refresh_from_db()
    audit.record(audit.Action.IMPORT_APPLIED, actor=user, obj=data_import)
    transaction.on_commit(lambda: _enqueue_upload(data_import))
    return True


def _record_refusal(data_import: DataImport, refusal: ImportRefused) -> None:
    data_import.errors = [problem.as_dict() for problem in refusal.problems]
    data_import.errors_total = refusal.total
    data_import.error_message = f"Refused: {count_problems(refusal.total)} in the file."
    _clear_save_counts(data_import)
    _finish(data_import, Status.REFUSED)


def _record_failure(data_import: DataImport, error: Exception) -> None:
    """Mark the import failed; after a dropped database connection, on a fresh one."""
    data_import.error_message = f"{type(error).__name__}: {error}"[:2000]
    _clear_save_counts(data_import)
    try:
        _finish(data_import, Status.FAILED)
    except DatabaseError:
        # A database restart broke the connection: a new one is made on the next query.
        # Should the database stay away, the import goes stale and recovery hands it over.
        connection.close()
        time.sleep(1)
        _finish(data_import, Status.FAILED)


def _clear_save_counts(data_import: DataImport) -> None:
    data_import.customers_created = data_import.orders_created = 0
    data_import.lines_imported = data_import.lines_already_present = 0
    data_import.contacts_updated = data_import.customers_without_orders = 0
    data_import.consent_changes = 0


def _finish(data_import: DataImport, status: str) -> bool:
    """Record the outcome while this attempt still owns the import; False when another worker
    took it over (it records its own outcome)."""
    data_import.status = status
    data_import.progress = 100
    data_import.finished_at = timezone.now()
    with transaction.atomic():
        owned = DataImport.objects.select_for_update().filter(
            pk=data_import.pk, status=Status.RUNNING, attempts=data_import.attempts
        )
        if not owned.exists():
            logger.warning(
                "Import %s was taken over; attempt %s stops", data_import.pk, data_import.attempts
            )
            return False
        data_import.save()
    return True


def _set_progress(data_import: DataImport, percent: int) -> None:
    data_import.progress = percent
    DataImport.objects.filter(pk=data_import.pk).update(progress=percent)


def _progress_reporter(import_id: int):
    """Progress writes from inside the import's transaction.

    They must be visible before it commits, so they go through a connection of their own
    (a short-lived thread). Call it before entering the import's transaction.
    """
    if connection.in_atomic_block:
        # Inside a caller's transaction the row may be locked by it: no second connection.
        return lambda percent: None

    def report(percent: int) -> None:
        thread = threading.Thread(target=_write_progress_alone, args=(import_id, percent))
        thread.start()
        thread.join()

    return report


def _write_progress_alone(import_id: int, percent: int) -> None:
    try:
        DataImport.objects.filter(pk=import_id).update(progress=percent)
    finally:
        connection.close()


def import_summary(data_import: DataImport, seconds: float) -> str:
    """One line: what an import added, from which file, in how long."""
    if data_import.kind == DataImport.Kind.CONTACTS:
        return (
            f"imported {data_import.rows_read:,} contacts: "
            f"{data_import.contacts_updated:,} known customers' details changed, "
            f"{data_import.consent_changes:,} consent changes recorded, "
            f"{data_import.customers_created:,} customers not seen before, "
            f"{data_import.customers_without_orders:,} without orders yet "
            f"from {data_import.file_name} [{data_import.detected_format}] in {seconds:.1f} s"
        )
    return (
        f"imported {data_import.lines_imported:,} lines "
        f"({data_import.lines_already_present:,} already present), "
        f"{data_import.customers_created:,} new customers, "
        f"{data_import.orders_created:,} new orders "
        f"from {data_import.file_name} [{data_import.detected_format or '?'}] in {seconds:.1f} s"
        + (f"; skipped {data_import.rows_skipped:,} rows" if data_import.rows_skipped else "")
    )


def problem_report(data_import: DataImport) -> list[str]:
    """The refusal report as text lines: one per problem kept, then the total."""
    lines = [f"{data_import.file_name}: {data_import.error_message}"]
    for problem in data_import.errors:
        where = "file" if problem["row"] is None else f"row {problem['row']}"
        column = f", column {problem['column']}" if problem["column"] else ""
        value = f", value {problem['value']!r}" if problem["value"] else ""
        lines.append(f"  {where}{column}{value}: {problem['reason']}")
    if data_import.errors_total > len(data_import.errors):
        lines.append(f"  ... {data_import.errors_total:,} problems in total")
    return lines
