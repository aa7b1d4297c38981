from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from segments import roles
from segments.models import AuditEvent
from segments.services.users import role_of
from tests import factories
from tests.signin_support import sign_in_request

pytestmark = pytest.mark.django_db
LIST_URL = reverse("segments:user-list")
CREATE_URL = reverse("segments:user-create")
NEW_PASSWORD = "violet-lantern-orbit-93"


def edit_url(user: object) -> str:
    return reverse("segments:user-edit", args=[user.pk])


def signed_in(user: object, **client_options: object) -> Client:
    client = Client(**client_options)
    client.force_login(user)
    return client


def new_user_data(**changes: str) -> dict[str, str]:
    data = {
        "username": "ada",
        "first_name": "Ada",
        "last_name": "Lovelace",
        "email": "ada@example.com",
        "role": roles.MARKETING,
        "is_active": "on",
        "password1": NEW_PASSWORD,
        "password2": NEW_PASSWORD,
    }
    return {**data, **changes}


def edit_data(user: object, **changes: str) -> dict[str, str]:
    data = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "role": role_of(user) or "",
        "is_active": "on" if user.is_active else "",
    }
    return {key: value for key, value in {**data, **changes}.items() if value != ""}


@pytest.fixture
def admin_user() -> object:
    return factories.admin_user()


@pytest.fixture
def admin(admin_user) -> Client:
    return signed_in(admin_user)


@pytest.fixture
def member() -> object:
    return factories.marketing_user(username="mark")


def page_urls(member: object) -> list[str]:
    return [LIST_URL, CREATE_URL, edit_url(member)]


# Who may see and do what


def test_user_pages_anonymous_redirects_to_login(client: Client, member) -> None:
    for url in page_urls(member):
        for response in (client.get(url), client.post(url, new_user_data())):
            assert response.status_code == 302
            assert response["Location"].startswith(reverse("login"))
    assert not get_user_model().objects.filter(username="ada").exists()


@pytest.mark.parametrize("make_user", [factories.marketing_user, factories.UserFactory])
def test_user_pages_without_admin_role_get_403(member, make_user) -> None:
    client = signed_in(make_user())
    for url in page_urls(member):
        assert client.get(url).status_code == 403
    assert client.post(CREATE_URL, new_user_data()).status_code == 403
    assert client.post(edit_url(member), edit_data(member, role=roles.ADMIN)).status_code == 403
    assert not get_user_model().objects.filter(username="ada").exists()
    assert role_of(member) == roles.MARKETING


def test_user_pages_admin_gets_200(admin: Client, member) -> None:
    for url in page_urls(member):
        assert admin.get(url).status_code == 200


def test_user_list_get_only(admin: Client) -> None:
    assert admin.post(LIST_URL).status_code == 405


def test_nav_users_link_for_admin_only(admin: Client) -> None:
    dashboard = reverse("segments:dashboard")
    assert b'data-testid="nav-users"' in admin.get(dashboard).content
    marketing = signed_in(factories.marketing_user())
    assert b'data-testid="nav-users"' not in marketing.get(dashboard).content


@pytest.mark.parametrize("target", ["create", "edit"])
def test_user_post_without_csrf_token_is_refused(admin_user, member, target: str) -> None:
    client = signed_in(admin_user, enforce_csrf_checks=True)
    url = CREATE_URL if target == "create" else edit_url(member)
    data = new_user_data() if target == "create" else edit_data(member, role=roles.ADMIN)
    response = client.post(url, data)
    assert response.status_code == 403
    assert b"CSRF" in response.content
    assert not get_user_model().objects.filter(username="ada").exists()
    assert role_of(member) == roles.MARKETING


def test_user_create_with_csrf_token_is_accepted(admin_user) -> None:
    client = signed_in(admin_user, enforce_csrf_checks=True)
    token = client.get(CREATE_URL).context["csrf_token"]
    response = client.post(CREATE_URL, {**new_user_data(), "csrfmiddlewaretoken": str(token)})
    assert response["Location"] == LIST_URL
    assert get_user_model().objects.filter(username="ada").exists()


# The list


def test_user_list_shows_details_roles_and_state(admin: Client) -> None:
    factories.marketing_user(username="mark", first_name="Mark", last_name="Eting")
    factories.UserFactory(username="gone", is_active=False)
    content = admin.get(LIST_URL).content.decode()
    assert "Mark Eting" in content
    assert "mark@example.com" in content
    assert f'data-testid="user-role">{roles.MARKETING}<' in content
    assert 'data-testid="user-role">none<' in content
    assert "deactivated" in content
    assert 'data-testid="new-user"' in content


