"""Small display filters: money, percentages, durations, and crontabs in words."""

from __future__ import annotations

from babel.numbers import format_currency
from cron_descriptor import (
    ExpressionDescriptor,
    FormatException,
    MissingFieldException,
    Options,
    WrongArgumentException,
)
from django import template
from django.utils.translation import get_language, to_locale

register = template.Library()

DAY_NAMES = ("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")
DAY_NUMBERS = {name[:3].lower(): number for number, name in enumerate(DAY_NAMES)}


@register.filter
def money(value: object, currency: object = "EUR") -> str:
    """1234.5 -> "€1,234.50" in the page's language; empty for a missing value."""
    if value is None or value == "":
        return ""
    return format_currency(float(value), str(currency), locale=to_locale(get_language() or "en"))


@register.filter
def percent(value: float | None, digits: int = 1) -> str:
    """0.1234 -> "12.3%"; empty for a missing value."""
    if value is None or value == "":
        return ""
    return f"{float(value) * 100:.{digits}f}%"


@register.filter
def duration(seconds: float | None) -> str:
    """Seconds as "2 min 5 s" or "3.2 s"; empty for a missing value."""
    if seconds is None or seconds == "":
        return ""
    seconds = float(seconds)
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest} s"


def day_number(token: str) -> int | None:
    """Day 1 from "1", "mon" or "Monday"; cron's 7 is Sunday too; None for anything else."""
    token = token.strip().lower()
    if token.isdigit():
        return int(token) % 7 if int(token) <= 7 else None
    return DAY_NUMBERS.get(token[:3]) if token.isalpha() else None


def describe_days(day_of_week: str) -> str | None:
    """Cron's day of week in words: "Every day", "Mondays", "Monday to Friday", "Mondays and
    Fridays"; None for what these words do not cover (steps such as */2)."""
    if day_of_week.strip() == "*":
        return "Every day"
    phrases = []
    for part in day_of_week.split(","):
        bounds = [day_number(token) for token in part.split("-")]
        if None in bounds or len(bounds) > 2:
            return None
        if len(bounds) == 2:
            phrases.append(f"{DAY_NAMES[bounds[0]]} to {DAY_NAMES[bounds[1]]}")
        else:
            phrases.append(f"{DAY_NAMES[bounds[0]]}s")
    return phrases[0] if len(phrases) == 1 else ", ".join(phrases[:-1]) + " and " + phrases[-1]


def describe_crontab(minute: str, hour: str, day_of_week: str) -> str:
    """A weekly cron schedule in words: "Mondays at 03:00", "Every day at 01:30".

    Anything more unusual (steps, several hours) is described by cron-descriptor instead.
    """
    days = describe_days(day_of_week)
    if days and minute.isdigit() and hour.isdigit() and int(minute) < 60 and int(hour) < 24:
        return f"{days} at {int(hour):02d}:{int(minute):02d}"
    options = Options()
    options.use_24hour_time_format = True
    expression = f"{minute} {hour} * * {day_of_week}"
    try:
        return ExpressionDescriptor(expression, options).get_description()
    except (FormatException, MissingFieldException, WrongArgumentException):
        return f"cron {expression}"


@register.filter
def crontab_text(crontab: object) -> str:
    """A django-celery-beat CrontabSchedule in words, with its time zone."""
    if crontab is None:
        return ""
    words = describe_crontab(crontab.minute, crontab.hour, crontab.day_of_week)
    return f"{words} {crontab.timezone}"
