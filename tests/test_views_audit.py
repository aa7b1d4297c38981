from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from segments.models import AuditEvent
from segments.selectors import AUDIT_EVENTS_PER_PAGE
from segments.services import audit
from tests import factories

pytestmark = pytest.mark.django_db
AUDIT_URL = reverse("segments:audit-list")


def signed_in(user: object) -> Client:
    client = Client()
    client.force_login(user)
    return client


def event(action: str, *, days_ago: int = 0, **fields: object) -> AuditEvent:
    at = timezone.now() - dt.timedelta(days=days_ago)
    return AuditEvent.objects.create(action=action, at=at, **fields)


def listed(response) -> list[str]:
    """The listed events' actions, leaving out the page's own admin signing in."""
    return [e.action for e in response.context["page"] if e.actor_name != "ada"]


@pytest.fixture
def admin() -> Client:
    return signed_in(factories.admin_user(username="ada"))


def test_audit_list_anonymous_redirects_to_login(client: Client) -> None:
    response = client.get(AUDIT_URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("make_user", [factories.marketing_user, factories.UserFactory])
def test_audit_list_without_admin_role_gets_403(make_user) -> None:
    assert signed_in(make_user()).get(AUDIT_URL).status_code == 403


def test_audit_list_post_not_allowed(admin: Client) -> None:
    assert admin.post(AUDIT_URL).status_code == 405


def test_nav_audit_link_for_admin_only(admin: Client) -> None:
    dashboard = reverse("segments:dashboard")
    assert b'data-testid="nav-audit"' in admin.get(dashboard).content
    marketing = signed_in(factories.marketing_user())
    assert b'data-testid="nav-audit"' not in marketing.get(dashboard).content


def test_audit_list_shows_events_newest_first(admin: Client) -> None:
    run = factories.SegmentationRunFactory()
    audit.record(audit.Action.RUN_DELETED, actor=factories.admin_user(username="bo"), obj=run)
    event(audit.Action.SIGN_IN, days_ago=1, actor_name="cy")
    response = admin.get(AUDIT_URL)
    assert listed(response) == ["run_deleted", "sign_in"]
    content = response.content.decode()
    assert "Run deleted" in content
    assert f"run {run.pk}" in content
    assert "bo" in content


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, ["sign_in", "run_deleted", "sign_in_failed", "export_created"]),
        ({"action": "sign_in_failed"}, ["sign_in_failed"]),
        ({"actor": "BO"}, ["run_deleted", "export_created"]),
        ({"object_type": "run"}, ["run_deleted"]),
        ({"date_from": "DAY2"}, ["sign_in", "run_deleted", "sign_in_failed"]),
        ({"date_to": "DAY2"}, ["sign_in_failed", "export_created"]),
        ({"actor": "bo", "date_from": "DAY1"}, ["run_deleted"]),
        (
            {"action": "no-such-action"},
            ["sign_in", "run_deleted", "sign_in_failed", "export_created"],
        ),
    ],
)
def test_audit_list_filters(admin: Client, query: dict, expected: list[str]) -> None:
    event("export_created", days_ago=3, actor_name="bo", object_type="export", object_id="9")
    event("sign_in_failed", days_ago=2, actor_name="mallory")
    event("run_deleted", days_ago=1, actor_name="bo", object_type="run", object_id="4")
    event("sign_in", actor_name="cy", object_type="user", object_id="1")
    days = {f"DAY{n}": (timezone.localdate() - dt.timedelta(days=n)).isoformat() for n in (1, 2)}
    params = {key: days.get(value, value) for key, value in query.items()}
    response = admin.get(AUDIT_URL, params)
    assert response.status_code == 200
    assert listed(response) == expected


def test_audit_list_invalid_filter_is_reported(admin: Client) -> None:
    response = admin.get(AUDIT_URL, {"date_from": "yesterday"})
    assert response.status_code == 200
    assert b"errorlist" in response.content


def test_audit_list_pages_keep_the_filters(admin: Client) -> None:
    for _ in range(AUDIT_EVENTS_PER_PAGE + 1):
        event("sign_in", actor_name="cy")
    event("sign_out", actor_name="cy")
    first = admin.get(AUDIT_URL, {"action": "sign_in"})
    assert len(listed(first)) == AUDIT_EVENTS_PER_PAGE
    assert b"?action=sign_in&amp;page=2" in first.content
    second = admin.get(AUDIT_URL, {"action": "sign_in", "page": 2})
    assert listed(second) == ["sign_in"]


def test_audit_list_escapes_attacker_text(admin: Client) -> None:
    event("sign_in_failed", actor_name="<script>alert(1)</script>")
    content = admin.get(AUDIT_URL).content.decode()
    assert "<script>alert(1)</script>" not in content
    assert "&lt;script&gt;" in content
