from __future__ import annotations

import pandas as pd
import pytest

from segments.clustering import SegmentProfile
from segments.naming import (
    PALETTE,
    SegmentTraits,
    describe_population,
    describe_segment,
    name_segments,
    segment_colours,
    segment_name,
)

POPULATION_FRAME = pd.DataFrame(
    {
        "products_ordered": [1, 1, 2, 2, 3, 3, 4, 6, 8, 10],
        "average_return_rate": [1.0, 0.8, 0.5, 0.2, 0.0, 0.0, 0.1, 0.0, 0.0, 0.0],
        "total_spending": [0.0, 10.0, 50.0, 100.0, 150.0, 200.0, 300.0, 600.0, 900.0, 2000.0],
        "recency_days": [5, 10, 20, 30, 40, 50, 60, 70, 80, 90],
        "order_count": [1, 1, 1, 2, 2, 2, 3, 3, 4, 6],
    }
)


def profile(index=0, spending=100.0, returns=0.0, recency=40.0, orders=2.0, products=3.0):
    stats = {
        "total_spending": spending,
        "average_return_rate": returns,
        "recency_days": recency,
        "order_count": orders,
        "products_ordered": products,
    }
    return SegmentProfile(
        index, 10, 0.1, [0.0, 0.0, 0.0], {k: {"mean": v, "median": v} for k, v in stats.items()}
    )


@pytest.fixture
def population():
    return describe_population(POPULATION_FRAME)


@pytest.mark.parametrize(
    ("segment", "expected"),
    [
        (profile(spending=600.0, returns=0.0), "High spenders, no returns"),
        (profile(spending=2000.0, returns=0.0), "Top spenders, no returns"),
        (
            profile(spending=10.0, returns=0.9, recency=10.0, orders=1.0),
            "New, low spend, high returns",
        ),
        (profile(spending=150.0, returns=0.1), "Moderate spenders, few returns"),
        (profile(spending=150.0, returns=0.35), "Moderate spenders, some returns"),
        (profile(spending=10.0, returns=0.0, recency=80.0, orders=1.0), "Low spenders, no returns"),
        (profile(spending=2000.0, returns=0.01), "Top spenders, few returns"),
    ],
)
def test_segment_name_profile_gives_expected_name(segment, expected, population):
    assert segment_name(describe_segment(segment, population)) == expected


def test_describe_segment_compares_with_all_customers(population):
    traits = describe_segment(profile(spending=600.0, products=8.0, recency=10.0), population)

    assert traits == SegmentTraits(
        spend="high",
        returns="none",
        is_new=False,
        variety="many product types",
        frequency="",
        recency="recent",
    )


def test_name_segments_same_description_gets_told_apart(population):
    profiles = [
        profile(0, spending=150.0, returns=0.1, products=1.0),
        profile(1, spending=160.0, returns=0.1, products=6.0),
        profile(2, spending=600.0),
    ]

    names = name_segments(profiles, population)

    assert names == [
        "Moderate spenders, few returns, few product types",
        "Moderate spenders, few returns, many product types",
        "High spenders, no returns",
    ]


def test_name_segments_nothing_tells_them_apart_numbers_them(population):
    names = name_segments([profile(0), profile(1)], population)

    assert names[0].endswith(", lower spend")
    assert names[1].endswith(", higher spend")


def test_segment_colours_by_spending_rank_without_history():
    assert segment_colours(3) == list(PALETTE[:3])


def test_segment_colours_matched_segment_keeps_its_colour_and_others_avoid_it():
    colours = segment_colours(3, {1: PALETTE[0]})

    assert colours[1] == PALETTE[0]
    assert colours[0] != PALETTE[0]
    assert len(set(colours)) == 3
