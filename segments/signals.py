"""Sign-ins and sign-outs into the audit log, from Django's auth signals (SegmentsConfig.ready).

A failed sign-in records the username as typed, never the password; a paused one (django-axes)
is recorded as refused.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.http import HttpRequest

from segments import signin
from segments.services import audit


def record_sign_in(sender: type, request: HttpRequest | None, user: AbstractBaseUser, **_) -> None:
    audit.record(audit.Action.SIGN_IN, actor=user, obj=user, ip_address=_address(request))


def record_sign_out(
    sender: type, request: HttpRequest | None, user: AbstractBaseUser | None, **_
) -> None:
    if user is not None:
        audit.record(audit.Action.SIGN_OUT, actor=user, obj=user, ip_address=_address(request))


def record_sign_in_failed(
    sender: str, credentials: dict, request: HttpRequest | None = None, **_
) -> None:
    username = str(credentials.get("username") or "")[:150]
    paused = bool(getattr(request, "axes_locked_out", False))
    audit.record(
        audit.Action.SIGN_IN_FAILED,
        actor_name=username,
        outcome=audit.Outcome.REFUSED if paused else audit.Outcome.FAILED,
        object_type="user",
        object_repr=username,
        details={"paused": paused},
        ip_address=_address(request),
    )


def _address(request: HttpRequest | None) -> str | None:
    return signin.client_ip(request) if request is not None else None
