"""Every page and action against every role: anonymous, no role, Marketing and Admin; and CSRF."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from segments.services.schedules import ScheduleSpec, save_schedule
from tests import factories

pytestmark = pytest.mark.django_db

# (url name, kwargs keys) for pages every signed-in role may read.
RESULT_PAGES = [
    ("segments:dashboard", ()),
    ("segments:run-list", ()),
    ("segments:run-detail", ("run_id",)),
    ("segments:run-status", ("run_id",)),
    ("segments:segment-detail", ("segment_id",)),
    ("segments:customer-search", ()),
    ("segments:customer-detail", ("customer_id",)),
]
ADMIN_PAGES = [
    ("segments:import-list", ()),
    ("segments:import-detail", ("import_id",)),
    ("segments:import-status", ("import_id",)),
    ("segments:schedule-list", ()),
    ("segments:schedule-create", ()),
    ("segments:schedule-edit", ("task_id",)),
    ("segments:export-list", ()),
    ("segments:user-list", ()),
    ("segments:user-create", ()),
    ("segments:user-edit", ("user_id",)),
]
MARKETING_ACTIONS = [
    ("segments:segment-notes", ("segment_id",)),
    ("segments:segment-export", ("segment_id",)),
    ("segments:run-export", ("run_id",)),
]
ADMIN_ACTIONS = [
    ("segments:run-start", ()),
    ("segments:run-delete", ("run_id",)),
    ("segments:import-upload", ()),
    ("segments:schedule-create", ()),
    ("segments:schedule-edit", ("task_id",)),
    ("segments:schedule-delete", ("task_id",)),
    ("segments:user-create", ()),
    ("segments:user-edit", ("user_id",)),
]


@pytest.fixture
def ids() -> dict[str, int]:
    run = factories.segmented_run(sizes=(2, 1))
    segment = run.segments.first()
    schedule = save_schedule(ScheduleSpec("Nightly", True, "0", "2", "*"))
    return {
        "run_id": run.pk,
        "segment_id": segment.pk,
        "customer_id": segment.assignments.first().customer_id,
        "import_id": factories.DataImportFactory().pk,
        "task_id": schedule.pk,
        "user_id": factories.marketing_user().pk,
    }


def url_for(name: str, keys: tuple[str, ...], ids: dict[str, int]) -> str:
    return reverse(name, kwargs={key: ids[key] for key in keys})


def signed_in(user: object) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize(("name", "keys"), RESULT_PAGES + ADMIN_PAGES)
def test_page_anonymous_redirects_to_login(client: Client, ids, name, keys) -> None:
    url = url_for(name, keys, ids)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize(("name", "keys"), MARKETING_ACTIONS + ADMIN_ACTIONS)
def test_action_anonymous_redirects_to_login(client: Client, ids, name, keys) -> None:
    response = client.post(url_for(name, keys, ids))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize(("name", "keys"), RESULT_PAGES)
@pytest.mark.parametrize("make_user", [factories.marketing_user, factories.admin_user])
def test_result_page_any_role_sees_it(ids, name, keys, make_user) -> None:
    assert signed_in(make_user()).get(url_for(name, keys, ids)).status_code == 200


@pytest.mark.parametrize(("name", "keys"), RESULT_PAGES + ADMIN_PAGES)
def test_page_user_without_role_gets_403(ids, name, keys) -> None:
    assert signed_in(factories.UserFactory()).get(url_for(name, keys, ids)).status_code == 403


@pytest.mark.parametrize(("name", "keys"), ADMIN_PAGES)
def test_admin_page_marketing_gets_403_admin_gets_200(ids, name, keys) -> None:
    url = url_for(name, keys, ids)
    assert signed_in(factories.marketing_user()).get(url).status_code == 403
    assert signed_in(factories.admin_user()).get(url).status_code == 200


@pytest.mark.parametrize(("name", "keys"), ADMIN_ACTIONS)
def test_admin_action_marketing_gets_403(ids, name, keys) -> None:
    response = signed_in(factories.marketing_user()).post(url_for(name, keys, ids))
    assert response.status_code == 403


@pytest.mark.parametrize(("name", "keys"), MARKETING_ACTIONS)
def test_marketing_action_user_without_role_gets_403(ids, name, keys) -> None:
    response = signed_in(factories.UserFactory()).post(url_for(name, keys, ids))
    assert response.status_code == 403


@pytest.mark.parametrize(
    ("name", "keys"),
    [*MARKETING_ACTIONS, *(a for a in ADMIN_ACTIONS if not a[0].endswith("-create"))],
)
def test_action_get_is_not_allowed(ids, name, keys) -> None:
    edit_forms = {"segments:schedule-edit", "segments:user-edit"}
    # The address bar shows these after a form error: opening them goes back to their page.
    back_to_page = {"segments:run-start", "segments:import-upload"}
    response = signed_in(factories.admin_user()).get(url_for(name, keys, ids))
    expected = 200 if name in edit_forms else 302 if name in back_to_page else 405
    assert response.status_code == expected


@pytest.mark.parametrize(("name", "keys"), MARKETING_ACTIONS + ADMIN_ACTIONS)
def test_action_without_csrf_token_is_refused(ids, name, keys) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(factories.admin_user())
    response = client.post(url_for(name, keys, ids), {"text": "x", "name": "x"})
    assert response.status_code == 403
    assert b"CSRF" in response.content


def test_action_with_csrf_token_is_accepted(ids) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(factories.marketing_user())
    page = client.get(reverse("segments:segment-detail", args=[ids["segment_id"]]))
    token = page.context["csrf_token"]
    url = reverse("segments:segment-notes", args=[ids["segment_id"]])
    response = client.post(url, {"text": "New plan", "csrfmiddlewaretoken": str(token)})
    assert response.status_code == 302


def test_login_page_signs_in_with_password(client: Client) -> None:
    user = factories.marketing_user()
    response = client.post(
        reverse("login"), {"username": user.username, "password": factories.PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("segments:dashboard")


def test_login_page_wrong_password_shows_error(client: Client) -> None:
    user = factories.marketing_user()
    response = client.post(reverse("login"), {"username": user.username, "password": "nope"})
    assert response.status_code == 200
    assert b'id="login-error"' in response.content


def test_nav_marketing_sees_no_admin_links() -> None:
    content = signed_in(factories.marketing_user()).get(reverse("segments:dashboard")).content
    assert b'data-testid="nav-runs"' in content
    for admin_link in (b"nav-imports", b"nav-schedules", b"nav-exports"):
        assert admin_link not in content


def test_nav_admin_sees_admin_links() -> None:
    content = signed_in(factories.admin_user()).get(reverse("segments:dashboard")).content
    for admin_link in (b"nav-imports", b"nav-schedules", b"nav-exports"):
        assert admin_link in content


def test_run_detail_marketing_sees_no_delete_button(ids) -> None:
    url = reverse("segments:run-detail", args=[ids["run_id"]])
    assert b'id="delete-run"' not in signed_in(factories.marketing_user()).get(url).content
    assert b'id="delete-run"' in signed_in(factories.admin_user()).get(url).content


@pytest.mark.parametrize(
    "model",
    [
        "segmentationrun",
        "segment",
        "assignment",
        "dataimport",
        "exportrecord",
        "customer",
        "auditevent",
    ],
)
def test_django_admin_superuser_sees_models(ids, model: str) -> None:
    superuser = factories.UserFactory(is_staff=True, is_superuser=True)
    response = signed_in(superuser).get(reverse(f"admin:segments_{model}_changelist"))
    assert response.status_code == 200


def test_django_admin_audit_events_are_read_only(ids) -> None:
    superuser = factories.UserFactory(is_staff=True, is_superuser=True)
    content = signed_in(superuser).get(reverse("admin:segments_auditevent_changelist")).content
    assert reverse("admin:segments_auditevent_add").encode() not in content


def test_django_admin_marketing_user_is_sent_to_admin_login(ids) -> None:
    response = signed_in(factories.marketing_user()).get(reverse("admin:index"))
    assert response.status_code == 302


def test_admin_order_lines_read_only_for_a_superuser(client: Client) -> None:
    client.force_login(factories.admin_user(is_superuser=True, is_staff=True))
    assert client.get(reverse("admin:segments_orderline_changelist")).status_code == 200
    assert client.get(reverse("admin:segments_orderline_add")).status_code == 403
