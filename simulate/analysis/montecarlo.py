"""Monte Carlo over uncertain rates: P5/P50/P95 of each source's outlay over many
synthetic populations (``simulate montecarlo``). pandas is imported when a study runs."""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import labels
from ..errors import SimulateError
from ..model.expected import cached_compile
from ..model.synth import SynthSpec, default_spec, synthesize, with_local_rates
from ..policy import Scenario
from ..results.run import run
from ..vocabulary import CANONICAL, IDENTITY_BIT, Vocabulary
from .common import scenario_of

if TYPE_CHECKING:  # pandas loads only when a study is run (import simulate stays light)
    import pandas as pd


def spec_with(spec: SynthSpec, changes: Mapping[str, float], bits: Mapping[str, int] = IDENTITY_BIT) -> SynthSpec:
    """A copy of ``spec`` with some rates replaced: ``participation``, ``late_share`` or an identity id."""
    person = list(spec.person_rates)
    household = list(spec.household_rates)
    other: dict[str, Any] = {}
    for key, value in changes.items():
        v = float(value)
        if key in ("participation", "late_share"):
            if not 0 <= v <= 1:
                raise SimulateError(f"rates.{key}", f"must be a share between 0 and 1, got {value}")
            other[key] = v
            continue
        if key not in bits:
            options = ["participation", "late_share", *bits]
            hint = difflib.get_close_matches(key, options, n=1)
            raise SimulateError(f"rates.{key}", "unknown rate" + (f" (did you mean {hint[0]}?)" if hint else ""))
        if not 0 <= v < 1:
            raise SimulateError(f"rates.{key}", f"must be a share between 0 and 1, got {value}")
        bit = bits[key]
        person = [(b, v if b == bit else r, lo, hi) for b, r, lo, hi in person]
        household = [(b, v if b == bit else r) for b, r in household]
        if not any(b == bit for b, *_ in spec.person_rates) and not any(b == bit for b, _ in spec.household_rates):
            raise SimulateError(f"rates.{key}", "the synthetic population does not draw this identity")
    return dataclasses.replace(spec, person_rates=tuple(person), household_rates=tuple(household), **other)


#: Default uncertainty of the Monte Carlo study, centred on the builder's own rates: each
#: identity rate the scenario's rules use ±20% of its default, participation ±0.02.
RATE_RELATIVE_SPREAD = 0.2


PARTICIPATION_SPREAD = 0.02


def default_rates(spec: SynthSpec, bits: Mapping[str, int] = IDENTITY_BIT) -> dict[str, float]:
    """Every rate ``monte_carlo`` can vary, at its default: participation, late share, identities."""
    out = {"participation": float(spec.participation), "late_share": float(spec.late_share)}
    by_bit = {bit: float(r) for bit, r, *_ in spec.person_rates}
    by_bit.update({bit: float(r) for bit, r in spec.household_rates})
    for ident, bit in bits.items():
        if bit in by_bit:
            out[ident] = by_bit[bit]
    return out


def default_rate_ranges(
    scenario: Scenario | str | Path, spec: SynthSpec | None = None, overrides: Mapping[str, Any] | None = None
) -> dict[str, tuple[float, float]]:
    """The uncertain rates ``monte_carlo`` varies when given none, centred on their defaults.

    Participation ±0.02 and, for every identity the scenario's tiers or targets look at and
    the synthetic builder draws, its rate ±20% (``SynthSpec``). Centred ranges keep the Monte
    Carlo mean on the plain run's expectation (:func:`expected_value`).

    >>> r = default_rate_ranges("scenarios/langxi-2024.yaml")
    >>> [round(x, 5) for x in r["rural_dibao"]], [round(x, 2) for x in r["participation"]]
    ([0.0284, 0.0426], [0.93, 0.97])
    """
    sc = scenario_of(scenario, overrides)
    sp = with_local_rates(spec or default_spec(), sc.policy)
    bits = sc.policy.vocab.identity_bit
    defaults = default_rates(sp, bits)
    p = defaults["participation"]
    half = min(PARTICIPATION_SPREAD, p, 1.0 - p)
    out = {"participation": (p - half, p + half)}
    relevant = cached_compile(sc).relevant_bits
    for ident, bit in bits.items():
        rate = defaults.get(ident, 0.0)
        if relevant >> bit & 1 and rate > 0:
            half = min(rate * RATE_RELATIVE_SPREAD, 0.99 - rate)
            out[ident] = (rate - half, rate + half)
    return out


def rate_label(key: str, lang: str = "zh", vocab: Vocabulary = CANONICAL) -> str:
    """The name of an uncertain rate: an identity's share of persons, participation, late share."""
    if key in ("participation", "late_share"):
        return labels.text("montecarlo", key, lang)
    identity = vocab.label(key, labels.lang_of(lang))
    return labels.text("montecarlo", "identity_share", lang).format(identity=identity)


def _checked_ranges(
    ranges: dict[str, Any], base_spec: SynthSpec, bits: Mapping[str, int]
) -> dict[str, tuple[float, float]]:
    """Each uncertain rate's (low, high) as floats, its key and range checked."""
    for key, rng_ in ranges.items():
        try:
            low, high = (float(x) for x in rng_)
        except (TypeError, ValueError):
            raise SimulateError(f"rates.{key}", f"expected (low, high), got {rng_!r}") from None
        if low > high:
            raise SimulateError(f"rates.{key}", f"low {low} is above high {high}")
        spec_with(base_spec, {key: low}, bits)  # checks the key and the range
        spec_with(base_spec, {key: high}, bits)
        ranges[key] = (low, high)
    return ranges


