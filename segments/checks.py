"""segweb's own system checks (run by runserver, migrate and `manage.py check`)."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Tags, Warning, register

LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1", "[::1]"})


def serves_plain_http_beyond_this_machine() -> bool:
    """HTTPS=0 with DEBUG off and a host name other than loopback: cookies and pages travel
    in clear text over a network (make run's web server on 127.0.0.1 does not)."""
    if settings.DEBUG or settings.HTTPS:
        return False
    return not set(settings.ALLOWED_HOSTS) <= LOOPBACK_HOSTS


@register(Tags.security, deploy=True)
def check_https(app_configs, **kwargs) -> list[Warning]:
    if not serves_plain_http_beyond_this_machine():
        return []
    return [
        Warning(
            "HTTPS=0: sign-in cookies and customer data travel unencrypted.",
            hint="Serve segweb over HTTPS (a proxy setting X-Forwarded-Proto) and unset HTTPS.",
            id="segweb.W001",
        )
    ]
