"""``simulate explain``: one person's tier, who pays what, and why, in zh or en."""

from __future__ import annotations

from typing import Any

from .. import labels
from ..model.reference import Outcome, own_standard, resolve
from ..money import yuan_number, yuan_text
from ..policy import Policy, Scenario
from ..policy.rules import Person
from ..policy.subsidy import Payment
from ..vocabulary import Vocabulary


def explain_person(scenario: Scenario, person: Person) -> Outcome:
    """The reference outcome for one person under a scenario."""
    return resolve(scenario.policy, person)


def explain_json(scenario: Scenario, person: Person) -> dict[str, Any]:
    """The DESIGN.md contract: scenario, tier, pays (non-zero sources, yuan), fiscal_subsidy."""
    out = resolve(scenario.policy, person)
    pays = {src: yuan_number(fen) for src, fen in out.payment.pays.items() if fen != 0}
    result: dict[str, Any] = {
        "scenario": scenario.id,
        "tier": out.tier,
        "pays": pays,
        "fiscal_subsidy": yuan_number(out.payment.fiscal_subsidy),
    }
    if not out.payment.enrolled:
        result["enrolled"] = False
    if scenario.policy.contribution.standards:  # several standards: say whose applies
        result["standard"] = own_standard(scenario.policy, person)[0]
    return result


def explain_text(scenario: Scenario, person: Person, lang: str = "zh") -> str:
    """A readable explanation naming the rule, the document section and the tiers considered."""
    pol = scenario.policy
    out = resolve(pol, person)
    lines = _head_lines(scenario, person, lang)
    if len(out.eligible) > 1:
        lines += _considered_lines(pol, out, lang)
    if out.tier == "general":
        lines.append(_t("general", lang))
    else:
        t = next(t for t in pol.tiers if t.id == out.tier)
        lines.append(_t("tier", lang, tier=t.label.get(lang), section=t.section))
        if t.assumption and t.note:
            lines.append(_t("assumption", lang, note=t.note_for(lang)))
    pay = out.payment
    lines += _timing_lines(pol, pay, lang, person.timing.endswith("_after"))
    if pay.enrolled:
        lines += _payment_lines(pay, lang, pol.vocab)
    return "\n".join(lines)


def _t(key: str, lang: str, **fields: Any) -> str:
    """The ``explain`` label ``key`` in ``lang``, its ``{fields}`` filled (str.format)."""
    return labels.text("explain", key, lang).format(**fields)


def _head_lines(scenario: Scenario, person: Person, lang: str) -> list[str]:
    """The scenario and its document, the person, the standards, and any overrides."""
    pol = scenario.policy
    vocab = pol.vocab  # the scenario's: its local identities too
    ids = sorted(person.identities, key=list(vocab.identities).index)
    who = _t("list_sep", lang).join(vocab.label(i, labels.lang_of(lang)) for i in ids)
    attrs = [_t("age", lang, age=person.age), _t("female" if person.sex == "F" else "male", lang)]
    if person.disability_grade:
        attrs.append(_t("disability", lang, grade=person.disability_grade))
    if person.hukou:
        attrs.append(_t("hukou_rural" if person.hukou == "rural" else "hukou_urban", lang))
    attrs.append(TIMING_LABELS.get(person.timing, (person.timing, person.timing))[0 if lang == "zh" else 1])
    doc = pol.document
    title = pol.title.get(lang)
    lines = [
        _t("scenario", lang, title=title, number=doc.number, issuer=doc.issuer, date=doc.date),
        _t("person", lang, who=who or _t("no_identity", lang), attrs=_t("attrs_sep", lang).join(attrs)),
        _standard_line(pol, person, lang),
    ]
    if scenario.overrides:  # a what-if: say what was changed from the document's rules
        changes = _t("overrides_sep", lang).join(f"{k} = {v}" for k, v in scenario.overrides.items())
        lines.append(_t("overrides", lang, changes=changes))
    return lines


def _standard_line(pol: Policy, person: Person, lang: str) -> str:
    """The person's own contribution standard (their group's, or the base one) and its section."""
    sid, personal, fiscal = own_standard(pol, person)
    group = next((s for s in pol.contribution.standards if s.id == sid), None)
    section = group.section if group is not None and group.section else pol.contribution.section
    line = _t("standards", lang, personal=yuan_text(personal), fiscal=yuan_text(fiscal), section=section)
    return line if group is None else _t("standard_group", lang, label=group.label.get(lang)) + line


def _considered_lines(pol: Policy, out: Outcome, lang: str) -> list[str]:
    """The tiers a person with several identities qualifies for, the rule that picks one,
    and how a tie was broken."""
    tiers = {t.id: t for t in pol.tiers}
    rule = _t(f"rule_{out.rule}", lang)
    section = pol.multiple_identities.section
    lines = [_t("qualifies", lang, n=len(out.eligible), rule=rule, section=section)]
    for tid, ind in out.considered:
        t = tiers[tid]
        mark = "→" if tid == out.tier else " "
        lines.append(
            _t("considered", lang, mark=mark, tier=t.label.get(lang), section=t.section, amount=yuan_text(ind))
        )
    if out.tie_with:
        other = "、".join(tiers[t].label.get(lang) for t in out.tie_with)
        lines.append(_t("tie", lang, other=other))
    return lines


def _payment_lines(pay: Payment, lang: str, vocab: Vocabulary) -> list[str]:
    """Who pays what of an enrolled person's contribution, and the fiscal subsidy."""
    lines = [_t("payments", lang)]
    for src, fen in pay.pays.items():
        if fen:
            lines.append(_t("pays", lang, source=vocab.label(src, labels.lang_of(lang)), amount=yuan_text(fen)))
    if all(f == 0 for f in pay.pays.values()):
        lines.append(_t("nothing", lang))
    lines.append(_t("fiscal", lang, amount=yuan_text(pay.fiscal_subsidy)))
    return lines


#: Each timing class in words (zh, en), for explanations and run summaries.
TIMING_LABELS = labels.pairs("timing")


def _timing_lines(pol: Policy, pay: Payment, lang: str, after: bool = False) -> list[str]:
    """What decided a payer's treatment outside the collection period, with its section."""
    t = pol.timing
    if pay.decided_by == "extension" and t.extension is not None:
        who = t.extension.who.get(lang)
        how = _t("how_as_regular", lang)
        return [_t("extension", lang, who=who, until=t.extension.until, how=how, section=t.extension.section)]
    if pay.decided_by == "late" and pay.late_rule:
        return [_t("late", lang, how=_t(f"how_{pay.treatment}", lang), section=t.late.section)]
    if pay.decided_by and pay.decided_by != "late":
        w = t.window(pay.decided_by)
        if w is not None:
            days = _t("days", lang, days=w.days) if w.days else _t("the_year", lang)
            head = _t("after_window" if after else "within_window", lang)
            how = _t(f"how_{pay.treatment}", lang)
            return [_t("window", lang, head=head, days=days, how=how, section=w.section)]
    return []
