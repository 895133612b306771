"""Random draws of the synthetic population that keep every block's generator where the full
draw leaves it: subsets at a rate, whole households up to a count, 户籍 by household, and
moving past draws a scenario does not need (the same people whichever draws are skipped)."""

from __future__ import annotations

import numpy as np

from ..vocabulary import IDENTITY_BIT

#: Household identities that only a rural or only an urban 户籍 can hold (their names say so).
RURAL_ONLY = ("rural_dibao", "fp_two_households", "registered_poor", "monitored", "returned_to_poverty", "relocated")
URBAN_ONLY = ("urban_dibao",)


def draw_hukou(rng: np.random.Generator, hh_bits: np.ndarray, urban_share: float) -> np.ndarray:
    """户籍 type per household (1 rural, 2 urban) at the county's urban share, consistent
    with identities that name it (农村低保 and 建档立卡 are rural, 城镇低保 urban; a
    household drawn with both kinds is taken as rural)."""
    h = hh_bits.shape[0]
    drawn_urban = np.asarray(rng.random(h) < urban_share)
    hukou: np.ndarray = drawn_urban.view(np.uint8) + np.uint8(1)  # 2 urban, 1 rural
    rural = 0
    for ident in RURAL_ONLY:
        rural |= 1 << IDENTITY_BIT[ident]
    urban = 1 << IDENTITY_BIT[URBAN_ONLY[0]]
    hukou[(hh_bits & np.uint32(urban)) != 0] = 2
    hukou[(hh_bits & np.uint32(rural)) != 0] = 1  # a rural identity wins over 城镇低保
    return hukou


def skip_doubles(rng: np.random.Generator, k: int) -> None:
    """Move ``rng`` past ``k`` draws of ``rng.random`` without making them: one 64-bit output
    each. ``advance`` also drops a buffered 32-bit half (the next ``integers`` may use it), so
    that half is put back: the later draws are those that follow ``rng.random(k)``."""
    bits = rng.bit_generator
    if not isinstance(bits, np.random.PCG64):  # every block's generator is; any other draws them
        rng.random(k)
        return
    state = bits.state
    bits.advance(k)
    after = dict(bits.state)
    after["has_uint32"], after["uinteger"] = state["has_uint32"], state["uinteger"]
    bits.state = after  # type: ignore[assignment]  # the same keys, one half put back


def draw_subset(rng: np.random.Generator, n: int, rate: float) -> np.ndarray:
    """Indices of a random subset holding about ``rate`` of ``n`` persons.

    Drawn with replacement (much faster than without); the number of draws is raised to
    ``-ln(1 - rate)`` per person so that the expected share of distinct persons is ``rate``.
    """
    if rate <= 0 or n == 0:
        return np.zeros(0, np.int64)
    lam = -np.log1p(-min(rate, 0.999999))
    m = rng.poisson(n * lam)
    idx: np.ndarray = rng.integers(0, n, m, dtype=np.int64)
    return idx


def exact_households(
    rng: np.random.Generator, hh_bits: np.ndarray, hh_len: np.ndarray, bit: int, want: int
) -> tuple[int, int]:
    """Give a household identity to whole households in random order until ``want`` persons
    hold it; returns (last household, members too many) so the caller can trim it exactly."""
    if want <= 0:
        return -1, 0
    order = rng.permutation(hh_bits.shape[0])
    cum = np.cumsum(hh_len[order])
    k = min(int(np.searchsorted(cum, want)), cum.shape[0] - 1)
    hh_bits[order[: k + 1]] |= hh_bits.dtype.type(1 << bit)
    return int(order[k]), max(int(cum[k]) - want, 0)
