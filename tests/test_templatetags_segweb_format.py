from __future__ import annotations

import pytest

from segments.templatetags.segweb_format import duration, percent


@pytest.mark.parametrize(
    ("value", "expected"), [(0.1234, "12.3%"), (1, "100.0%"), (0, "0.0%"), (None, ""), ("", "")]
)
def test_percent_formats_fractions(value, expected: str) -> None:
    assert percent(value) == expected


@pytest.mark.parametrize(
    ("seconds", "expected"), [(3.21, "3.2 s"), (125, "2 min 5 s"), (60, "1 min 0 s"), (None, "")]
)
def test_duration_formats_seconds(seconds, expected: str) -> None:
    assert duration(seconds) == expected
