"""Logging filters: the console says what needs attention, once."""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied


class ShortRefusals(logging.Filter):
    """A 403 the app meant (PermissionDenied) is one line: its traceback tells nothing new."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and isinstance(record.exc_info[1], PermissionDenied):
            record.exc_info = None
            record.exc_text = None
        return True
