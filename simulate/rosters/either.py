"""A roster word that may mean one of several identities (bare 低保: urban or rural?), decided
by the money (issue 15 item 6c).

The default mapping refuses to guess which identity such a word means (``either:`` in
``roster_default.yaml``). Under a scenario the guess may not matter: 郎溪's 低保对象 tier covers
urban and rural dibao with the same subsidy and payer. :func:`judge_for` costs the person of
the row under each reading (the row's other identities, age, sex, disability grade and 户籍
type kept); when every reading gives the same amounts from the same payers the word is taken
as its first reading, else the row is rejected with the amounts that differ.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from ..labels import lang_of
from ..model.reference import resolve
from ..money import yuan_text
from ..policy import Scenario
from ..policy.rules import Person
from ..vocabulary import IDENTITY_IDS, label
from .cells import WORD_SPLIT, reason_text
from .mapping import RosterMapping


@dataclass(frozen=True)
class RowPerson:
    """What a roster row says of its person, besides the word to decide."""

    identities: frozenset[str]
    age: int
    sex: str
    disability_grade: int
    hukou: str


#: (word, the identities it may mean, the row's person) -> the identity taken, or the
#: (English, 简体中文) reason the row is rejected.
Judge = Callable[[str, tuple[str, ...], RowPerson], "str | tuple[str, str]"]


def judge_for(scenario: Scenario) -> Judge:
    """The judge of ``either`` words under ``scenario`` (see the module docstring)."""
    policy = scenario.policy

    def money(ident: str, row: RowPerson) -> tuple[tuple[tuple[str, int], ...], int]:
        person = Person(row.identities | {ident}, row.age, row.sex, row.disability_grade, "regular", row.hukou)
        pay = resolve(policy, person).payment
        return tuple(sorted((s, v) for s, v in pay.pays.items() if v)), pay.fiscal_subsidy

    def judge(word: str, readings: tuple[str, ...], row: RowPerson) -> str | tuple[str, str]:
        amounts = [money(ident, row) for ident in readings]
        if all(a == amounts[0] for a in amounts[1:]):
            return readings[0]
        en, zh = (
            reason_text(
                "either_word",
                lang,
                word=word,
                readings=reason_text("either_or", lang).join(
                    f"{label(i, lang_of(lang))} {_pays(a[0], lang)}" for i, a in zip(readings, amounts)
                ),
            )
            for lang in ("en", "zh")
        )
        return en, zh

    return judge


def _pays(pays: tuple[tuple[str, int], ...], lang: str) -> str:
    """Who pays what, e.g. ``医疗救助基金 342元, 个人 38元``."""
    unit = "元" if lang == "zh" else " yuan"
    return (
        reason_text("either_sep", lang).join(f"{label(s, lang_of(lang))} {yuan_text(v)}{unit}" for s, v in pays) or "-"
    )


def words_to_decide(category_text: str, mapping: RosterMapping) -> list[str]:
    """The ``either`` words of a category cell, in order: where there are none, :func:`settle`
    asks the judge nothing and a row's age and sex do not matter."""
    return [w for w in WORD_SPLIT.split(unicodedata.normalize("NFKC", category_text)) if mapping.readings(w)]


def settle(
    identities: tuple[str, ...],
    category_text: str,
    mapping: RosterMapping,
    judge: Judge,
    age: int,
    sex: str,
    grade: int,
    hukou: str,
    reasons: list[tuple[str, str]],
) -> tuple[str, ...]:
    """The row's identities with each ``either`` word of its category cell decided by
    ``judge`` (the row's other identities, age in whole years, sex M/F, grade and 户籍 type
    kept); a word whose reading changes the money adds its reason to ``reasons``."""
    words = words_to_decide(category_text, mapping)
    held = list(identities)  # every identity the row has kept (local ones too), in order
    for word in words:
        got = judge(word, mapping.readings(word), RowPerson(frozenset(held), age, sex, grade, hukou))
        if isinstance(got, tuple):
            reasons.append(got)
        elif got not in held:
            held.append(got)
    order = {i: n for n, i in enumerate(IDENTITY_IDS)}
    return tuple(sorted(held, key=lambda i: order.get(i, len(order))))  # vocabulary order, as read
