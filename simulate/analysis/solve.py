"""The most generous parameter value a budget allows, by exact bisection on a fen grid
(``simulate solve``)."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from ..errors import SimulateError
from ..model.population import Population
from ..model.synth import SyntheticPopulation
from ..money import yuan_number
from ..policy import Scenario
from ..results.outlay import Outlay
from .common import common_population, government_fen, run_quiet, scenario_of
from .values import check_fen_grid, number


@dataclass(frozen=True)
class SolveResult:
    """The parameter value that keeps ``source``'s outlay within the budget.

    ``value`` is on the grid ``lo + k * step``; ``outlay_fen`` is the outlay there (≤ the
    budget) and ``next_outlay_fen`` the outlay one step further toward the costly end (> the
    budget), or None when ``value`` is at the end of the range.
    """

    scenario: str
    param: str
    source: str
    budget_fen: int
    value: int | Decimal
    outlay_fen: int
    next_value: int | Decimal | None
    next_outlay_fen: int | None
    direction: str  # "increasing": larger values cost more; "decreasing": the reverse
    evaluations: int

    def to_json(self) -> dict[str, Any]:
        def num(v: Any) -> Any:
            return v if v is None or isinstance(v, int) else float(v)

        return {
            "scenario": self.scenario,
            "param": self.param,
            "source": self.source,
            "budget": yuan_number(self.budget_fen),
            "value": num(self.value),
            "outlay": yuan_number(self.outlay_fen),
            "next_value": num(self.next_value),
            "next_outlay": None if self.next_outlay_fen is None else yuan_number(self.next_outlay_fen),
            "direction": self.direction,
            "evaluations": self.evaluations,
        }


def _source_fen(out: Outlay, source: str) -> int:
    if source == "fiscal_subsidy":
        return out.fiscal_fen()
    if source in ("subsidies", "government"):
        return government_fen(out.source_fen())
    return int(out.source_fen()[out.sources.index(source)])


def _check_source(source: str, known: tuple[str, ...]) -> None:
    if source not in known and source not in ("fiscal_subsidy", "subsidies"):
        options = list(known) + ["fiscal_subsidy", "subsidies"]
        hint = difflib.get_close_matches(source, options, n=1)
        raise SimulateError(
            "--source",
            f"unknown source {source!r}"
            + (f" (did you mean {hint[0]}?)" if hint else f" (one of {', '.join(options)})"),
        )


def _budget_fen(budget_yuan: Any) -> int:
    """The budget in whole fen (yuan read with decimal rules, rounded down)."""
    budget = Decimal(number(budget_yuan, "--budget")) * 100
    if not budget.is_finite() or budget < 0:
        raise SimulateError("--budget", f"must be a non-negative amount in yuan, got {budget_yuan!r}")
    return int(budget.to_integral_value(rounding="ROUND_FLOOR"))


def _grid(lo: Any, hi: Any, step: Any) -> tuple[Decimal, Decimal, int]:
    """(lo, step, number of steps) of the search grid ``lo + k * step``, checked."""
    d_lo, d_hi = Decimal(number(lo, "--lo")), Decimal(number(hi, "--hi"))
    d_step = Decimal(number(step if step is not None else 1, "--step"))
    if d_step <= 0:
        raise SimulateError("--step", f"must be positive, got {step}")
    check_fen_grid(d_step, "--step", "step")
    check_fen_grid(d_lo, "--lo", "--lo")
    if d_hi <= d_lo:
        raise SimulateError("--hi", f"must be above --lo ({lo}), got {hi}")
    n_steps = int((d_hi - d_lo) / d_step)
    if n_steps < 1:
        raise SimulateError("--step", f"step {d_step} is larger than the range {d_lo}..{d_hi}")
    return d_lo, d_step, n_steps


def _check_binding(
    where: str,
    param_path: str,
    budget_fen: int,
    c_cheap: int,
    c_dear: int,
    value: Callable[[int], int | Decimal],
    cheap: int,
    dear: int,
) -> None:
    """Raise unless the budget falls between the outlays at the range's cheap and dear ends."""
    if c_cheap > budget_fen:
        raise SimulateError(
            where,
            f"infeasible: the budget {yuan_number(budget_fen):,} yuan is below the "
            f"outlay {yuan_number(c_cheap):,} yuan already at {param_path}={value(cheap)} "
            f"(the cheapest end of the range); widen the range or raise the budget",
        )
    if c_dear <= budget_fen:
        raise SimulateError(
            where,
            f"not binding: the budget {yuan_number(budget_fen):,} yuan is above the "
            f"outlay {yuan_number(c_dear):,} yuan even at {param_path}={value(dear)} "
            f"(the costliest end of the range); widen the range",
        )


