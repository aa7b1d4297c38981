"""Sign-in throttling with django-axes, as segweb configures it (settings: the AXES_* block).

Two pauses, each lasting AXES_COOLOFF_TIME from the failure that started it:
- one username from one address, after AXES_FAILURE_LIMIT failures: someone guessing a
  password from elsewhere cannot lock the account's owner out;
- one address, after SEGWEB_SIGNIN_ADDRESS_FAILURE_LIMIT failures whatever the usernames: an
  address trying many accounts.
A success clears only its own username's failures from its address, so signing in to one's
own account does not reset the count against another's.
"""

from __future__ import annotations

import ipaddress

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_cool_off
from django.conf import settings
from django.db.models import QuerySet, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


class SigninThrottle(AxesDatabaseHandler):
    """Axes' database handler with a separate, higher limit for the address alone.

    Relies on AXES_LOCKOUT_PARAMETERS being [["username", "ip_address"], "ip_address"], in that
    order: axes returns one queryset of attempts per parameter, in the settings' order.
    """

    def get_failures(self, request: HttpRequest, credentials: dict | None = None) -> int:
        pair, address = (_total(q) for q in self.get_user_attempts(request, credentials))
        if address >= settings.SEGWEB_SIGNIN_ADDRESS_FAILURE_LIMIT:
            return max(pair, settings.AXES_FAILURE_LIMIT)
        return pair

    def reset_user_attempts(self, request: HttpRequest, credentials: dict | None = None) -> int:
        pair, _address = self.filter_user_attempts(request, credentials)
        count, _ = pair.delete()
        return count


def _total(attempts: QuerySet) -> int:
    return attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: REMOTE_ADDR, or behind SEGWEB_TRUSTED_PROXIES proxies the address
    the outermost of them saw (each appends the address it saw to X-Forwarded-For, so entries
    further left were written by the client and prove nothing)."""
    remote = request.META.get("REMOTE_ADDR") or None
    proxies = settings.SEGWEB_TRUSTED_PROXIES
    if not proxies:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    candidate = forwarded[-proxies] if len(forwarded) >= proxies else ""
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote


def pause_minutes() -> int:
    pause = get_cool_off()
    return int(pause.total_seconds() // 60) if pause else 0


def throttle_notice() -> dict[str, int]:
    """What the sign-in page says about the pause."""
    return {"failure_limit": settings.AXES_FAILURE_LIMIT, "pause_minutes": pause_minutes()}


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None, credentials: dict | None
) -> HttpResponse:
    """The page a paused sign-in gets: 429, saying for how long, naming no account."""
    status = settings.AXES_HTTP_RESPONSE_CODE
    return render(request, "registration/locked_out.html", throttle_notice(), status=status)
