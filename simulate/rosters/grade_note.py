"""The contribution grade (档次) of roster persons: rosters record none, so in a scenario whose
people choose a grade (一档/二档, docs/subsidy-forms.md) each person not in a ``who`` group
is billed at the scenario's first grade, as ``simulate explain`` reads a person without
``--grade``, and the bill says how many (名册统计, the printed summary)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import labels
from ..model.population import Population
from ..model.standards import cells_of
from ..policy import Scenario
from ..policy.rules import mask_of


def first_grade_column(scenario: Scenario, n: int) -> np.ndarray | None:
    """``Population.grade`` for ``n`` roster persons: grade index + 1 = 1 (the first grade) for
    everyone when the scenario has grades (a ``who`` group still takes its members), else None."""
    return np.ones(n, np.uint8) if scenario.policy.contribution.grades() else None


def ungraded(scenario: Scenario, pop: Population) -> int:
    """How many persons are billed at the first grade for want of a recorded grade: those no
    ``who`` group takes, when the scenario's people choose a grade (else 0)."""
    if not scenario.policy.contribution.grades():
        return 0
    grouped = np.zeros(len(pop), bool)
    for _, rule in cells_of(scenario.policy).who:
        grouped |= mask_of(rule, pop.identities, pop.age, pop.sex, pop.disability, pop.hukou)
    return int((~grouped).sum())


def ungraded_note(scenario: Scenario, n: int, lang: str) -> str | None:
    """The bill's line saying ``n`` persons were billed at the first grade (None when none)."""
    if not n:
        return None
    first = scenario.policy.contribution.grades()[0].label.get(lang)
    return labels.text("roster", "ungraded", lang).format(n=n, grade=first)


def with_ungraded_row(frame: pd.DataFrame, note: str | None, first_column: str) -> pd.DataFrame:
    """名册统计 with the note as its last row (in its first column), when there is one."""
    if note is None:
        return frame
    # counts stay whole numbers (object columns, the note's row empty) rather than floats with NaN
    columns = {c: [*frame[c].tolist(), note if c == first_column else None] for c in frame.columns}
    return pd.DataFrame(columns, dtype=object)
