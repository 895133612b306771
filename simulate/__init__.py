"""simulate: who pays the resident medical-insurance contribution, county by county.

>>> import simulate
>>> sc = simulate.load_scenario("scenarios/sinan-2021.yaml")
>>> sc.policy.contribution.personal   # fen
28000

The public names below are loaded on first use (PEP 562), so ``import simulate`` stays
light: the command line starts without pandas, matplotlib or papermill until a command needs
them (issue 11 item 6).
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

#: Public name -> the module that defines it (imported when the name is first used).
_PUBLIC: dict[str, str] = {
    "Comparison": "simulate.analysis",
    "SolveResult": "simulate.analysis",
    "compare": "simulate.analysis",
    "expected_value": "simulate.analysis",
    "monte_carlo": "simulate.analysis",
    "multi_year": "simulate.analysis",
    "solve": "simulate.analysis",
    "sweep": "simulate.analysis",
    "RosterBill": "simulate.rosters.bill",
    "roster_bill": "simulate.rosters.bill",
    "PopulationError": "simulate.errors",
    "ScenarioError": "simulate.errors",
    "SimulateError": "simulate.errors",
    "explain_json": "simulate.results.explain",
    "explain_text": "simulate.results.explain",
    "Policy": "simulate.policy",
    "Scenario": "simulate.policy",
    "load_scenario": "simulate.policy",
    "Outlay": "simulate.results.outlay",
    "Population": "simulate.model.population",
    "read_population": "simulate.model.population",
    "read_population_csv": "simulate.model.population",
    "run_region": "simulate.results.region",
    "RosterMapping": "simulate.rosters.mapping",
    "merge_rosters": "simulate.rosters.merge",
    "read_roster": "simulate.rosters.roster",
    "Person": "simulate.policy.rules",
    "by_household": "simulate.model.runner",
    "person_results": "simulate.model.runner",
    "run": "simulate.results.run",
    "SyntheticPopulation": "simulate.model.synth",
    "synthesize": "simulate.model.synth",
    "IDENTITIES": "simulate.vocabulary",
    "SOURCES": "simulate.vocabulary",
    "label": "simulate.vocabulary",
}

__all__ = ["__version__", *_PUBLIC]


def __getattr__(name: str) -> Any:
    """The public name ``name``, imported from its module on first use and then cached."""
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module 'simulate' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_PUBLIC))
