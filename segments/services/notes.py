"""Strategy notes: the text a marketing team keeps on each segment, with its history."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from segments.models import Segment, StrategyNoteRevision


def update_strategy_notes(
    segment: Segment, text: str, user: AbstractBaseUser | None
) -> StrategyNoteRevision | None:
    """Save a segment's new strategy notes and a revision saying who wrote what, and when.

    1. Normalise line endings, so a browser's CRLF does not count as a change.
    2. Return None without writing when the text is unchanged.
    3. Write the note and its revision in one transaction.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if text == segment.strategy_notes:
        return None
    author = user if user is not None and user.is_authenticated else None
    with transaction.atomic():
        segment.strategy_notes = text
        segment.save(update_fields=["strategy_notes"])
        return StrategyNoteRevision.objects.create(segment=segment, author=author, text=text)
