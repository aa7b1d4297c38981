"""PURE: the latest time a crontab fired at or before a moment (no Django, no database).

Scheduled runs are named after this time, so the same beat tick names the same slot however
late its task executes. Fields mean what they mean to celery's crontab: day of week 0-6 with
Sunday = 0 (or names such as mon), and day of month and day of week must both match.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from celery.schedules import crontab

# A task may execute a moment before its time when beat's clock runs ahead of the worker's; it
# still belongs to that time. Far shorter than any sensible re-run interval.
EARLY_TOLERANCE = timedelta(seconds=10)
# Far enough back for any crontab, even "29 February on a Monday" (up to 40 years apart).
MAX_DAYS_BACK = 366 * 41


@dataclass(frozen=True)
class CronSpec:
    minute: str = "*"
    hour: str = "*"
    day_of_week: str = "*"
    day_of_month: str = "*"
    month_of_year: str = "*"
    timezone: str = "UTC"


def latest_fire_time(
    spec: CronSpec, now: datetime, tolerance: timedelta = EARLY_TOLERANCE
) -> datetime | None:
    """The schedule's latest time at or before `now` (+ tolerance), in its time zone.

    A crontab that can never fire (31 February) raises ValueError, as celery's does; None
    would mean none in the last 40 years. A wall time that a daylight-saving change
    skips counts as the instant zoneinfo gives it (fold 0), the same on every call.
    """
    fields = crontab(
        minute=spec.minute,
        hour=spec.hour,
        day_of_week=spec.day_of_week,
        day_of_month=spec.day_of_month,
        month_of_year=spec.month_of_year,
    )
    zone = ZoneInfo(spec.timezone)
    limit = (now + tolerance).astimezone(UTC)
    day = limit.astimezone(zone).date()
    times = [time(hour, minute) for hour in sorted(fields.hour, reverse=True)
             for minute in sorted(fields.minute, reverse=True)]  # fmt: skip
    for _ in range(MAX_DAYS_BACK):
        if _day_matches(fields, day):
            for moment in times:
                candidate = datetime.combine(day, moment, tzinfo=zone)
                if candidate.astimezone(UTC) <= limit:
                    return candidate
        day -= timedelta(days=1)
    return None


def _day_matches(fields: crontab, day: date) -> bool:
    return (
        day.month in fields.month_of_year
        and day.day in fields.day_of_month
        and day.isoweekday() % 7 in fields.day_of_week
    )
