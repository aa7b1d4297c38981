from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.template import Context, Template

from segments.templatetags.segweb_format import (
    crontab_text,
    describe_crontab,
    describe_days,
    duration,
    money,
    percent,
)


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


@pytest.mark.parametrize(
    ("minute", "hour", "day_of_week", "expected"),
    [
        ("0", "3", "1", "Mondays at 03:00"),
        ("30", "1", "*", "Every day at 01:30"),
        ("5", "22", "1-5", "Monday to Friday at 22:05"),
        ("0", "4", "sat,sun", "Saturdays and Sundays at 04:00"),
        ("0", "4", "1,3,5", "Mondays, Wednesdays and Fridays at 04:00"),
        ("0", "4", "7", "Sundays at 04:00"),
    ],
)
def test_describe_crontab_weekly_in_words(minute, hour, day_of_week, expected: str) -> None:
    assert describe_crontab(minute, hour, day_of_week) == expected


@pytest.mark.parametrize(
    ("minute", "hour", "day_of_week", "expected"),
    [
        ("*/15", "*", "*", "Every 15 minutes"),
        ("0", "3,15", "1", "At 03:00 and 15:00, only on Monday"),
        ("0", "4", "*/2", "At 04:00, every 2 days of the week"),
    ],
)
def test_describe_crontab_unusual_falls_back_to_cron_descriptor(
    minute, hour, day_of_week, expected: str
) -> None:
    assert describe_crontab(minute, hour, day_of_week) == expected


@pytest.mark.parametrize("day_of_week", ["8", "funday", "1-2-3"])
def test_describe_days_unknown_day_is_none(day_of_week: str) -> None:
    assert describe_days(day_of_week) is None


def test_crontab_text_adds_time_zone() -> None:
    crontab = SimpleNamespace(minute="0", hour="3", day_of_week="1", timezone="Europe/Paris")
    assert crontab_text(crontab) == "Mondays at 03:00 Europe/Paris"
    assert crontab_text(None) == ""


@pytest.mark.parametrize(
    ("value", "currency", "shown"),
    [
        (1234.5, "EUR", "€1,234.50"),
        ("98765.432", "GBP", "£98,765.43"),
        (0, "USD", "US$0.00"),
        (-12.5, "EUR", "-€12.50"),
        (None, "EUR", ""),
    ],
)
def test_money_currency_symbol_and_thousands_separators(value, currency, shown) -> None:
    assert money(value, currency) == shown


def test_dates_one_format_everywhere() -> None:
    moment = dt.datetime(2026, 11, 27, 14, 5, tzinfo=dt.UTC)
    rendered = Template('{{ day|date }} · {{ moment|date:"DATETIME_FORMAT" }}').render(
        Context({"day": moment.date(), "moment": moment})
    )
    assert rendered == "27 Nov 2026 · 27 Nov 2026 14:05"


def test_counts_show_as_whole_numbers() -> None:
    rendered = Template('{{ a|floatformat:"-1g" }} {{ b|floatformat:"-1g" }}').render(
        Context({"a": 6.0, "b": 12345.25})
    )
    assert rendered == "6 12,345.3"
