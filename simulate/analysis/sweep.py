"""One parameter over a list of values, each row a run over the same people
(``simulate sweep-table``). pandas is imported when a sweep runs, for start-up time."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from ..errors import SimulateError
from ..model.population import Population
from ..model.synth import SyntheticPopulation
from ..policy import Scenario
from .common import common_population, outlay_row, own_population, run_quiet, scenario_of
from .naming import param_label, relabel
from .values import number


def sweep(
    scenario: Scenario | str | Path,
    param_path: str,
    values: Iterable[Any],
    population: Population | SyntheticPopulation | str | Path | None = None,
    size: int | None = None,
    seed: int = 0,
    lang: str | None = None,
    overrides: Mapping[str, Any] | None = None,
):
    """One row per value of ``param_path``: each source's outlay (yuan), subsidies, the fiscal
    subsidy (yuan), the individuals' share of personal contributions, persons and enrolled.

    All rows use the same people (common random numbers; a value that changes the
    population itself is drawn with the same seed, as ``simulate run --set`` draws it). Columns are ids (``individual``,
    ``medical_assistance``, …) unless ``lang`` is ``"zh"`` or ``"en"``; every source column is
    present, zero or not.

    >>> t = sweep("scenarios/langxi-2024.yaml", "contribution.personal", [380, 400], size=10_000)
    >>> list(t["contribution.personal"])
    [380, 400]
    >>> bool(t["individual"].is_monotonic_increasing)
    True
    """
    import pandas as pd

    sc = scenario_of(scenario, overrides)
    vals = [number(v) for v in values]
    if not vals:
        raise SimulateError("values", "give at least one value")
    pop = common_population(sc, population, size, seed)
    rows = []
    for v in vals:
        each = sc.with_overrides({param_path: v})
        out = run_quiet(each, own_population(each, pop, population, size, seed), seed)
        rows.append({param_path: v if isinstance(v, int) else float(v), **outlay_row(out)})
    frame = pd.DataFrame(rows)
    frame.attrs.update(
        {
            "scenario": sc.id,
            "param": param_path,
            "unit": "yuan",
            "title": {"zh": sc.policy.title.zh, "en": sc.policy.title.en},
            "param_label": {"zh": param_label(param_path, "zh", sc), "en": param_label(param_path, "en", sc)},
        }
    )
    return relabel(frame, lang) if lang else frame
