"""Each roster person's tier and payments, worked out once per kind of person (issue 16 item 4).

A million roster persons are a few thousand kinds: the same identities, age, sex, disability
grade, 户籍 type, timing and enrolment give the same tier and the same fen by the engine's
rules. :func:`person_results_by_kind` runs the engine's own per-person results
(:func:`simulate.model.runner.person_results`) on one person of each kind and gives every
person the row of their kind, so the rules stay in the engine.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..model.engine import compile_for_engine
from ..model.population import Population
from ..model.runner import person_results
from ..policy import Scenario
from .arrays import numbered

#: What ``person_results`` reads of a person (beside the scenario): a kind is a distinct
#: combination of these (village and household do not change a person's tier or amounts).
KIND_FIELDS = ("identities", "age", "sex", "disability", "timing", "enrolled", "hukou", "grade")


def kinds(pop: Population) -> tuple[np.ndarray, np.ndarray]:
    """(a person of each kind, the kind of every person) as row indexes of ``pop``."""
    if not len(pop):
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    small = np.zeros(len(pop), np.int64)  # the one-byte fields side by side, 8 bits each (7 fit)
    key = _codes(np.asarray(pop.identities))
    for f in KIND_FIELDS[1:]:
        column = getattr(pop, f)
        if column is None:
            continue
        column = np.asarray(column)
        if column.dtype.itemsize == 1:
            small = small << 8 | column.view(np.uint8).astype(np.int64)
        else:  # a wider field: numbered, then joined to the key
            code = _codes(column)
            key = _codes(key * (int(code.max()) + 1) + code)
    code = _codes(small)
    kind, first = numbered(key * (int(code.max()) + 1) + code)
    return first, kind


def _codes(values: np.ndarray) -> np.ndarray:
    """Each value's number among the distinct values (0 ... distinct - 1, in order of first
    appearance), by hashing in C (pandas): a million persons without a sort per field."""
    return pd.factorize(values, use_na_sentinel=False)[0].astype(np.int64)


def person_results_by_kind(scenario: Scenario, pop: Population) -> pd.DataFrame:
    """``person_results(scenario, pop)``'s tier and fen columns (tier, ``<source>_fen``,
    fiscal_subsidy_fen), worked out once per kind of person."""
    cells = compile_for_engine(scenario.policy).tables.cells
    if cells is not None and cells.grades.size:  # a grade drawn by each person's id: everyone their own kind
        first = kind = np.arange(len(pop))
    else:
        first, kind = kinds(pop)
    some = person_results(scenario, pop.take(first))
    cols = [c for c in some.columns if c == "tier" or c.endswith("_fen")]
    return pd.DataFrame({c: some[c].to_numpy()[kind] for c in cols})
