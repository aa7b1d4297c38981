from __future__ import annotations

import pytest

from segments.naming import SegmentTraits
from segments.playbook import (
    ENGAGE_NEWCOMERS,
    GROW_BASKET,
    LOYALTY,
    PERSONALISED_OFFERS,
    REDUCE_RETURNS,
    WATCH_RETURNS,
    strategy_notes,
)


def traits(spend="moderate", returns="few", is_new=False, recency=""):
    return SegmentTraits(spend, returns, is_new, "", "", recency)


@pytest.mark.parametrize(
    ("segment", "expected"),
    [
        (traits("low", "high", is_new=True), [REDUCE_RETURNS, ENGAGE_NEWCOMERS]),
        (traits("moderate", "few"), [PERSONALISED_OFFERS]),
        (traits("high", "none"), [LOYALTY]),
        (traits("top", "few"), [LOYALTY]),
        (traits("high", "high"), [LOYALTY, WATCH_RETURNS]),
        (traits("low", "none"), [GROW_BASKET]),
        (traits("moderate", "high"), [REDUCE_RETURNS, PERSONALISED_OFFERS]),
    ],
)
def test_strategy_notes_profile_picks_the_playbook_entries(segment, expected):
    assert strategy_notes(segment) == "\n\n".join(expected)


def test_strategy_notes_are_never_empty():
    for spend in ("top", "high", "moderate", "low"):
        for returns in ("none", "few", "some", "high"):
            for is_new in (False, True):
                assert strategy_notes(traits(spend, returns, is_new)).strip()
