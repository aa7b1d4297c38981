from __future__ import annotations

import pytest

from segments.models import StrategyNoteRevision
from segments.services.notes import update_strategy_notes
from tests import factories

pytestmark = pytest.mark.django_db


def test_update_strategy_notes_saves_text_and_revision() -> None:
    segment = factories.SegmentFactory(strategy_notes="Old plan")
    user = factories.marketing_user()
    revision = update_strategy_notes(segment, "New plan", user)
    segment.refresh_from_db()
    assert segment.strategy_notes == "New plan"
    assert (revision.segment, revision.author, revision.text) == (segment, user, "New plan")


def test_update_strategy_notes_unchanged_writes_nothing() -> None:
    segment = factories.SegmentFactory(strategy_notes="Same\nplan")
    assert update_strategy_notes(segment, "Same\r\nplan", factories.marketing_user()) is None
    assert not StrategyNoteRevision.objects.exists()


def test_update_strategy_notes_history_newest_first() -> None:
    segment = factories.SegmentFactory()
    alice = factories.marketing_user(username="alice")
    bob = factories.admin_user(username="bob")
    update_strategy_notes(segment, "first", alice)
    update_strategy_notes(segment, "second", bob)
    history = [(r.author.username, r.text) for r in segment.note_revisions.all()]
    assert history == [("bob", "second"), ("alice", "first")]


def test_update_strategy_notes_without_user_has_no_author() -> None:
    segment = factories.SegmentFactory()
    assert update_strategy_notes(segment, "from a script", None).author is None


def test_update_strategy_notes_name_only_change_is_saved() -> None:
    segment = factories.SegmentFactory(strategy_notes="Plan")
    revision = update_strategy_notes(segment, "Plan", None, custom_name="Bargain hunters")
    segment.refresh_from_db()
    assert (segment.custom_name, revision.custom_name) == ("Bargain hunters", "Bargain hunters")


def test_update_strategy_notes_empty_name_restores_descriptive_name() -> None:
    segment = factories.SegmentFactory(name="High spenders", custom_name="VIP")
    update_strategy_notes(segment, segment.strategy_notes, None, custom_name="")
    segment.refresh_from_db()
    assert segment.display_name == "High spenders"


def test_update_strategy_notes_without_name_keeps_custom_name() -> None:
    segment = factories.SegmentFactory(custom_name="VIP")
    update_strategy_notes(segment, "new text", None)
    segment.refresh_from_db()
    assert segment.custom_name == "VIP"
