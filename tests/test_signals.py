from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import reverse

from segments.models import AuditEvent
from tests import factories

pytestmark = pytest.mark.django_db
LOGIN_URL = reverse("login")
ADDRESS = "198.51.100.20"


def sign_in(client: Client, username: str, password: str):
    data = {"username": username, "password": password}
    return client.post(LOGIN_URL, data, REMOTE_ADDR=ADDRESS)


def test_record_sign_in_names_user_and_address(client: Client) -> None:
    user = factories.marketing_user(username="mark")
    sign_in(client, "mark", factories.PASSWORD)
    event = AuditEvent.objects.get(action=AuditEvent.Action.SIGN_IN)
    assert (event.actor, event.actor_name, event.outcome) == (user, "mark", "ok")
    assert (event.object_type, event.object_id, event.ip_address) == ("user", str(user.pk), ADDRESS)


def test_record_sign_out_names_user(client: Client) -> None:
    user = factories.marketing_user(username="mark")
    client.force_login(user)
    client.post(reverse("logout"))
    event = AuditEvent.objects.get(action=AuditEvent.Action.SIGN_OUT)
    assert (event.actor, event.actor_name) == (user, "mark")


def test_record_sign_in_failed_keeps_username_never_password(client: Client) -> None:
    factories.marketing_user(username="mark")
    sign_in(client, "mark", "hunter2-typed-wrong")
    event = AuditEvent.objects.get(action=AuditEvent.Action.SIGN_IN_FAILED)
    assert (event.actor, event.actor_name, event.outcome) == (None, "mark", "failed")
    assert (event.object_repr, event.ip_address) == ("mark", ADDRESS)
    assert event.details == {"paused": False}
    stored = json.dumps([event.actor_name, event.object_repr, event.details])
    assert "hunter2" not in stored


def test_record_sign_in_failed_unknown_username_is_recorded(client: Client) -> None:
    sign_in(client, "nobody", "whatever")
    assert AuditEvent.objects.get(action=AuditEvent.Action.SIGN_IN_FAILED).actor_name == "nobody"


def test_record_sign_in_paused_is_refused(client: Client, settings) -> None:
    factories.marketing_user(username="mark")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, "mark", "wrong-password")
    sign_in(client, "mark", factories.PASSWORD)
    latest = AuditEvent.objects.filter(action=AuditEvent.Action.SIGN_IN_FAILED).first()
    assert (latest.outcome, latest.details) == ("refused", {"paused": True})
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.SIGN_IN).exists()
