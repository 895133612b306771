"""The computations of the sweep summary report (notebooks/sweep_report.py): the same sweep with
the 2026 study's behavioural response, and Monte Carlo P5–P95 bands per value and source.

Both are assumptions the report states (DOMAIN.md, "National standards"): the logistic
response calibrated to the 2026 simulation study, and draws of participation ±2 points and of
each identity share the scenario uses in 80–120% of its default. Amounts are fen.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from ..model.behaviour import STUDY_2026, STUDY_2026_SOURCE
from ..model.engine import compile_for_engine
from ..model.synth import default_spec, with_local_rates
from ..policy import Policy
from . import monte_carlo

#: Monte Carlo ranges (assumptions): participation ± this share, identity shares × (low, high).
PARTICIPATION_SPREAD = 0.02
SHARE_RANGE = (0.8, 1.2)


def response_overrides(overrides: dict[str, Any]) -> dict[str, Any]:
    """``overrides`` plus the 2026 study's logistic response curve (an assumption)."""
    return {
        **overrides,
        "behaviour.model": "logistic",
        "behaviour.midpoint_yuan": STUDY_2026["midpoint_yuan"],
        "behaviour.slope_per_yuan": STUDY_2026["slope_per_yuan"],
        "behaviour.reference_yuan": STUDY_2026["reference_yuan"],
        "behaviour.source": json.dumps(STUDY_2026_SOURCE, ensure_ascii=False),
    }


def monte_carlo_rates(policy: Policy) -> dict[str, tuple[float, float]]:
    """Uniform ranges drawn per population: participation, and each identity share the policy's
    rules read, the scenario's local identities too, at their declared share (identities it
    never reads would only add noise)."""
    spec = with_local_rates(default_spec(), policy)
    bit_rate = {b: r for b, r, *_ in spec.person_rates}
    bit_rate.update(dict(spec.household_rates))
    relevant = compile_for_engine(policy).relevant_bits
    low, high = SHARE_RANGE
    rates = {
        "participation": (
            max(0.0, spec.participation - PARTICIPATION_SPREAD),
            min(1.0, spec.participation + PARTICIPATION_SPREAD),
        )
    }
    for ident, bit in policy.vocab.identity_bit.items():
        if relevant >> bit & 1 and bit in bit_rate and bit_rate[bit] > 0:
            rates[ident] = (bit_rate[bit] * low, min(0.99, bit_rate[bit] * high))
    return rates


def monte_carlo_bands(
    scenario_path: str | Path,
    param: str,
    values: Sequence[Any],
    sources: Sequence[str],
    *,
    draws: int,
    size: int,
    persons: int,
    rates: dict[str, tuple[float, float]],
    seed: int,
    overrides: dict[str, Any],
) -> pd.DataFrame:
    """P5, P50 and P95 of each source's outlay (fen, scaled from ``size`` to ``persons``) for each
    value of ``param``; columns value, source, p5, p50, p95. Every value uses the same seeds."""
    scale = persons / size
    rows = []
    for v in values:
        mc = monte_carlo(
            scenario_path, draws=draws, size=size, rates=rates, seed=seed, overrides={**overrides, param: v}
        )
        for s in sources:
            if s in mc.index:
                row = mc.loc[s]
                rows.append(
                    {
                        "value": v,
                        "source": s,
                        "p5": row["p5"] * scale,
                        "p50": row["p50"] * scale,
                        "p95": row["p95"] * scale,
                    }
                )
            else:
                rows.append({"value": v, "source": s, "p5": 0.0, "p50": 0.0, "p95": 0.0})
    return pd.DataFrame(rows)
