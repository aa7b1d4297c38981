from __future__ import annotations

from django.apps import AppConfig


class SegmentsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "segments"
    verbose_name = "Customer segments"

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from segweb.database import refuse_unsupported_server

        connection_created.connect(refuse_unsupported_server, dispatch_uid="segweb-pg-version")