def _costing(
    sc: Scenario,
    pop: Population | SyntheticPopulation,
    seed: int,
    param_path: str,
    source: str,
    d_lo: Decimal,
    d_step: Decimal,
) -> tuple[Callable[[int], int | Decimal], Callable[[int], int], dict[int, int]]:
    """value(k), the parameter at grid point k, and cost(k), ``source``'s outlay there (fen),
    each point run once (the cache, which also counts the runs)."""
    cache: dict[int, int] = {}

    def value(k: int) -> int | Decimal:
        return number(d_lo + k * d_step)

    def cost(k: int) -> int:
        if k not in cache:
            cache[k] = _source_fen(run_quiet(sc.with_overrides({param_path: value(k)}), pop, seed), source)
        return cache[k]

    return value, cost, cache


def _bisect(cost: Callable[[int], int], good: int, bad: int, budget_fen: int) -> tuple[int, int]:
    """Narrow (good, bad) to neighbours keeping cost(good) <= budget < cost(bad)."""
    while abs(bad - good) > 1:
        mid = (good + bad) // 2
        if cost(mid) <= budget_fen:
            good = mid
        else:
            bad = mid
    return good, bad


def solve(
    scenario: Scenario | str | Path,
    param_path: str,
    source: str,
    budget_yuan: Any,
    lo: Any,
    hi: Any,
    step: Any = None,
    population: Population | SyntheticPopulation | str | Path | None = None,
    size: int | None = None,
    seed: int = 0,
    overrides: Mapping[str, Any] | None = None,
) -> SolveResult:
    """The most generous value of ``param_path`` in [lo, hi] whose ``source`` outlay stays within
    ``budget_yuan`` (yuan per year), found by exact bisection on the grid ``lo + k * step``.

    Money is integer fen and outlays are step functions of the parameter, so the search is on
    integers, not floats: the answer ``v`` satisfies outlay(v) ≤ budget < outlay(v + step)
    (for a parameter whose outlay rises with it; the mirror image when it falls). ``source``
    is a funding-source id, ``fiscal_subsidy`` or ``subsidies`` (all sources but the person).
    ``step`` defaults to 1 (yuan or percentage point); use 0.01 for the finest grid.
    Infeasible budgets raise :class:`SimulateError` saying which end fails.

    >>> r = solve("scenarios/daligang-2020.yaml", "tiers.rural_dibao.subsidy.percent",
    ...           "medical_assistance", 200_000, 0, 100, size=20_000)
    >>> r.outlay_fen <= r.budget_fen < r.next_outlay_fen
    True
    """
    sc = scenario_of(scenario, overrides)
    _check_source(source, sc.policy.vocab.source_ids)
    budget_fen = _budget_fen(budget_yuan)
    d_lo, d_step, n_steps = _grid(lo, hi, step)
    pop = common_population(sc, population, size, seed)
    value, cost, cache = _costing(sc, pop, seed, param_path, source, d_lo, d_step)
    c_lo, c_hi = cost(0), cost(n_steps)
    increasing = c_hi >= c_lo
    cheap, dear = (0, n_steps) if increasing else (n_steps, 0)
    c_cheap, c_dear = cost(cheap), cost(dear)
    _check_binding(f"solve {param_path} for {source}", param_path, budget_fen, c_cheap, c_dear, value, cheap, dear)
    # invariant: cost(good) <= budget < cost(bad); good at the cheap side, bad at the dear side
    good, bad = _bisect(cost, cheap, dear, budget_fen)
    return SolveResult(
        sc.id,
        param_path,
        source,
        budget_fen,
        value(good),
        cost(good),
        value(bad),
        cost(bad),
        "increasing" if increasing else "decreasing",
        len(cache),
    )
