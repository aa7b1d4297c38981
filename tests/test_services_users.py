from __future__ import annotations

import dataclasses

import pytest
from django.contrib.auth.models import Group

from segments import roles
from segments.models import AuditEvent
from segments.services.users import (
    UserChangeRefused,
    UserSpec,
    create_user,
    role_of,
    update_user,
    users_with_roles,
)
from tests import factories

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "violet-lantern-orbit-93"


def spec_for(user: object, **changes: object) -> UserSpec:
    fields = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "role": role_of(user) or roles.MARKETING,
        "is_active": user.is_active,
    }
    return UserSpec(**{**fields, **changes})


def group_names(user: object) -> set[str]:
    return set(user.groups.values_list("name", flat=True))


def test_create_user_saves_details_password_and_one_role() -> None:
    spec = UserSpec("ada", "Ada", "Lovelace", "ada@EXAMPLE.com", roles.MARKETING, True)
    user = create_user(spec, NEW_PASSWORD)
    user.refresh_from_db()
    assert (user.get_full_name(), user.email, user.is_active) == (
        "Ada Lovelace",
        "ada@example.com",
        True,
    )
    assert user.check_password(NEW_PASSWORD)
    assert group_names(user) == {roles.MARKETING}


def test_create_user_unknown_role_writes_nothing() -> None:
    spec = UserSpec("ada", "", "", "", "Owner", True)
    with pytest.raises(ValueError, match="Unknown role"):
        create_user(spec, NEW_PASSWORD)
    assert not users_with_roles().filter(username="ada").exists()


def test_update_user_switches_role_to_admin_only() -> None:
    user, admin = factories.marketing_user(), factories.admin_user()
    update_user(user, spec_for(user, role=roles.ADMIN), admin)
    assert group_names(user) == {roles.ADMIN}
    assert user.has_perm(roles.MANAGE_USERS)


def test_update_user_keeps_groups_that_are_not_roles() -> None:
    user, admin = factories.marketing_user(), factories.admin_user()
    user.groups.add(Group.objects.create(name="Newsletter"))
    update_user(user, spec_for(user, role=roles.ADMIN), admin)
    assert group_names(user) == {roles.ADMIN, "Newsletter"}


def test_update_user_without_password_keeps_old_one() -> None:
    user, admin = factories.marketing_user(), factories.admin_user()
    update_user(user, spec_for(user, first_name="Grace", email="g@example.com"), admin)
    user.refresh_from_db()
    assert (user.first_name, user.email) == ("Grace", "g@example.com")
    assert user.check_password(factories.PASSWORD)


def test_update_user_with_password_sets_it() -> None:
    user, admin = factories.marketing_user(), factories.admin_user()
    update_user(user, spec_for(user), admin, new_password=NEW_PASSWORD)
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)


def test_update_user_admin_deactivates_another_admin() -> None:
    other, admin = factories.admin_user(), factories.admin_user()
    update_user(other, spec_for(other, is_active=False, role=roles.MARKETING), admin)
    other.refresh_from_db()
    assert other.is_active is False
    assert group_names(other) == {roles.MARKETING}


@pytest.mark.parametrize(
    ("changes", "field"),
    [({"is_active": False}, "is_active"), ({"role": roles.MARKETING}, "role")],
)
def test_update_user_self_lockout_is_refused(changes: dict, field: str) -> None:
    admin = factories.admin_user()
    with pytest.raises(UserChangeRefused) as refused:
        update_user(admin, spec_for(admin, first_name="Changed", **changes), admin)
    assert refused.value.field == field
    admin.refresh_from_db()
    assert (admin.first_name, admin.is_active) == ("", True)
    assert group_names(admin) == {roles.ADMIN}


def test_update_user_self_edit_keeping_access_is_allowed() -> None:
    admin = factories.admin_user()
    update_user(admin, spec_for(admin, first_name="Me"), admin)
    admin.refresh_from_db()
    assert admin.first_name == "Me"


