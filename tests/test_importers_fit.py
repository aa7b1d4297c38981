from __future__ import annotations

import datetime as dt

import pytest

from segments.importers.fit import LinesSummary, fit_warnings

SHOP = LinesSummary(dt.date(2018, 11, 1), dt.date(2019, 4, 30), typical_line_value=120.0)


def summary(first: str, last: str, typical: float | None = 120.0) -> LinesSummary:
    return LinesSummary(dt.date.fromisoformat(first), dt.date.fromisoformat(last), typical)


@pytest.mark.parametrize(
    "new",
    [
        summary("2019-05-01", "2019-10-31"),  # the next half year
        summary("2018-01-01", "2018-12-31", 15.0),  # overlapping, a cheaper range
        summary("2020-04-29", "2020-06-01", 1000.0),  # a year later, dearer products
        summary("2019-01-01", "2019-01-02", None),  # only returns: no typical value
    ],
)
def test_fit_warnings_data_that_belongs_together_none(new) -> None:
    assert fit_warnings(new, SHOP) == []


def test_fit_warnings_years_before_says_how_far_and_why_it_matters() -> None:
    (warning,) = fit_warnings(summary("2010-12-01", "2011-12-09"), SHOP)
    assert warning.startswith("Its orders run from 1 Dec 2010 to 9 Dec 2011, 7 years before")
    assert "(1 Nov 2018 to 30 Apr 2019)" in warning and "lapsed" in warning


def test_fit_warnings_later_gap_in_days() -> None:
    (warning,) = fit_warnings(summary("2020-06-01", "2020-07-01"), SHOP)
    assert "398 days after the data already here" in warning


@pytest.mark.parametrize(
    ("typical", "words"), [(12_000.0, "100 times as much"), (3.0, "1/40 of as much")]
)
def test_fit_warnings_other_scale_of_money(typical, words) -> None:
    (warning,) = fit_warnings(summary("2019-01-01", "2019-02-01", typical), SHOP)
    assert words in warning and "currency" in warning


def test_fit_warnings_both_reasons_at_once() -> None:
    assert len(fit_warnings(summary("2010-12-01", "2011-12-09", 3.0), SHOP)) == 2
