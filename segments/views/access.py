"""The one access rule of every page: signed in, and holding the permission."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404


def role_required(permission: str | Sequence[str]) -> Callable:
    """Anonymous visitors go to the login page; signed-in users without the permission get 403."""

    def decorator(view: Callable) -> Callable:
        return login_required(permission_required(permission, raise_exception=True)(view))

    return decorator


def found[T](obj: T | None) -> T:
    if obj is None:
        raise Http404("Not found")
    return obj
