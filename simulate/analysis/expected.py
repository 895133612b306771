"""The expected outlay of a synthetic population without drawing anyone (``simulate
expected``); the arithmetic lives beside the synthesizer (``model.expected``)."""

from __future__ import annotations

import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..model.expected import expected_outlay
from ..model.synth import SynthSpec
from ..policy import Scenario
from .common import scenario_of


def expected_value(
    scenario: Scenario | str | Path,
    size: int | None = None,
    spec: SynthSpec | None = None,
    overrides: Mapping[str, Any] | None = None,
    eps: float = 1e-12,
) -> dict[str, Any]:
    """Expected outlay of a synthetic population, computed without drawing anyone.

    The synthetic builder draws identities independently of one another (household ones at
    their person rate, person ones within their age window), age and sex from the age table,
    disability from base rates raised for groups at risk, enrollment from participation with
    the hardship groups at 100%, and timing (late share, newborns at age 0). This function
    takes the same distributions as probabilities: it lists every combination of the
    identities the scenario (or the builder) looks at, with its probability per age class,
    sex, disability grade and timing, resolves each combination's tier with the engine's own
    :func:`~simulate.model.engine.resolve_tiers`, and multiplies the expected counts by the tables.
    Combinations less likely than ``eps`` are left out (``mass_left_out`` reports their total
    share of persons). A behavioural response (``behaviour``) is applied as its expectation.

    Returns yuan as floats (expected values are not whole fen), expected enrolled persons as
    a float and ``persons`` (the population size) as an int.

    >>> ev = expected_value("scenarios/langxi-2024.yaml", size=100_000)
    >>> round(ev["enrolled"] / ev["persons"], 2)
    0.96
    >>> ev["elapsed_ms"] < 1000
    True
    """
    t0 = time.perf_counter()
    return expected_outlay(scenario_of(scenario, overrides), size, spec, eps, started=t0)
