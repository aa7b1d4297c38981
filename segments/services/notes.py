"""Strategy notes: the text a marketing team keeps on each segment, with its history."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from segments.models import Segment, StrategyNoteRevision


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
    3. Write the segment and its revision in one transaction.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    custom_name = segment.custom_name if custom_name is None else custom_name.strip()
    if text == segment.strategy_notes and custom_name == segment.custom_name:
        return None
    author = user if user is not None and user.is_authenticated else None
    with transaction.atomic():
        segment.strategy_notes = text
        segment.custom_name = custom_name
        segment.save(update_fields=["strategy_notes", "custom_name"])
        return StrategyNoteRevision.objects.create(
            segment=segment, author=author, text=text, custom_name=custom_name
        )
