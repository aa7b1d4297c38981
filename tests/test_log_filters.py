from __future__ import annotations

import logging
import sys

import pytest
from django.core.exceptions import PermissionDenied

from segweb.log_filters import ShortRefusals


def record_of(error: Exception) -> logging.LogRecord:
    try:
        raise error
    except Exception:
        exc_info = sys.exc_info()
    return logging.LogRecord("django.request", logging.WARNING, __file__, 1, "msg", (), exc_info)


@pytest.mark.parametrize(
    ("error", "traceback_kept"), [(PermissionDenied(), False), (ValueError("boom"), True)]
)
def test_short_refusals_only_an_expected_403_loses_its_traceback(error, traceback_kept) -> None:
    record = record_of(error)
    assert ShortRefusals().filter(record)
    assert (record.exc_info is not None) == traceback_kept


def test_broker_url_without_redis_names_a_host_so_kombu_does_not_warn(caplog) -> None:
    from kombu import Connection

    caplog.set_level(logging.WARNING, logger="kombu.connection")
    Connection("filesystem://localhost/").info()
    assert "No hostname was supplied" not in caplog.text
