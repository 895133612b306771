"""Running a scenario and reading the count as money: the :class:`Outlay` every command and
report starts from (the chunks, workers and Dask behind it are ``model.runner``)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..model.population import Population
from ..model.runner import run_tally
from ..model.synth import SyntheticPopulation
from ..policy import Scenario

if TYPE_CHECKING:  # loaded while the workers count (_outlay_class), not before they start
    from .outlay import Outlay


def _outlay_class() -> type[Outlay]:
    """The Outlay class, its module loaded on first use: a run with local workers loads it
    beside them (``run_tally``'s ``meanwhile``), not in the start-up they wait for."""
    from .outlay import Outlay

    return Outlay


def run(
    scenario: Scenario | str | Path,
    population: Population | SyntheticPopulation | str | Path | None = None,
    *,
    size: int | None = None,
    seed: int = 0,
    overrides: dict[str, Any] | None = None,
    workers: int | None = None,
    chunk_blocks: int = 4,
    engine: str = "local",
    scheduler: str | None = None,
    progress: bool | None = None,
    counts: dict[str, int] | None = None,
) -> Outlay:
    """Run a scenario over a population and return the :class:`~simulate.results.outlay.Outlay`.

    ``population`` is a person-level CSV path, a :class:`Population`, a
    :class:`SyntheticPopulation`, or None for a synthetic one of ``size`` persons
    (default: the area's residents) drawn with ``seed``; ``counts`` fixes the exact number
    of persons holding an identity (e.g. from the departments' rosters).

    >>> import simulate
    >>> out = simulate.run("scenarios/sinan-2021.yaml", size=10_000, seed=1)
    >>> out.persons
    10000
    >>> sorted(out.to_json()["by_source"])[:2]
    ['county_finance', 'health_commission']
    """
    counted = run_tally(
        scenario,
        population,
        size=size,
        seed=seed,
        overrides=overrides,
        workers=workers,
        chunk_blocks=chunk_blocks,
        engine=engine,
        scheduler=scheduler,
        progress=progress,
        counts=counts,
        meanwhile=_outlay_class,
    )
    out = _outlay_class()(counted.scenario, counted.compiled, counted.tally, counted.villages, counted.meta)
    out.check_conservation()  # before anything prints money: exact, per tier (exit 3 if not)
    return out
