"""Strategy notes: the text a marketing team keeps on each segment, with its history."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from segments.models import Segment, StrategyNoteRevision
from segments.services import audit


def update_strategy_notes(
    segment: Segment,
    text: str,
    user: AbstractBaseUser | None,
    custom_name: str | None = None,
) -> StrategyNoteRevision | None:
    """Save a segment's new strategy notes (and name) and a revision saying who wrote what.

    1. Normalise line endings, so a browser's CRLF does not count as a change; None for the
       name keeps the current one, an empty name goes back to the descriptive one.
    2. Return None without writing when neither the text nor the name changed.
    3. Write the segment, its revision (with the run's number and the segment's name, kept
       when the run is deleted) and the audit event in one transaction.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    custom_name = segment.custom_name if custom_name is None else custom_name.strip()
    if text == segment.strategy_notes and custom_name == segment.custom_name:
        return None
    author = user if user is not None and user.is_authenticated else None
    changes = {
        "text_changed": text != segment.strategy_notes,
        "name_changed": custom_name != segment.custom_name,
    }
    with transaction.atomic():
        segment.strategy_notes = text
        segment.custom_name = custom_name
        segment.save(update_fields=["strategy_notes", "custom_name"])
        revision = StrategyNoteRevision.objects.create(
            segment=segment,
            run_number=segment.run_id,
            segment_name=segment.display_name,
            author=author,
            text=text,
            custom_name=custom_name,
        )
        details = {"run": segment.run_id, "segment_number": segment.number, **changes}
        audit.record(audit.Action.NOTES_EDITED, actor=author, obj=segment, details=details)
    return revision