def monte_carlo(
    scenario: Scenario | str | Path,
    draws: int = 50,
    size: int | None = None,
    rates: Mapping[str, tuple[float, float]] | None = None,
    seed: int = 0,
    overrides: Mapping[str, Any] | None = None,
    spec: SynthSpec | None = None,
) -> pd.DataFrame:
    """P5/P50/P95 (and mean, standard deviation) of each source's outlay over ``draws`` populations.

    Each draw takes every uncertain rate in ``rates`` uniformly from its (low, high) range —
    ``participation``, ``late_share`` or an identity id such as ``rural_dibao`` (share of
    persons) — and then synthesizes a population with its own seed. ``rates=None`` (the
    default) varies the centred :func:`default_rate_ranges`; ``rates={}`` varies nothing (only
    sampling noise around :func:`expected_value`). All seeds are spawned from one
    ``SeedSequence(seed)``, so the whole study is reproducible. Rows: each source paying
    anything, ``fiscal_subsidy`` (yuan) and ``enrolled`` (persons); the per-draw figures are in
    ``frame.attrs["draws"]``, the ranges used in ``frame.attrs["rates"]`` and the builder's
    defaults of those rates in ``frame.attrs["rate_defaults"]``.

    >>> mc = monte_carlo("scenarios/langxi-2024.yaml", draws=5, size=10_000,
    ...                  rates={"rural_dibao": (0.03, 0.06)}, seed=1)
    >>> bool((mc["p5"] <= mc["p95"]).all())
    True
    """
    import pandas as pd

    if isinstance(draws, bool) or not isinstance(draws, int) or draws < 1:
        raise SimulateError("--draws", f"must be a whole number, at least 1 (got {draws!r})")
    sc = scenario_of(scenario, overrides)
    base_spec = with_local_rates(spec or default_spec(), sc.policy)  # local identities drawn, and varied
    bits = sc.policy.vocab.identity_bit
    ranges = _checked_ranges(dict(default_rate_ranges(sc, base_spec) if rates is None else rates), base_spec, bits)
    children = np.random.SeedSequence(seed).spawn(draws)
    rows, pop_size = [], 0
    for i, child in enumerate(children):
        row, pop_size = _one_draw(sc, size, base_spec, ranges, i, child)
        rows.append(row)
    per_draw = pd.DataFrame(rows)
    frame = _summary_frame(per_draw, draws, sc.policy.vocab.source_ids)
    defaults = default_rates(base_spec, bits)
    frame.attrs.update(
        {
            "scenario": sc.id,
            "draws": per_draw,
            "seed": seed,
            "size": int(per_draw.shape[0] and pop_size),
            "rates": ranges,
            "rate_defaults": {k: defaults.get(k) for k in ranges},
        }
    )
    return frame


def _one_draw(
    sc: Scenario,
    size: int | None,
    base_spec: SynthSpec,
    ranges: Mapping[str, tuple[float, float]],
    i: int,
    child: np.random.SeedSequence,
) -> tuple[dict[str, Any], int]:
    """Draw ``i``: its rates, its population and its outlay by source (yuan); (row, persons)."""
    pop_ss, par_ss = child.spawn(2)
    par = np.random.Generator(np.random.PCG64(par_ss))
    drawn = {k: float(par.uniform(lo, hi)) for k, (lo, hi) in sorted(ranges.items())}
    pop_seed = int(pop_ss.generate_state(1, np.uint64)[0] >> np.uint64(1))
    bits = sc.policy.vocab.identity_bit
    pop = synthesize(sc, size, pop_seed, spec=spec_with(base_spec, drawn, bits) if drawn else base_spec)
    out = run(sc, pop, seed=pop_seed, workers=1, progress=False)
    fen = out.source_fen()
    row: dict[str, Any] = {"draw": i, "seed": pop_seed, **{f"rate.{k}": v for k, v in drawn.items()}}
    row.update({s: int(f) / 100 for s, f in zip(out.sources, fen)})
    row["fiscal_subsidy"] = out.fiscal_fen() / 100
    row["enrolled"] = out.enrolled
    return row, pop.size


def _summary_frame(per_draw: pd.DataFrame, draws: int, sources: tuple[str, ...]) -> pd.DataFrame:
    """Mean, standard deviation and P5/P50/P95 of each paying source, the fiscal subsidy and
    the enrolled, over the draws."""
    import pandas as pd

    keys = [s for s in sources if (per_draw[s] != 0).any()] + ["fiscal_subsidy", "enrolled"]
    summary = []
    for k in keys:
        col = per_draw[k].astype(float)
        summary.append(
            {
                "item": k,
                "unit": "persons" if k == "enrolled" else "yuan",
                "mean": col.mean(),
                "std": col.std(ddof=1) if draws > 1 else 0.0,
                "p5": col.quantile(0.05),
                "p50": col.quantile(0.5),
                "p95": col.quantile(0.95),
            }
        )
    return pd.DataFrame(summary).set_index("item")
