"""simulate: who pays the resident medical-insurance contribution, county by county.

>>> import simulate
>>> sc = simulate.load_scenario("scenarios/sinan-2021.yaml")
>>> sc.policy.contribution.personal   # fen
28000
"""
from __future__ import annotations

__version__ = "0.1.0"

from .analysis import (Comparison, SolveResult, compare, expected_value, monte_carlo, multi_year,
                       solve, sweep)
from .bill import RosterBill, roster_bill
from .errors import PopulationError, ScenarioError, SimulateError
from .explain import explain_json, explain_text
from .policy import Policy, Scenario, load_scenario
from .outlay import Outlay
from .population import Population, read_population, read_population_csv
from .region import run_region
from .roster import RosterMapping, merge_rosters, read_roster
from .rules import Person
from .runner import by_household, person_results, run
from .synth import SyntheticPopulation, synthesize
from .vocabulary import IDENTITIES, SOURCES, label

__all__ = [
    "__version__", "load_scenario", "Scenario", "Policy", "Person", "explain_json", "explain_text",
    "IDENTITIES", "SOURCES", "label", "SimulateError", "ScenarioError", "PopulationError",
    "run", "synthesize", "Outlay", "Population", "SyntheticPopulation", "read_population", "read_population_csv",
    "person_results", "by_household", "compare", "sweep", "solve", "monte_carlo", "expected_value",
    "multi_year", "Comparison", "SolveResult", "roster_bill", "RosterBill", "RosterMapping",
    "read_roster", "merge_rosters", "run_region",
]
