"""segweb's own system checks (run by runserver, migrate and `manage.py check`)."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def check_https(app_configs, **kwargs) -> list[Warning]:
    """HTTPS=0 with DEBUG off: cookies and pages travel in clear text."""
    if settings.DEBUG or settings.HTTPS:
        return []
    return [
        Warning(
            "HTTPS=0: sign-in cookies and customer data travel unencrypted.",
            hint="Serve segweb over HTTPS (a proxy setting X-Forwarded-Proto) and unset HTTPS.",
            id="segweb.W001",
        )
    ]
