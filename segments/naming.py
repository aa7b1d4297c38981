"""Descriptive segment names and stable colours, from each segment's profile.

A segment is described against all customers of the run: how its typical spending ranks,
how much it returns, whether it is made of newcomers. Names are unique within a run.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import numpy as np
import pandas as pd

from segments.clustering import SegmentProfile

# Categorical colours that stay readable side by side; a segment's colour is picked by its rank
# of spending, or inherited from the segment it continues.
PALETTE = (
    "#d62728",  # lowest spending
    "#ff7f0e",
    "#bcbd22",
    "#2ca02c",
    "#17becf",
    "#1f77b4",
    "#9467bd",
    "#e377c2",
    "#8c564b",
    "#7f7f7f",
    "#393b79",
    "#637939",
    "#8c6d31",
    "#843c39",
    "#7b4173",
)
SPEND_LEVELS = ((0.9, "top"), (0.67, "high"), (0.33, "moderate"), (0.0, "low"))
# "No returns" must mean virtually none: at most one returned unit in 200 orders.
NO_RETURNS_BELOW = 0.005
HIGH_RETURNS_FROM = 0.3
RETURN_WORDS = {
    "none": "no returns",
    "few": "few returns",
    "some": "some returns",
    "high": "high returns",
}


@dataclass(frozen=True)
class Population:
    """What a segment is compared with: all customers of the run."""

    sorted_spending: np.ndarray
    mean_return_rate: float
    median_recency_days: float
    median_products: float
    median_orders: float


@dataclass(frozen=True)
class SegmentTraits:
    spend: str  # top, high, moderate, low
    returns: str  # none, few, some, high
    is_new: bool
    variety: str  # "many product types", "few product types" or ""
    frequency: str  # "repeat buyers", "one order" or ""
    recency: str  # "recent", "lapsed" or ""


def describe_population(features: pd.DataFrame) -> Population:
    return Population(
        sorted_spending=np.sort(features["total_spending"].to_numpy(dtype=float)),
        mean_return_rate=float(features["average_return_rate"].mean()),
        median_recency_days=float(features["recency_days"].median()),
        median_products=float(features["products_ordered"].median()),
        median_orders=float(features["order_count"].median()),
    )


def describe_segment(profile: SegmentProfile, population: Population) -> SegmentTraits:
    """The segment's typical customer (medians, mean return rate) against all customers."""
    stats = profile.profile
    spending = stats["total_spending"]["median"]
    recency = stats["recency_days"]["median"]
    orders = stats["order_count"]["median"]
    products = stats["products_ordered"]["median"]
    return SegmentTraits(
        spend=_spend_level(spending, population.sorted_spending),
        returns=_return_level(stats["average_return_rate"]["mean"], population.mean_return_rate),
        is_new=orders <= 1 and recency < population.median_recency_days,
        variety=_compare(
            products, population.median_products, "many product types", "few product types"
        ),
        frequency=_compare(orders, population.median_orders, "repeat buyers", "one order"),
        recency=_compare(-recency, -population.median_recency_days, "recent", "lapsed"),
    )


def segment_name(traits: SegmentTraits) -> str:
    """E.g. "High spenders, no returns" or "New, low spend, high returns"."""
    if traits.is_new:
        spend = f"New, {traits.spend} spend"
    else:
        spend = f"{traits.spend.capitalize()} spenders"
    return f"{spend}, {RETURN_WORDS[traits.returns]}"


def name_segments(profiles: list[SegmentProfile], population: Population) -> list[str]:
    """A descriptive name per segment, made unique within the run."""
    traits = [describe_segment(profile, population) for profile in profiles]
    names = [segment_name(t) for t in traits]
    groups: dict[str, list[int]] = defaultdict(list)
    for index, name in enumerate(names):
        groups[name].append(index)
    for members in groups.values():
        if len(members) > 1:
            for index, suffix in zip(members, _distinguish(members, traits), strict=True):
                names[index] = f"{names[index]}, {suffix}"
    return names


def segment_colours(k: int, inherited: dict[int, str] | None = None) -> list[str]:
    """A colour per segment: inherited when it continues an earlier one, else by spending rank.

    Segments are numbered by spending, so index = rank; a colour already taken by an inherited
    segment moves the newcomer to the next free one.
    """
    inherited = inherited or {}
    taken = set(inherited.values())
    colours = []
    for index in range(k):
        if index in inherited:
            colours.append(inherited[index])
            continue
        free = [c for c in PALETTE[index:] + PALETTE[:index] if c not in taken] or list(PALETTE)
        colours.append(free[0])
        taken.add(free[0])
    return colours


def _distinguish(members: list[int], traits: list[SegmentTraits]) -> list[str]:
    """Suffixes that tell apart segments that got the same name."""
    for attribute in ("variety", "frequency", "recency"):
        words = [getattr(traits[i], attribute) for i in members]
        if all(words) and len(set(words)) == len(words):
            return words
    # Segments are numbered by spending, so members come lowest spending first.
    if len(members) == 2:
        return ["lower spend", "higher spend"]
    return [f"spend tier {rank}" for rank in range(1, len(members) + 1)]


def _spend_level(spending: float, sorted_spending: np.ndarray) -> str:
    """Rank of the segment's median spending among all customers."""
    if not len(sorted_spending):
        return "low"
    percentile = np.searchsorted(sorted_spending, spending, side="right") / len(sorted_spending)
    return next(level for floor, level in SPEND_LEVELS if percentile >= floor)


def _return_level(rate: float, overall: float) -> str:
    if rate < NO_RETURNS_BELOW:
        return "none"
    if rate >= max(HIGH_RETURNS_FROM, 1.5 * overall):
        return "high"
    return "few" if rate <= overall else "some"


def _compare(value: float, typical: float, above: str, below: str) -> str:
    if value > typical:
        return above
    return below if value < typical else ""
