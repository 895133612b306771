"""simulate: who pays the resident medical-insurance contribution, county by county.

>>> import simulate
>>> sc = simulate.load_scenario("scenarios/sinan-2021.yaml")
>>> sc.policy.contribution.personal   # fen
28000
"""
from __future__ import annotations

__version__ = "0.1.0"

from .errors import PopulationError, ScenarioError, SimulateError
from .explain import explain_json, explain_text
from .policy import Policy, Scenario, load_scenario
from .outlay import Outlay
from .population import Population, read_population_csv
from .rules import Person
from .runner import by_household, person_results, run
from .synth import SyntheticPopulation, synthesize
from .vocabulary import IDENTITIES, SOURCES, label

__all__ = [
    "__version__", "load_scenario", "Scenario", "Policy", "Person", "explain_json", "explain_text",
    "IDENTITIES", "SOURCES", "label", "SimulateError", "ScenarioError", "PopulationError",
    "run", "synthesize", "Outlay", "Population", "SyntheticPopulation", "read_population_csv",
    "person_results", "by_household",
]
