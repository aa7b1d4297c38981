from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from segments.cron import CronSpec, latest_fire_time

WEEKLY = CronSpec(minute="0", hour="3", day_of_week="1")  # Mondays 03:00 UTC
LONDON = ZoneInfo("Europe/London")


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


@pytest.mark.parametrize(
    ("spec", "now", "expected"),
    [
        # Monday 30 November 2026, 03:00 UTC: on time, late, very late, a week on.
        (WEEKLY, utc(2026, 11, 30, 3, 0, 0), utc(2026, 11, 30, 3, 0)),
        (WEEKLY, utc(2026, 11, 30, 3, 1, 30), utc(2026, 11, 30, 3, 0)),
        (WEEKLY, utc(2026, 11, 30, 5, 59), utc(2026, 11, 30, 3, 0)),
        (WEEKLY, utc(2026, 12, 6, 23, 59), utc(2026, 11, 30, 3, 0)),
        # Before this week's time: last week's.
        (WEEKLY, utc(2026, 11, 30, 2, 59), utc(2026, 11, 23, 3, 0)),
        # A clock a few seconds behind beat's still names this slot, not last week's.
        (WEEKLY, utc(2026, 11, 30, 2, 59, 55), utc(2026, 11, 30, 3, 0)),
        # Day names, ranges and steps, as celery reads them (Sunday = 0).
        (CronSpec("0", "3", "mon"), utc(2026, 12, 1, 0, 0), utc(2026, 11, 30, 3, 0)),
        (CronSpec("30", "22", "1-5"), utc(2026, 11, 29, 12, 0), utc(2026, 11, 27, 22, 30)),
        (CronSpec("0", "9", "0"), utc(2026, 11, 30, 12, 0), utc(2026, 11, 29, 9, 0)),
        (CronSpec("*/15", "*"), utc(2026, 11, 30, 2, 59), utc(2026, 11, 30, 2, 45)),
        (CronSpec("0", "0", day_of_month="1"), utc(2026, 11, 30, 0, 0), utc(2026, 11, 1, 0, 0)),
        (
            CronSpec("0", "0", day_of_month="29", month_of_year="2"),
            utc(2026, 11, 30, 0, 0),
            utc(2024, 2, 29, 0, 0),
        ),
    ],
)
def test_latest_fire_time_utc_schedules(spec: CronSpec, now: datetime, expected) -> None:
    assert latest_fire_time(spec, now) == expected


@pytest.mark.parametrize(
    ("now", "expected_utc"),
    [
        # Summer: 03:00 in London is 02:00 UTC.
        (utc(2026, 6, 1, 2, 30), utc(2026, 6, 1, 2, 0)),
        (utc(2026, 6, 1, 1, 59), utc(2026, 5, 25, 2, 0)),
        # Winter: 03:00 in London is 03:00 UTC.
        (utc(2026, 11, 30, 3, 5), utc(2026, 11, 30, 3, 0)),
    ],
)
def test_latest_fire_time_local_time_zone_follows_daylight_saving(now, expected_utc) -> None:
    spec = CronSpec(minute="0", hour="3", day_of_week="1", timezone="Europe/London")
    fired = latest_fire_time(spec, now)
    assert fired.tzinfo == LONDON
    assert fired == expected_utc


@pytest.mark.parametrize("delay_minutes", [0, 1, 5, 59, 600])
def test_latest_fire_time_late_executions_share_one_time(delay_minutes: int) -> None:
    tick = utc(2026, 11, 30, 3, 0)
    assert latest_fire_time(WEEKLY, tick + timedelta(minutes=delay_minutes)) == tick


def test_latest_fire_time_no_tolerance_is_strict() -> None:
    now = utc(2026, 11, 30, 2, 59, 55)
    assert latest_fire_time(WEEKLY, now, tolerance=timedelta(0)) == utc(2026, 11, 23, 3, 0)


def test_latest_fire_time_impossible_date_is_refused() -> None:
    with pytest.raises(ValueError, match="never occurs"):
        latest_fire_time(CronSpec("0", "0", day_of_month="31", month_of_year="2"), utc(2026, 1, 1))
