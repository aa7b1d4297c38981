"""User accounts as Admins manage them: one role each, deactivated rather than deleted.

Deleting a user would orphan the audit trail (who wrote a strategy note, who exported a list),
so accounts are only ever switched off. Staff and superusers belong to Django's admin and are
left alone: an Admin who could edit them could give themselves more than the Admin role.
Every change, and every refused one, goes to the audit log (never the password itself).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser, Group
from django.db import transaction
from django.db.models import Case, Exists, OuterRef, QuerySet, Value, When

from segments import roles
from segments.services import audit

ROLES = (roles.MARKETING, roles.ADMIN)
PROTECTED_MESSAGE = "Staff and superuser accounts are managed in Django's admin, not here."
# Account fields whose change is recorded by name only (their values may be contact details).
DETAIL_FIELDS = ("username", "first_name", "last_name", "email")


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


def is_protected(user: AbstractUser) -> bool:
    """Staff and superusers: out of this page's reach, whatever the acting Admin's role."""
    return user.is_staff or user.is_superuser


def role_of(user: AbstractUser) -> str | None:
    names = set(user.groups.filter(name__in=ROLES).values_list("name", flat=True))
    return next((role for role in (roles.ADMIN, roles.MARKETING) if role in names), None)


def set_role(user: AbstractUser, role: str) -> None:
    """Leave the user in exactly one of the role groups; other groups are not touched."""
    if role not in ROLES:
        raise ValueError(f"Unknown role {role!r}")
    user.groups.remove(*Group.objects.filter(name__in=ROLES).exclude(name=role))
    user.groups.add(Group.objects.get(name=role))


def create_user(
    spec: UserSpec, password: str, acting_user: AbstractUser | None = None
) -> AbstractUser:
    """Create an account with one role (the form has already validated the password).

    1. Create the user with the hashed password.
    2. Put them in the role's group.
    3. Record who created it, with which role.
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
        details = {"role": spec.role, "active": spec.is_active}
        audit.record(audit.Action.USER_CREATED, actor=acting_user, obj=user, details=details)
    return user


def record_refusal(user: AbstractUser, acting_user: AbstractUser, reason: str) -> None:
    """Put a refused change on record: a self-lockout, or a (forged) edit of a staff account."""
    refused, details = audit.Outcome.REFUSED, {"reason": reason}
    audit.record(
        audit.Action.USER_UPDATED, actor=acting_user, obj=user, outcome=refused, details=details
    )


def check_change_allowed(user: AbstractUser, spec: UserSpec, acting_user: AbstractUser) -> None:
    """Refuse edits to staff and superusers, and an admin switching off their own access."""
    if is_protected(user):
        raise UserChangeRefused(PROTECTED_MESSAGE)
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

    1. Refuse staff, superusers and self-lockout (raises UserChangeRefused; only the refusal
       is recorded).
    2. Save the fields and the new password.
    3. Replace the role group.
    4. Record each kind of change: details, role, password, activation.
    """
    try:
        check_change_allowed(user, spec, acting_user)
    except UserChangeRefused as refused:
        record_refusal(user, acting_user, str(refused))
        raise
    before = {name: getattr(user, name) for name in (*DETAIL_FIELDS, "is_active")}
    before["role"] = role_of(user)
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
        record_changes(user, before, acting_user, password_reset=bool(new_password))
    return user


def record_changes(
    user: AbstractUser, before: dict, acting_user: AbstractUser, password_reset: bool
) -> None:
    """One event per kind of change between `before` and the saved user."""
    events: list[tuple[str, dict]] = []
    changed = [name for name in DETAIL_FIELDS if getattr(user, name) != before[name]]
    if changed:
        events.append((audit.Action.USER_UPDATED, {"fields": changed}))
    role = role_of(user)
    if role != before["role"]:
        events.append((audit.Action.ROLE_CHANGED, {"from": before["role"] or "", "to": role}))
    if password_reset:
        events.append((audit.Action.PASSWORD_RESET, {"own": user.pk == acting_user.pk}))
    if user.is_active != before["is_active"]:
        active = audit.Action.USER_REACTIVATED if user.is_active else audit.Action.USER_DEACTIVATED
        events.append((active, {}))
    for action, details in events:
        audit.record(action, actor=acting_user, obj=user, details=details)
