from __future__ import annotations

import pytest

from segments.models import AuditEvent, StrategyNoteRevision
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


def test_update_strategy_notes_revision_keeps_run_number_and_segment_name() -> None:
    segment = factories.SegmentFactory(name="Bargain hunters")
    revision = update_strategy_notes(segment, "Plan", None, custom_name="Deal seekers")
    revision.refresh_from_db()
    assert (revision.run_number, revision.segment_name) == (segment.run_id, "Deal seekers")


@pytest.mark.parametrize(
    ("text", "name", "changes"),
    [
        ("New plan", None, {"text_changed": True, "name_changed": False}),
        ("Old plan", "VIP", {"text_changed": False, "name_changed": True}),
        ("New plan", "VIP", {"text_changed": True, "name_changed": True}),
    ],
)
def test_update_strategy_notes_records_who_and_what_changed(text, name, changes) -> None:
    segment = factories.SegmentFactory(strategy_notes="Old plan", index=2)
    user = factories.marketing_user(username="mark")
    update_strategy_notes(segment, text, user, custom_name=name)
    event = AuditEvent.objects.get()
    assert (event.action, event.actor, event.object_type) == ("notes_edited", user, "segment")
    assert event.details == {"run": segment.run_id, "segment_number": 3, **changes}


def test_update_strategy_notes_unchanged_records_nothing() -> None:
    segment = factories.SegmentFactory(strategy_notes="Same")
    update_strategy_notes(segment, "Same", factories.marketing_user())
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.NOTES_EDITED).exists()
