from __future__ import annotations

import logging

from django.apps import AppConfig

logger = logging.getLogger("segweb")


class SegmentsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "segments"
    verbose_name = "Customer segments"

    def ready(self) -> None:
        from django.contrib.auth import signals as auth_signals
        from django.db.backends.signals import connection_created

        from segments import checks, signals  # checks registers itself on import
        from segweb.database import refuse_unsupported_server

        connection_created.connect(refuse_unsupported_server, dispatch_uid="segweb-pg-version")
        auth_signals.user_logged_in.connect(signals.record_sign_in, dispatch_uid="audit-sign-in")
        auth_signals.user_logged_out.connect(signals.record_sign_out, dispatch_uid="audit-sign-out")
        auth_signals.user_login_failed.connect(
            signals.record_sign_in_failed, dispatch_uid="audit-sign-in-failed"
        )
        if checks.serves_plain_http_beyond_this_machine():
            logger.warning("HTTPS=0: sign-in cookies and customer data travel unencrypted.")
