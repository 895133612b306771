"""Policy: the scenario schema, eligibility rules, subsidy arithmetic, loading and overrides.

``load_scenario`` reads a county's YAML file (with its ``extends`` chain and any ``--set``
overrides) into a validated, immutable :class:`Policy` held by a :class:`Scenario`.
"""

from __future__ import annotations

from .models import FiscalSplit, Flagged, Rule, Subsidy, Tier
from .scenario import Scenario, load_scenario
from .schema import EVENTS, Behaviour, Policy, ignored_fields

__all__ = [
    "Scenario",
    "load_scenario",
    "EVENTS",
    "Behaviour",
    "FiscalSplit",
    "Policy",
    "Rule",
    "Subsidy",
    "Tier",
    "ignored_fields",
    "Flagged",
]