def test_user_list_superuser_shown_without_edit_link(admin: Client) -> None:
    superuser = factories.UserFactory(username="root", is_superuser=True, is_staff=True)
    content = admin.get(LIST_URL).content.decode()
    assert "root" in content
    assert edit_url(superuser) not in content
    assert "managed in Django admin" in content


# Create


def test_user_create_saves_user_with_role(admin: Client) -> None:
    response = admin.post(CREATE_URL, new_user_data(role=roles.ADMIN))
    assert response["Location"] == LIST_URL
    user = get_user_model().objects.get(username="ada")
    assert (user.get_full_name(), user.is_active) == ("Ada Lovelace", True)
    assert role_of(user) == roles.ADMIN


@pytest.mark.parametrize("weak", ["password", "12345678", "ada-lovelace", "short"])
def test_user_create_weak_password_is_refused(admin: Client, weak: str) -> None:
    response = admin.post(CREATE_URL, new_user_data(password1=weak, password2=weak))
    assert response.status_code == 200
    assert b"errorlist" in response.content
    assert not get_user_model().objects.filter(username="ada").exists()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"password2": "something-else-entirely"}, b"do not match"),
        ({"password1": "", "password2": ""}, b"This field is required"),
        ({"role": ""}, b"This field is required"),
        ({"username": "has space"}, b"Letters, digits"),
    ],
)
def test_user_create_invalid_input_is_refused(admin: Client, changes: dict, message) -> None:
    response = admin.post(CREATE_URL, new_user_data(**changes))
    assert response.status_code == 200
    assert message in response.content
    assert not get_user_model().objects.filter(first_name="Ada").exists()


def test_user_create_duplicate_username_ignores_case(admin: Client, member) -> None:
    response = admin.post(CREATE_URL, new_user_data(username="MARK"))
    assert b"already exists" in response.content
    assert get_user_model().objects.filter(username__iexact="mark").count() == 1


@pytest.mark.parametrize(("role", "imports_status"), [(roles.MARKETING, 403), (roles.ADMIN, 200)])
def test_user_create_new_user_signs_in_with_roles_access(
    admin: Client, role: str, imports_status: int
) -> None:
    admin.post(CREATE_URL, new_user_data(role=role))
    client = Client()
    assert client.login(request=sign_in_request(), username="ada", password=NEW_PASSWORD)
    assert client.get(reverse("segments:dashboard")).status_code == 200
    assert client.get(reverse("segments:import-list")).status_code == imports_status
    assert client.get(LIST_URL).status_code == imports_status


# Edit


def test_user_edit_form_shows_current_values(admin: Client, member) -> None:
    content = admin.get(edit_url(member)).content.decode()
    assert 'value="mark"' in content
    assert f'<option value="{roles.MARKETING}" selected>' in content
    assert "Set a new password" in content


def test_user_edit_switches_role(admin: Client, member) -> None:
    response = admin.post(edit_url(member), edit_data(member, role=roles.ADMIN))
    assert response["Location"] == LIST_URL
    assert role_of(member) == roles.ADMIN
    assert signed_in(member).get(reverse("segments:import-list")).status_code == 200


def test_user_edit_blank_password_keeps_old_one(admin: Client, member) -> None:
    admin.post(edit_url(member), edit_data(member, first_name="Marcus"))
    member.refresh_from_db()
    assert member.first_name == "Marcus"
    assert member.check_password(factories.PASSWORD)


def test_user_edit_sets_new_password(admin: Client, member) -> None:
    data = edit_data(member, password1=NEW_PASSWORD, password2=NEW_PASSWORD)
    admin.post(edit_url(member), data)
    assert Client().login(request=sign_in_request(), username="mark", password=NEW_PASSWORD)


def test_user_edit_weak_new_password_is_refused(admin: Client, member) -> None:
    response = admin.post(edit_url(member), edit_data(member, password1="mark", password2="mark"))
    assert response.status_code == 200
    member.refresh_from_db()
    assert member.check_password(factories.PASSWORD)


def test_user_edit_deactivated_user_cannot_sign_in(admin: Client, member) -> None:
    admin.post(edit_url(member), edit_data(member, is_active=""))
    member.refresh_from_db()
    assert member.is_active is False
    assert not Client().login(
        request=sign_in_request(), username="mark", password=factories.PASSWORD
    )


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"is_active": ""}, "cannot deactivate your own account"),
        ({"role": roles.MARKETING}, "cannot remove your own Admin role"),
    ],
)
def test_user_edit_self_lockout_is_refused(admin: Client, admin_user, changes, message) -> None:
    response = admin.post(edit_url(admin_user), edit_data(admin_user, **changes))
    assert response.status_code == 200
    assert message in response.content.decode()
    admin_user.refresh_from_db()
    assert admin_user.is_active is True
    assert role_of(admin_user) == roles.ADMIN


