from __future__ import annotations

from segweb.celery import app as celery_app

__all__ = ("celery_app",)
