"""Quadratic matched funding, kept pure so it can be checked against examples worked by hand.

A project's raw match is (Σ √cᵢ)² − Σ cᵢ over its donors, where cᵢ is what donor i gave it,
counted up to the per-donor cap. Raw matches are scaled so that together they fill the pool; a
project whose share would pass the per-project cap gets the cap, and what it could not take is
shared again among the others in proportion to their raw matches, until nothing moves. Shares
are exact to 40 digits on the way and turned into whole fen at the end by largest remainder, so
the matches add up to exactly what is distributed.
"""
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Context, Decimal

PRECISION = Context(prec=40)


@dataclass(frozen=True)
class Match:
    donors: int
    counted_fen: int
    raw: Decimal
    match_fen: int
    capped: bool


def counted(gifts_by_donor: dict[int, int], donor_cap_fen: int | None) -> dict[int, int]:
    """Each donor's gifts to one project, summed and capped: one person, one voice."""
    return {donor: min(total, donor_cap_fen) if donor_cap_fen else total
            for donor, total in gifts_by_donor.items() if total > 0}


def raw_match(contributions: list[int]) -> Decimal:
    """(Σ √c)² − Σ c: zero for a single donor, growing with the number of donors."""
    roots = sum((PRECISION.sqrt(Decimal(c)) for c in contributions), Decimal(0))
    # Rounded square roots leave a residue of about 1e-24 either side of the exact value; a single
    # donor's would show as "-0.00" points, so nothing below zero is kept.
    return max(Decimal(0), PRECISION.subtract(PRECISION.multiply(roots, roots), Decimal(sum(contributions))))


def whole_fen(shares: dict[int, Decimal], total: int) -> dict[int, int]:
    """Exact shares to whole fen adding up to `total` (largest remainder; ties go to the lower id)."""
    floors = {key: int(value.to_integral_value(rounding=ROUND_FLOOR)) for key, value in shares.items()}
    left = total - sum(floors.values())
    for key in sorted(shares, key=lambda k: (-(shares[k] - floors[k]), k))[:left]:
        floors[key] += 1
    return floors


def distribute(raws: dict[int, Decimal], pool_fen: int, cap_fen: int | None) -> tuple[dict[int, int], set[int]]:
    """Share `pool_fen` among projects in proportion to their raw matches, none above `cap_fen`.

    Returns the match of each project in fen and the set of capped projects. When every project is
    capped, or no project has a raw match, part of the pool is left undistributed."""
    shares: dict[int, Decimal] = {key: Decimal(0) for key in raws}
    capped: set[int] = set()
    open_keys = {key for key, raw in raws.items() if raw > 0}
    remaining = Decimal(pool_fen)
    filled = False  # whether the whole pool found takers
    while open_keys:
        weight = sum((raws[key] for key in open_keys), Decimal(0))
        proposed = {key: PRECISION.divide(PRECISION.multiply(remaining, raws[key]), weight) for key in open_keys}
        over = {key for key, value in proposed.items() if cap_fen is not None and value > cap_fen}
        if not over:
            shares.update(proposed)
            filled = True
            break
        for key in over:  # these take the cap; the rest of the pool is shared again among the others
            shares[key] = Decimal(cap_fen)
            remaining -= cap_fen
            capped.add(key)
        open_keys -= over
    # Exact sums, not the sum of 40-digit shares, which may fall a hair short of a whole fen.
    distributed = pool_fen if filled else len(capped) * (cap_fen or 0)
    return whole_fen(shares, distributed), capped


def compute(gifts: dict[int, dict[int, int]], pool_fen: int, cap_fen: int | None, donor_cap_fen: int | None
            ) -> dict[int, Match]:
    """The whole match of a round: `gifts[project][donor]` is what each counted donor gave."""
    counts = {project: counted(by_donor, donor_cap_fen) for project, by_donor in gifts.items()}
    raws = {project: raw_match(list(c.values())) for project, c in counts.items()}
    matches, capped = distribute(raws, pool_fen, cap_fen)
    return {project: Match(len(counts[project]), sum(counts[project].values()), raws[project], matches[project],
                           project in capped) for project in gifts}