def test_user_edit_own_password_keeps_admin_signed_in(admin: Client, admin_user) -> None:
    data = edit_data(admin_user, password1=NEW_PASSWORD, password2=NEW_PASSWORD)
    admin.post(edit_url(admin_user), data)
    assert admin.get(LIST_URL).status_code == 200


def test_user_edit_superuser_is_not_editable(admin: Client) -> None:
    superuser = factories.UserFactory(username="root", is_superuser=True, is_staff=True)
    page = admin.get(edit_url(superuser))
    assert page.status_code == 403
    assert b"managed in" in page.content
    assert b'id="user-form"' not in page.content
    response = admin.post(edit_url(superuser), edit_data(superuser, is_active=""))
    assert response.status_code == 403
    superuser.refresh_from_db()
    assert superuser.is_active is True


def test_user_edit_superuser_page_links_superusers_to_django_admin() -> None:
    superuser = factories.UserFactory(username="root", is_superuser=True, is_staff=True)
    page = signed_in(superuser).get(edit_url(superuser))
    assert reverse("admin:auth_user_change", args=[superuser.pk]).encode() in page.content


def test_user_edit_unknown_user_is_404(admin: Client) -> None:
    assert admin.get(reverse("segments:user-edit", args=[999_999])).status_code == 404


# Staff and superusers are out of the Users page's reach


@pytest.mark.parametrize(
    "flags",
    [{"is_staff": True}, {"is_superuser": True}, {"is_staff": True, "is_superuser": True}],
)
def test_user_edit_staff_or_superuser_target_is_403_and_post_recorded(admin: Client, flags) -> None:
    target = factories.admin_user(username="root", **flags)
    page = admin.get(edit_url(target))
    assert page.status_code == 403
    assert b"managed in" in page.content
    data = edit_data(target, password1=NEW_PASSWORD, password2=NEW_PASSWORD, is_active="")
    assert admin.post(edit_url(target), data).status_code == 403
    target.refresh_from_db()
    assert target.is_active is True
    assert target.check_password(factories.PASSWORD)
    refused = AuditEvent.objects.get(action=AuditEvent.Action.USER_UPDATED)
    assert (refused.outcome, refused.object_repr) == ("refused", "root")


def test_user_list_staff_shown_without_edit_link(admin: Client) -> None:
    staff = factories.admin_user(username="ops", is_staff=True)
    content = admin.get(LIST_URL).content.decode()
    assert edit_url(staff) not in content
    assert "staff: managed in Django admin" in content


def test_admin_role_holds_no_django_user_permissions() -> None:
    admin = factories.admin_user()
    assert admin.has_perm(roles.MANAGE_USERS)
    for codename in ("view_user", "add_user", "change_user", "delete_user"):
        assert not admin.has_perm(f"auth.{codename}")


def test_django_admin_staff_admin_cannot_edit_users(admin_user) -> None:
    admin_user.is_staff = True
    admin_user.save()
    client = signed_in(admin_user)
    assert client.get(reverse("admin:auth_user_change", args=[admin_user.pk])).status_code == 403
    data = {"username": admin_user.username, "is_superuser": "on", "is_staff": "on"}
    client.post(reverse("admin:auth_user_change", args=[admin_user.pk]), data)
    admin_user.refresh_from_db()
    assert admin_user.is_superuser is False


# Usernames: ASCII letters only, so no look-alike from another script


@pytest.mark.parametrize(
    "username",
    [
        "\u0430dmin",  # Cyrillic a, then Latin
        "\u0430\u0434\u043c\u0438\u043d",  # all Cyrillic
        "jos\u00e9",  # accented Latin
        "\uff41dmin",  # full-width a
        "adm\u0131n",  # dotless i
    ],
)
def test_user_create_username_outside_ascii_is_refused(admin: Client, username: str) -> None:
    response = admin.post(CREATE_URL, new_user_data(username=username))
    assert response.status_code == 200
    assert b"errorlist" in response.content
    assert not get_user_model().objects.filter(first_name="Ada").exists()


@pytest.mark.parametrize("username", ["ada", "Ada.Lovelace", "ada+ops@example.com", "a_d-a1"])
def test_user_create_ascii_username_is_accepted(admin: Client, username: str) -> None:
    response = admin.post(CREATE_URL, new_user_data(username=username))
    assert response.status_code == 302
    assert get_user_model().objects.filter(username=username).exists()


def test_user_create_is_recorded_with_actor(admin: Client, admin_user) -> None:
    admin.post(CREATE_URL, new_user_data())
    event = AuditEvent.objects.get(action=AuditEvent.Action.USER_CREATED)
    assert (event.actor, event.object_repr) == (admin_user, "ada")
