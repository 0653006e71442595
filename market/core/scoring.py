"""The arithmetic of rubrics, kept pure so it can be checked against examples worked by hand.

Scores are exact Decimals with two places, rounded half up, as for bids. An indicator tree has
points at every level; a parent's points are the sum of its children's. Indicators marked "not
applicable" leave the average: their parent's score is scaled up from the points that apply
(DOMAIN.md: reviewers may mark an indicator not applicable, which leaves it out of the average).
Bonus indicators add on top, and the total never exceeds the rubric's cap.
"""
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


def rounded(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def panel_mean(values: list, trim: bool = False) -> Decimal:
    """The mean of several reviewers' points; with `trim` and five or more reviewers, one
    highest and one lowest are dropped first. Shared by bid panels and rubric evaluations."""
    ordered = sorted(Decimal(v) for v in values)
    if trim and len(ordered) >= 5:
        ordered = ordered[1:-1]
    return sum(ordered, Decimal(0)) / Decimal(len(ordered))


@dataclass
class Node:
    """One indicator as the arithmetic sees it."""
    id: int
    points: int
    children: list["Node"] = field(default_factory=list)
    bonus: bool = False


@dataclass
class Result:
    total: Decimal
    by_node: dict[int, Decimal | None]  # None: not applicable


NA = None


def score_tree(roots: list[Node], leaf_scores: dict[int, Decimal | None], cap: int) -> Result:
    """Total a tree of indicators.

    `leaf_scores[id]` is a leaf's points (0 up to its maximum) or NA. A parent scores the sum of
    its applicable children scaled by (its points ÷ their points); the tree's total is scaled the
    same way to the points of all regular top-level indicators (or to `cap`, when those are more),
    bonus points are added, and the sum is capped at `cap`. Only the results are rounded, never a
    step on the way."""
    by_node: dict[int, Decimal | None] = {}

    def visit(node: Node) -> Decimal | None:
        if not node.children:
            value = leaf_scores.get(node.id)
            if value is not NA:
                value = Decimal(value)
                if not 0 <= value <= node.points:
                    raise ValueError(f"indicator {node.id}: {value} is outside 0–{node.points}")
            by_node[node.id] = value
            return value
        scored = [(child, visit(child)) for child in node.children]
        applicable = [(child, value) for child, value in scored if value is not NA]
        if not applicable:
            by_node[node.id] = NA
            return NA
        earned = sum((value for _child, value in applicable), Decimal(0))
        possible = sum(child.points for child, _value in applicable)
        value = earned * Decimal(node.points) / Decimal(possible)
        by_node[node.id] = rounded(value)
        return value

    regular = [(root, visit(root)) for root in roots if not root.bonus]
    bonus = [visit(root) for root in roots if root.bonus]
    applicable = [(root, value) for root, value in regular if value is not NA]
    if not applicable:
        raise ValueError("every indicator is marked not applicable")
    earned = sum((value for _root, value in applicable), Decimal(0))
    possible = sum(root.points for root, _value in applicable)
    # The regular part is worth at most the cap: a tree whose regular indicators carry more points
    # than the cap (Jiangsu: 1,000 national + 100 party building, cap 1,000) is read on the cap's
    # scale, so that the cap cuts bonus points only and never absorbs regular points.
    scale = min(sum(root.points for root, _value in regular), cap)
    total = earned * Decimal(scale) / Decimal(possible)
    total += sum((value for value in bonus if value is not NA), Decimal(0))
    return Result(min(rounded(total), Decimal(cap)), by_node)


def band(total: Decimal, bands: list) -> str:
    """The band a total falls in: `bands` lists [minimum, key] from the highest minimum down."""
    for minimum, key in sorted(bands, key=lambda b: -b[0]):
        if total >= Decimal(minimum):
            return key
    return bands[-1][1]


def satisfaction_index(stars: list[int]) -> Decimal | None:
    """Residents' satisfaction on 0–100: a mean of 1 star is 0, a mean of 5 stars is 100."""
    if not stars:
        return None
    mean = Decimal(sum(stars)) / Decimal(len(stars))
    return rounded((mean - 1) * 25)


def tranche_payable(amount_fen: int, score: Decimal, withhold_below: int, full_from: int) -> int:
    """What a score-tied tranche pays: nothing below `withhold_below`, all of it from `full_from`,
    and in between in proportion to the score (score ÷ full_from), rounded down to the fen."""
    if score < withhold_below:
        return 0
    if score >= full_from:
        return amount_fen
    return int((Decimal(amount_fen) * score / Decimal(full_from)).to_integral_value(rounding=ROUND_DOWN))


def to_centipoints(value: Decimal) -> int:
    return int(rounded(value) * 100)


def from_centipoints(value: int | None) -> Decimal | None:
    return None if value is None else (Decimal(value) / 100).quantize(CENT)
