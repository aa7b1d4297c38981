"""Starting strategy notes for a segment, from a small playbook that follows the original study.

The study's three segments and what it advised: newcomers with low spend and high returns (reduce
returns, bring them back with promotions), moderate spenders (keep them engaged with personalised
offers and discounts), high spenders without returns (loyalty, early launches, VIP treatment).
Marketing edits the notes afterwards; these are only a first draft.
"""

from __future__ import annotations

from segments.naming import SegmentTraits

REDUCE_RETURNS = (
    "Reduce returns: look at what this segment sends back and improve sizing guides, photos and "
    "descriptions of those products; ask returners why in a short survey."
)
ENGAGE_NEWCOMERS = (
    "Engage newcomers: a welcome series and a promotion on the second order, so the first "
    "purchase becomes a habit."
)
WIN_BACK = (
    "Win them back: a reminder of what they liked and a time-limited promotion on a next order."
)
PERSONALISED_OFFERS = (
    "Keep them engaged with personalised offers and discounts on the product types they buy, "
    "and suggest related products to widen their basket."
)
GROW_BASKET = (
    "Grow the basket: bundles, a free-shipping threshold just above their usual order, and "
    "recommendations from the product types they already like."
)
LOYALTY = (
    "Reward loyalty: a loyalty programme, early access to new launches and VIP treatment "
    "(priority service, exclusive previews)."
)
WATCH_RETURNS = "Watch returns: they are above the average of all customers."


def strategy_notes(traits: SegmentTraits) -> str:
    """The playbook's advice for a segment, one paragraph per point."""
    return "\n\n".join(_advice(traits))


def _advice(traits: SegmentTraits) -> list[str]:
    high_spend = traits.spend in ("top", "high")
    if high_spend and traits.returns in ("none", "few"):
        return [LOYALTY]
    if high_spend:
        return [LOYALTY, WATCH_RETURNS]
    advice = []
    if traits.returns == "high":
        advice.append(REDUCE_RETURNS)
    if traits.is_new:
        advice.append(ENGAGE_NEWCOMERS)
    elif traits.recency == "lapsed" and traits.spend == "low":
        advice.append(WIN_BACK)
    if traits.spend == "moderate":
        advice.append(PERSONALISED_OFFERS)
    elif not advice or traits.returns != "high":
        advice.append(GROW_BASKET)
    return advice