@pytest.mark.parametrize(
    "flags",
    [
        {"is_superuser": True, "is_staff": True},
        {"is_staff": True},
        {"is_superuser": True},
    ],
)
def test_update_user_staff_or_superuser_is_refused_and_recorded(flags: dict) -> None:
    protected = factories.admin_user(username="root", **flags)
    admin = factories.admin_user(username="ada")
    changed = dataclasses.replace(spec_for(protected), is_active=False)
    with pytest.raises(UserChangeRefused, match="Django's admin"):
        update_user(protected, changed, admin, new_password=NEW_PASSWORD)
    protected.refresh_from_db()
    assert protected.is_active is True
    assert protected.check_password(factories.PASSWORD)
    event = AuditEvent.objects.get()
    assert (event.action, event.outcome, event.actor_name, event.object_repr) == (
        "user_updated",
        "refused",
        "ada",
        "root",
    )


# The audit trail


def events() -> list[tuple[str, dict]]:
    return [(e.action, e.details) for e in AuditEvent.objects.order_by("id")]


def test_create_user_records_creator_and_role() -> None:
    admin = factories.admin_user(username="ada")
    spec = UserSpec("mark", "Mark", "Eting", "mark@example.com", roles.MARKETING, True)
    user = create_user(spec, NEW_PASSWORD, admin)
    event = AuditEvent.objects.get()
    assert (event.action, event.actor, event.object_id) == ("user_created", admin, str(user.pk))
    assert event.details == {"role": roles.MARKETING, "active": True}


@pytest.mark.parametrize(
    ("changes", "password", "expected"),
    [
        ({"first_name": "Marcus"}, None, [("user_updated", {"fields": ["first_name"]})]),
        (
            {"username": "marcus", "email": "m@example.com"},
            None,
            [("user_updated", {"fields": ["username", "email"]})],
        ),
        ({"role": roles.ADMIN}, None, [("role_changed", {"from": "Marketing", "to": "Admin"})]),
        ({}, NEW_PASSWORD, [("password_reset", {"own": False})]),
        ({"is_active": False}, None, [("user_deactivated", {})]),
        (
            {"is_active": False, "role": roles.ADMIN},
            NEW_PASSWORD,
            [
                ("role_changed", {"from": "Marketing", "to": "Admin"}),
                ("password_reset", {"own": False}),
                ("user_deactivated", {}),
            ],
        ),
        ({}, None, []),
    ],
)
def test_update_user_records_each_kind_of_change(changes, password, expected) -> None:
    user, admin = factories.marketing_user(username="mark"), factories.admin_user()
    update_user(user, spec_for(user, **changes), admin, new_password=password)
    assert events() == expected


def test_update_user_reactivation_is_recorded() -> None:
    user, admin = factories.marketing_user(is_active=False), factories.admin_user()
    update_user(user, spec_for(user, is_active=True), admin)
    assert events() == [("user_reactivated", {})]


def test_update_user_records_no_password_or_contact_details() -> None:
    user, admin = factories.marketing_user(username="mark"), factories.admin_user()
    changes = {"email": "new.address@example.com", "first_name": "Marcus"}
    update_user(user, spec_for(user, **changes), admin, new_password=NEW_PASSWORD)
    stored = repr(list(AuditEvent.objects.values()))
    assert "new.address" not in stored
    assert "Marcus" not in stored
    assert NEW_PASSWORD not in stored


def test_update_user_self_lockout_refusal_is_recorded() -> None:
    admin = factories.admin_user()
    with pytest.raises(UserChangeRefused):
        update_user(admin, spec_for(admin, is_active=False), admin)
    event = AuditEvent.objects.get()
    assert (event.outcome, event.details) == (
        "refused",
        {"reason": "You cannot deactivate your own account."},
    )


def test_users_with_roles_names_each_users_role() -> None:
    both = factories.admin_user(username="both")
    both.groups.add(Group.objects.get(name=roles.MARKETING))
    factories.marketing_user(username="mark")
    factories.UserFactory(username="nobody")
    factories.admin_user(username="adam")
    found = list(users_with_roles().values_list("username", "role"))
    assert found == [
        ("adam", roles.ADMIN),
        ("both", roles.ADMIN),
        ("mark", roles.MARKETING),
        ("nobody", ""),
    ]


def test_role_of_user_without_role_is_none() -> None:
    assert role_of(factories.UserFactory()) is None
    assert role_of(factories.marketing_user()) == roles.MARKETING
