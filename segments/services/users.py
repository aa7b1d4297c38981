"""User accounts as Admins manage them: one role each, deactivated rather than deleted.

Deleting a user would orphan the audit trail (who wrote a strategy note, who exported a list),
so accounts are only ever switched off. Superusers belong to Django's admin and are left alone.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser, Group
from django.db import transaction
from django.db.models import Case, Exists, OuterRef, QuerySet, Value, When

from segments import roles

ROLES = (roles.MARKETING, roles.ADMIN)


@dataclass(frozen=True)
class UserSpec:
    username: str
    first_name: str
    last_name: str
    email: str
    role: str
    is_active: bool


class UserChangeRefused(Exception):
    """A change this page must not make; `field` names the form field it is about, if any."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def users_with_roles() -> QuerySet:
    """Every user, by username, annotated with `role`: "Admin", "Marketing" or "" for none.

    A user in both groups (possible through Django's admin) shows as Admin, the larger role.
    """

    def in_group(name: str) -> Exists:
        return Exists(Group.objects.filter(name=name, user=OuterRef("pk")))

    return (
        get_user_model()
        .objects.annotate(
            role=Case(
                When(in_group(roles.ADMIN), then=Value(roles.ADMIN)),
                When(in_group(roles.MARKETING), then=Value(roles.MARKETING)),
                default=Value(""),
            )
        )
        .order_by("username")
    )


def role_of(user: AbstractUser) -> str | None:
    names = set(user.groups.filter(name__in=ROLES).values_list("name", flat=True))
    return next((role for role in (roles.ADMIN, roles.MARKETING) if role in names), None)


def set_role(user: AbstractUser, role: str) -> None:
    """Leave the user in exactly one of the role groups; other groups are not touched."""
    if role not in ROLES:
        raise ValueError(f"Unknown role {role!r}")
    user.groups.remove(*Group.objects.filter(name__in=ROLES).exclude(name=role))
    user.groups.add(Group.objects.get(name=role))


def create_user(spec: UserSpec, password: str) -> AbstractUser:
    """Create an account with one role (the form has already validated the password).

    1. Create the user with the hashed password.
    2. Put them in the role's group.
    """
    with transaction.atomic():
        user = get_user_model().objects.create_user(
            username=spec.username,
            email=spec.email,
            password=password,
            first_name=spec.first_name,
            last_name=spec.last_name,
            is_active=spec.is_active,
        )
        set_role(user, spec.role)
    return user


def check_change_allowed(user: AbstractUser, spec: UserSpec, acting_user: AbstractUser) -> None:
    """Refuse edits to superusers, and an admin switching off their own access."""
    if user.is_superuser:
        raise UserChangeRefused("Superusers are managed in Django's admin, not here.")
    if user.pk != acting_user.pk:
        return
    if not spec.is_active:
        raise UserChangeRefused("You cannot deactivate your own account.", "is_active")
    if spec.role != roles.ADMIN and role_of(user) == roles.ADMIN:
        raise UserChangeRefused(
            "You cannot remove your own Admin role; ask another admin to do it.", "role"
        )


def update_user(
    user: AbstractUser,
    spec: UserSpec,
    acting_user: AbstractUser,
    new_password: str | None = None,
) -> AbstractUser:
    """Save an account's details, role and (when given) new password.

    1. Refuse superusers and self-lockout (raises UserChangeRefused, nothing written).
    2. Save the fields and the new password.
    3. Replace the role group.
    """
    check_change_allowed(user, spec, acting_user)
    with transaction.atomic():
        user.username = spec.username
        user.first_name = spec.first_name
        user.last_name = spec.last_name
        user.email = get_user_model().objects.normalize_email(spec.email)
        user.is_active = spec.is_active
        if new_password:
            user.set_password(new_password)
        user.save()
        set_role(user, spec.role)
    return user
