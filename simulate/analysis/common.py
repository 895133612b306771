"""What every analysis shares: the scenario (file or object), the one population all its
runs see (common random numbers) and a run's outlay as a row of yuan."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..model.population import Population, read_population, read_villages
from ..model.synth import SyntheticPopulation, synthesize
from ..policy import Scenario, load_scenario
from ..results.outlay import Outlay
from ..results.run import run


def scenario_of(scenario: Scenario | str | Path, overrides: Mapping[str, Any] | None = None) -> Scenario:
    if isinstance(scenario, Scenario):
        return scenario.with_overrides(dict(overrides)) if overrides else scenario
    return load_scenario(scenario, dict(overrides or {}))


@dataclass(frozen=True)
class MemoSynthetic(SyntheticPopulation):
    """A synthetic population whose blocks are built once and kept (for repeated runs)."""

    cache: dict = field(default_factory=dict, compare=False, hash=False, repr=False)

    def block(self, b: int) -> Population:
        if b not in self.cache:
            self.cache[b] = SyntheticPopulation.block(self, b)
        return self.cache[b]


def memo(pop: SyntheticPopulation) -> SyntheticPopulation:
    if pop.n_blocks > 4 or isinstance(pop, MemoSynthetic):
        return pop
    return MemoSynthetic(**{f.name: getattr(pop, f.name) for f in dataclasses.fields(SyntheticPopulation)})


def common_population(
    base: Scenario, population: Population | SyntheticPopulation | str | Path | None, size: int | None, seed: int
) -> Population | SyntheticPopulation:
    """The one population every scenario of an analysis runs over (common random numbers)."""
    if isinstance(population, (str, Path)):
        villages = None
        if base.policy.area.villages_file:
            villages = read_villages(base.data_path(base.policy.area.villages_file))
        return read_population(population, villages, vocab=base.policy.vocab)
    if population is None:
        population = synthesize(base, size, seed)
    if isinstance(population, SyntheticPopulation):
        return memo(population)
    return population


def own_population(
    sc: Scenario, common: Population | SyntheticPopulation, population: Any, size: int | None, seed: int
) -> Population | SyntheticPopulation:
    """The population scenario ``sc`` of an analysis runs over: the ``common`` one, unless it
    was drawn (no ``population`` given) and ``sc`` draws differently with the same seed: a
    lever that changes the population itself (who a department enrolls, an extension period,
    grade shares, the area). Then ``sc``'s own draw, the people ``simulate run --set`` counts
    with that seed: the same persons, only the columns the lever changes differ."""
    if population is not None or not isinstance(common, SyntheticPopulation):
        return common
    own = synthesize(sc, size, seed)
    return common if _same_draw(own, common) else memo(own)


def _same_draw(a: SyntheticPopulation, b: SyntheticPopulation) -> bool:
    """Whether two synthetic populations draw the same people (every input equal)."""

    def same(x: Any, y: Any) -> bool:
        if isinstance(x, np.ndarray) or isinstance(y, np.ndarray):
            return bool(np.array_equal(x, y))
        if dataclasses.is_dataclass(x) and type(x) is type(y):
            return all(same(getattr(x, f.name), getattr(y, f.name)) for f in dataclasses.fields(x))
        if isinstance(x, (tuple, list)) and isinstance(y, (tuple, list)):
            return len(x) == len(y) and all(same(u, v) for u, v in zip(x, y))
        return bool(x == y)

    names = [f.name for f in dataclasses.fields(SyntheticPopulation)]
    return all(same(getattr(a, n), getattr(b, n)) for n in names)


def run_quiet(sc: Scenario, pop, seed: int) -> Outlay:
    return run(sc, pop, seed=seed, workers=1, progress=False)


def government_fen(fen: np.ndarray) -> int:
    """Fen paid by every source but the individual (index 0 of the sources)."""
    return int(fen[1:].sum())


def percent_change(delta: int, base: int) -> float:
    return (delta / base * 100.0) if base else (0.0 if delta == 0 else math.nan)


def outlay_row(out: Outlay) -> dict[str, Any]:
    fen = out.source_fen()
    total = int(fen.sum())
    row: dict[str, Any] = {s: int(f) / 100 for s, f in zip(out.sources, fen)}
    row["subsidy_total"] = government_fen(fen) / 100
    row["fiscal_subsidy"] = out.fiscal_fen() / 100
    row["individual_share"] = int(fen[0]) / total if total else 0.0
    row["persons"] = out.persons
    row["enrolled"] = out.enrolled
    row["participation"] = out.enrolled / out.persons if out.persons else 0.0
    return row
