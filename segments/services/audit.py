"""The audit log: who did what to which object, when, and how it ended.

Services call record() inside the transaction of the change they describe, so a change that
rolls back leaves no event and an event never describes a change that did not happen. Events
are append-only (segments.models.AuditEvent). Details hold ids, names, numbers and flags only:
never passwords, secrets or customers' or users' contact details; record() refuses such keys.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import models

from segments.models import AuditEvent

Action = AuditEvent.Action
Outcome = AuditEvent.Outcome

# What the log calls each kind of object (model name -> object_type), for the filters too.
OBJECT_TYPES = {
    "user": "user",
    "segmentationrun": "run",
    "segment": "segment",
    "dataimport": "import",
    "exportrecord": "export",
    "periodictask": "schedule",
}
FORBIDDEN_DETAIL_KEYS = frozenset(
    {"password", "password1", "password2", "secret", "token", "email", "phone", "first_name",
     "last_name"}
)  # fmt: skip

Actor = AbstractBaseUser | AnonymousUser | None


def record(
    action: str,
    *,
    actor: Actor = None,
    obj: models.Model | None = None,
    outcome: str = Outcome.OK,
    details: dict[str, Any] | None = None,
    object_type: str | None = None,
    object_repr: str | None = None,
    actor_name: str | None = None,
    ip_address: str | None = None,
) -> AuditEvent:
    """Append one event; `obj` gives its object's type, id and (unless given) description.

    Without `obj`, `object_type` and `object_repr` describe what was aimed at (a failed
    sign-in's username); `actor_name` then names who acted when no signed-in user did.
    """
    details = _clean(details or {})
    _check_details(details)
    signed_in = actor if actor is not None and actor.is_authenticated else None
    name = actor_name if actor_name is not None else (signed_in.get_username() if signed_in else "")
    if obj is not None and object_repr is None:
        object_repr = str(obj)
    return AuditEvent.objects.create(
        actor=signed_in,
        actor_name=_clean(name)[:150],
        action=action,
        outcome=outcome,
        object_type=object_type_of(obj) if obj is not None else (object_type or ""),
        object_id=str(obj.pk) if obj is not None and obj.pk is not None else "",
        object_repr=_clean(object_repr or "")[:200],
        details=details,
        ip_address=ip_address or None,
    )


def object_type_of(obj: models.Model) -> str:
    name = obj._meta.model_name
    return OBJECT_TYPES.get(name, name)


def _check_details(details: dict[str, Any]) -> None:
    found = FORBIDDEN_DETAIL_KEYS.intersection(details)
    if found:
        raise ValueError(f"Audit details must not hold {sorted(found)}.")


def _clean(value: Any) -> Any:
    """PostgreSQL text and jsonb refuse NUL characters; an attacker's input may hold them."""
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, dict):
        return {str(key): _clean(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(item) for item in value]
    return value
