"""The engine's counts made the slow way: one person at a time through the reference
calculation (:func:`.reference.resolve`), the oracle the vectorized :func:`.engine.tally` is
tested against count for count (issue 11 item 4)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from ..policy import Policy
from ..policy.rules import matches
from ..policy.subsidy import OFF_TIME, TIMINGS
from .engine import Tally
from .population import Population
from .reference import own_standard, resolve
from .standards import cells_of, grade_indexes


def tally_reference(policy: Policy, pop: Population) -> Tally:
    """The oracle: the same counts, one person at a time through :func:`reference.resolve`."""
    tier_ids = ("general",) + tuple(t.id for t in policy.tiers)
    index = {tid: i for i, tid in enumerate(tier_ids)}
    n_v = len(pop.villages)
    groups = [g.rule for g in policy.targets.groups]
    out = Tally.zeros(len(tier_ids), n_v, len(groups))
    cells = cells_of(policy)
    if cells.n > 1:
        out.cells = np.zeros((cells.n,) + out.counts.shape, np.int64)
    grades = [g.id for g in policy.contribution.grades()]
    chosen = grade_indexes(cells, pop)
    codes = {sid: c for c, (sid, _, _) in enumerate(policy.contribution.standard_list())}
    for i in range(len(pop)):
        person = pop.person(i, policy.vocab)
        if grades:
            person = replace(person, grade=grades[int(chosen[i])])
        o = resolve(policy, person)
        k = index[o.tier]
        v = int(pop.village[i])
        if o.tie_with:
            out.ties += 1
        if not pop.enrolled[i]:
            out.not_enrolled[k, v] += 1
        elif not o.payment.enrolled:
            out.refused[k, v] += 1
        else:
            out.counts[k, TIMINGS.index(person.timing), v] += 1
            if out.cells is not None:
                seg = int(np.searchsorted(cells.breaks, person.age, side="right"))
                cell = codes[own_standard(policy, person)[0]] * cells.n_ages + seg
                out.cells[cell, k, TIMINGS.index(person.timing), v] += 1
        for g, rule in enumerate(groups):
            if matches(rule, person):
                out.group_members[g, v] += 1
                if pop.enrolled[i] and o.payment.enrolled:
                    out.group_enrolled[g, v] += 1
                    if person.timing not in OFF_TIME:
                        out.group_on_time[g, v] += 1
    return out
