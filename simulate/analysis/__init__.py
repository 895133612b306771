"""What-if analysis for budgeting meetings: compare, sweep, solve, Monte Carlo, expected
value and a multi-year path (DESIGN.md, "analysis: sweep · compare · Monte Carlo · solve").

Every function runs scenarios over **one** population (common random numbers: the same
synthetic persons, drawn with the same seed, or the same CSV), so a difference between two
results is the policy's doing, not sampling noise. Money is integer fen inside; frames show
yuan (float, exact to the fen) and JSON uses yuan numbers with at most two decimals. Each
analysis is its own module; this package names them in one place.

>>> import simulate.analysis as an
>>> c = an.compare("scenarios/langxi-2024.yaml", ["scenarios/langxi-2025-400.yaml"], size=20_000)
>>> d = c.delta_fen()                    # reform minus baseline, fen, by source
>>> d["individual"] > 0                  # everyone who pays pays more at 400 yuan
True
"""

from __future__ import annotations

from .compare import Comparison, compare
from .expected import expected_value
from .montecarlo import default_rate_ranges, monte_carlo, rate_label
from .multiyear import (
    EXTRAPOLATION_RULE,
    EXTRAPOLATION_RULE_ZH,
    multi_year,
    national_standards,
)
from .naming import column_label, overrides_text, param_label, relabel
from .solve import SolveResult, solve
from .sweep import sweep
from .values import parse_values, value_text

__all__ = [
    "EXTRAPOLATION_RULE",
    "EXTRAPOLATION_RULE_ZH",
    "Comparison",
    "SolveResult",
    "column_label",
    "compare",
    "default_rate_ranges",
    "expected_value",
    "monte_carlo",
    "multi_year",
    "national_standards",
    "overrides_text",
    "param_label",
    "parse_values",
    "rate_label",
    "relabel",
    "solve",
    "sweep",
    "value_text",
]
