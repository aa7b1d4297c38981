from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import DatabaseError, connection, transaction

from segments.models import AuditEvent
from segments.services import audit
from tests import factories

pytestmark = pytest.mark.django_db


def an_event(**fields: object) -> AuditEvent:
    return audit.record(audit.Action.RUN_DELETED, **fields)


def raw_sql(sql: str, params: list) -> None:
    # A savepoint, so the refused statement does not spoil the test's transaction.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_record_with_object_stores_who_what_and_which() -> None:
    admin, run = factories.admin_user(username="ada"), factories.SegmentationRunFactory()
    event = audit.record(
        audit.Action.RUN_DELETED, actor=admin, obj=run, details={"status": "succeeded"}
    )
    event.refresh_from_db()
    assert (event.actor, event.actor_name, event.action, event.outcome) == (
        admin,
        "ada",
        "run_deleted",
        "ok",
    )
    assert (event.object_type, event.object_id) == ("run", str(run.pk))
    assert event.object_repr == str(run)
    assert event.details == {"status": "succeeded"}


@pytest.mark.parametrize("actor", [None, AnonymousUser()])
def test_record_without_signed_in_actor_leaves_actor_empty(actor) -> None:
    event = an_event(actor=actor)
    assert (event.actor, event.actor_name) == (None, "")


@pytest.mark.parametrize(
    ("model", "object_type"),
    [
        (factories.UserFactory, "user"),
        (factories.SegmentationRunFactory, "run"),
        (factories.SegmentFactory, "segment"),
        (factories.DataImportFactory, "import"),
        (factories.ExportRecordFactory, "export"),
    ],
)
def test_record_object_type_named_for_people(model, object_type: str) -> None:
    assert an_event(obj=model()).object_type == object_type


@pytest.mark.parametrize("key", ["password", "password1", "email", "phone", "token", "secret"])
def test_record_secret_or_contact_detail_key_is_refused(key: str) -> None:
    with pytest.raises(ValueError, match="must not hold"):
        an_event(details={key: "x"})
    assert not AuditEvent.objects.exists()


def test_record_nul_characters_are_dropped() -> None:
    event = audit.record(
        audit.Action.SIGN_IN_FAILED,
        actor_name="ad\x00min",
        object_repr="ad\x00min",
        details={"note": "a\x00b", "list": ["c\x00"]},
    )
    event.refresh_from_db()
    assert (event.actor_name, event.object_repr) == ("admin", "admin")
    assert event.details == {"note": "ab", "list": ["c"]}


# Append-only: the model, its queryset and the database trigger refuse changes.


def test_audit_event_save_existing_is_refused() -> None:
    event = an_event()
    event.action = audit.Action.SIGN_IN
    with pytest.raises(TypeError, match="append-only"):
        event.save()


def test_audit_event_delete_is_refused() -> None:
    event = an_event()
    with pytest.raises(TypeError, match="append-only"):
        event.delete()
    with pytest.raises(TypeError, match="append-only"):
        AuditEvent.objects.all().delete()
    with pytest.raises(TypeError, match="append-only"):
        AuditEvent.objects.update(outcome="failed")
    assert AuditEvent.objects.filter(pk=event.pk, outcome="ok").exists()


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE segments_auditevent SET outcome = 'failed' WHERE id = %s",
        "UPDATE segments_auditevent SET actor_name = 'someone' WHERE id = %s",
        "DELETE FROM segments_auditevent WHERE id = %s",
    ],
)
def test_audit_trigger_raw_update_or_delete_is_refused(sql: str) -> None:
    event = an_event(actor=factories.admin_user(username="ada"))
    with pytest.raises(DatabaseError, match="append-only"):
        raw_sql(sql, [event.pk])
    event.refresh_from_db()
    assert (event.outcome, event.actor_name) == ("ok", "ada")


def test_audit_trigger_clearing_actor_with_other_change_is_refused() -> None:
    event = an_event(actor=factories.admin_user())
    sql = "UPDATE segments_auditevent SET actor_id = NULL, outcome = 'failed' WHERE id = %s"
    with pytest.raises(DatabaseError, match="append-only"):
        raw_sql(sql, [event.pk])


def test_audit_deleting_actor_keeps_event_and_name() -> None:
    user = factories.admin_user(username="ada")
    event = an_event(actor=user)
    user.delete()
    event.refresh_from_db()
    assert (event.actor, event.actor_name) == (None, "ada")
