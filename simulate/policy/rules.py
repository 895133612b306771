"""Eligibility rules evaluated for one person (reference) or for arrays of people (fast).

The two evaluators are written separately on purpose: the per-person one is the plain
reading of the rule language, the array one is what the engine uses, and property tests
check that they agree.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from ..vocabulary import IDENTITY_BIT
from .models import Rule

SEX_CODE = {"F": 0, "M": 1}
#: 户籍 type codes in population columns; 0 means not recorded (matches either kind of rule).
HUKOU_CODE = {"": 0, "rural": 1, "urban": 2}
HUKOU_OF_CODE = {v: k for k, v in HUKOU_CODE.items()}


@dataclass(frozen=True)
class Person:
    """One person as the policy sees them: identities, age (whole years), sex, grade 0–4,
    timing class (``reference.TIMINGS``), 户籍 type (``rural``, ``urban``, "" unknown) and
    the contribution grade chosen, if any."""

    identities: frozenset[str] = field(default_factory=frozenset)
    age: int = 40
    sex: str = "F"
    disability_grade: int = 0
    timing: str = "regular"
    hukou: str = ""
    grade: str = ""  # the grade (a ``contribution.standards`` id with share) chosen; "" not recorded


def matches(rule: Rule | str, person: Person) -> bool:
    """Whether one person satisfies a rule (every key given must hold)."""
    if isinstance(rule, str):
        return rule in person.identities
    if rule.identity is not None and rule.identity not in person.identities:
        return False
    if rule.any is not None and not any(matches(r, person) for r in rule.any):
        return False
    if rule.all is not None and not all(matches(r, person) for r in rule.all):
        return False
    if rule.not_ is not None and matches(rule.not_, person):
        return False
    if rule.age is not None and not (rule.age.min <= person.age <= rule.age.max):
        return False
    if rule.sex is not None and person.sex != rule.sex:
        return False
    if rule.disability_grade is not None and person.disability_grade not in rule.disability_grade:
        return False
    # a person whose 户籍 type is not recorded is not excluded by a hukou rule
    return rule.hukou is None or not person.hukou or person.hukou == rule.hukou


def mask_of(
    rule: Rule | str,
    identities: np.ndarray,
    age: np.ndarray,
    sex: np.ndarray,
    disability: np.ndarray,
    hukou: np.ndarray | None = None,
    bits: Mapping[str, int] = IDENTITY_BIT,
) -> np.ndarray:
    """Boolean array: which people (columns of equal length) satisfy the rule.

    ``hukou`` holds ``HUKOU_CODE`` values; None (no column) means no one's type is recorded.
    ``bits`` is the identity bit of each id (the scenario's ``vocab.identity_bit`` when it
    declares local identities); ``identities`` is a uint32 or uint64 mask column.
    """
    word = identities.dtype.type
    if isinstance(rule, str):
        has: np.ndarray = (identities & word(1 << bits[rule])) != 0
        return has
    # the conditions given, ANDed: the first one is the start (no array of ones to AND into)
    parts: list[np.ndarray] = []
    if rule.identity is not None:
        parts.append((identities & word(1 << bits[rule.identity])) != 0)
    if rule.any is not None:
        ids = [r for r in rule.any if isinstance(r, str)]
        held = 0
        for i in ids:  # OR, not sum: an id listed twice must not carry into the next bit
            held |= 1 << bits[i]
        # identities only: one bit test for the whole list
        acc = (identities & word(held)) != 0 if ids else np.zeros(identities.shape[0], dtype=bool)
        for r in rule.any:
            if not isinstance(r, str):
                acc |= mask_of(r, identities, age, sex, disability, hukou, bits)
        parts.append(acc)
    if rule.all is not None:
        parts += [mask_of(r, identities, age, sex, disability, hukou, bits) for r in rule.all]
    if rule.not_ is not None:
        parts.append(~mask_of(rule.not_, identities, age, sex, disability, hukou, bits))
    if rule.age is not None:
        parts.append((age >= rule.age.min) & (age <= rule.age.max))
    if rule.sex is not None:
        parts.append(sex == SEX_CODE[rule.sex])
    if rule.disability_grade is not None:  # a few grades (0-4): compared one by one, faster than np.isin
        grade = np.zeros(identities.shape[0], dtype=bool)
        for g in rule.disability_grade:
            grade |= disability == g
        parts.append(grade)
    if rule.hukou is not None and hukou is not None:
        parts.append((hukou == HUKOU_CODE[rule.hukou]) | (hukou == 0))
    if not parts:  # nothing that applies (a hukou rule without the column): everyone
        return np.ones(identities.shape[0], dtype=bool)
    out = parts[0]
    for part in parts[1:]:
        out &= part
    return out


def uses_hukou(rule: Rule | str) -> bool:
    """Whether ``rule`` tests the 户籍 type, itself or in any of its any/all/not parts (an
    identity name never does)."""
    if isinstance(rule, str):
        return False
    parts = (rule.any or ()) + (rule.all or ()) + ((rule.not_,) if rule.not_ is not None else ())
    return rule.hukou is not None or any(uses_hukou(p) for p in parts)


def can_match_plain(rule: Rule | str, bits: Mapping[str, int] = IDENTITY_BIT) -> bool:
    """Whether someone with no identity and no disability could satisfy the rule.

    The engine resolves tiers only for people holding an identity or a disability grade;
    this tells it when it must look at everyone instead.
    """
    ages = np.arange(0, 151, dtype=np.int16)
    n = ages.shape[0] * 2
    return bool(
        mask_of(
            rule,
            np.zeros(n, np.uint64),
            np.concatenate([ages, ages]),
            np.repeat(np.array([0, 1], np.uint8), ages.shape[0]),
            np.zeros(n, np.uint8),
            bits=bits,
        ).any()
    )
