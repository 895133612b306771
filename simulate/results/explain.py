"""``simulate explain``: one person's tier, who pays what, and why, in zh or en."""

from __future__ import annotations

from typing import Any

from .. import labels
from ..model.reference import Outcome, own_standard, resolve
from ..money import yuan_number, yuan_text
from ..policy import Scenario
from ..policy.rules import Person
from ..vocabulary import IDENTITIES, label


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
    zh = lang == "zh"
    tiers = {t.id: t for t in pol.tiers}
    ids = sorted(person.identities, key=list(IDENTITIES).index)
    who = "、".join(label(i, lang) for i in ids) if zh else ", ".join(label(i, lang) for i in ids)
    attrs = []
    if zh:
        attrs.append(f"{person.age}岁")
        attrs.append("女" if person.sex == "F" else "男")
        if person.disability_grade:
            attrs.append(f"{person.disability_grade}级残疾")
        if person.hukou:
            attrs.append("农村户籍" if person.hukou == "rural" else "城镇户籍")
        attrs.append(TIMING_LABELS.get(person.timing, (person.timing, person.timing))[0])
    else:
        attrs.append(f"age {person.age}")
        attrs.append("female" if person.sex == "F" else "male")
        if person.disability_grade:
            attrs.append(f"disability grade {person.disability_grade}")
        if person.hukou:
            attrs.append(f"{person.hukou} hukou")
        attrs.append(TIMING_LABELS.get(person.timing, (person.timing, person.timing))[1])
    lines = []
    doc = pol.document
    sid, personal, fiscal = own_standard(pol, person)  # the person's own standard
    group = next((s for s in pol.contribution.standards if s.id == sid), None)
    section = group.section if group is not None and group.section else pol.contribution.section
    if zh:
        lines.append(f"情景：{pol.title.zh}（{doc.number}，{doc.issuer}，{doc.date}）")
        lines.append(f"人员：{who or '无特殊身份'}；{'，'.join(attrs)}")
        lines.append(
            ("" if group is None else f"适用缴费标准：{group.label.zh}；")
            + f"个人缴费标准 {yuan_text(personal)} 元，财政补助 {yuan_text(fiscal)} 元（{section}）"
        )
    else:
        lines.append(f"Scenario: {pol.title.en} ({doc.number}, {doc.issuer}, {doc.date})")
        lines.append(f"Person: {who or 'no hardship identity'}; {', '.join(attrs)}")
        lines.append(
            ("Personal" if group is None else f"Standard: {group.label.en}; personal")
            + f" standard {yuan_text(personal)} yuan, fiscal subsidy {yuan_text(fiscal)} yuan (section {section})"
        )
    if scenario.overrides:  # a what-if: say what was changed from the document's rules
        changes = (
            "；".join(f"{k} = {v}" for k, v in scenario.overrides.items())
            if zh
            else "; ".join(f"{k} = {v}" for k, v in scenario.overrides.items())
        )
        lines.append(
            f"参数调整（假设情景，非文件规定）：{changes}"
            if zh
            else f"Overrides (a what-if, not the document): {changes}"
        )
    rule_name = {
        "priority": ("按优先顺序（首个符合的档次）", "priority order (the first tier that applies)"),
        "highest_benefit": ("就高（个人缴费最少的档次）", "highest benefit (the tier where the person pays least)"),
    }
    if len(out.eligible) > 1:
        rn = rule_name[out.rule][0 if zh else 1]
        head = (
            f"符合 {len(out.eligible)} 个档次，多重身份规则：{rn}，依据 {pol.multiple_identities.section}"
            if zh
            else f"Qualifies for {len(out.eligible)} tiers; multiple-identity rule: {rn}, section {pol.multiple_identities.section}"
        )
        lines.append(head)
        for tid, ind in out.considered:
            t = tiers[tid]
            mark = "→" if tid == out.tier else " "
            if zh:
                lines.append(f"  {mark} {t.label.zh}（{t.section}）：个人缴 {yuan_text(ind)} 元")
            else:
                lines.append(f"  {mark} {t.label.en} (section {t.section}): person pays {yuan_text(ind)} yuan")
        if out.tie_with:
            other = "、".join(tiers[t].label.get(lang) for t in out.tie_with)
            lines.append(
                f"  与 {other} 同等优惠，按文件列出顺序取前者"
                if zh
                else f"  tied with {other}; broken by the order the document lists them"
            )
    if out.tier == "general":
        lines.append(
            "不符合任何资助档次，按普通群体缴费。"
            if zh
            else "No subsidy tier applies: the person pays as the general population."
        )
    else:
        t = tiers[out.tier]
        lines.append(f"适用档次：{t.label.zh}（{t.section}）" if zh else f"Tier: {t.label.en} (section {t.section})")
        if t.assumption and t.note:
            lines.append(f"  假设：{t.note_for('zh')}" if zh else f"  Assumption: {t.note}")
    pay = out.payment
    lines += _timing_lines(pol, pay, zh, person.timing.endswith("_after"))
    if pay.enrolled:
        lines.append("缴费：" if zh else "Payments:")
        for src, fen in pay.pays.items():
            if fen:
                lines.append(
                    f"  {label(src, lang)}：{yuan_text(fen)} 元"
                    if zh
                    else f"  {label(src, lang)}: {yuan_text(fen)} yuan"
                )
        if all(f == 0 for f in pay.pays.values()):
            lines.append("  （无）" if zh else "  (nothing)")
        lines.append(
            f"财政补助（进入基金）：{yuan_text(pay.fiscal_subsidy)} 元"
            if zh
            else f"Fiscal subsidy paid into the fund: {yuan_text(pay.fiscal_subsidy)} yuan"
        )
    return "\n".join(lines)


#: Each timing class in words (zh, en), for explanations and run summaries.
TIMING_LABELS = labels.pairs("timing")

_HOW_TEXT = {
    "full_financing": (
        "按个人缴费与财政补助之和缴纳，不享受资助",
        "the person pays the standard plus the fiscal subsidy, no subsidy",
    ),
    "fixed_charge": ("按文件规定的金额缴纳，不享受资助", "the person pays the amount the document states, no subsidy"),
    "personal": ("按个人缴费标准缴纳，不享受资助", "the person pays the personal standard, no subsidy"),
    "not_accepted": ("不予参保", "not accepted: the person cannot enroll"),
    "as_regular": ("与集中征缴期内相同（享受资助档次）", "as in the collection period, with the subsidy tier"),
}


def _timing_lines(pol, pay, zh: bool, after: bool = False) -> list[str]:
    """What decided a payer's treatment outside the collection period, with its section."""
    t = pol.timing
    if pay.decided_by == "extension" and t.extension is not None:
        who = t.extension.who.get("zh" if zh else "en")
        return [
            f"延长缴费期（{who}，至{t.extension.until}）：{_HOW_TEXT['as_regular'][0]}（{t.extension.section}）"
            if zh
            else f"Extension ({who}, to {t.extension.until}): {_HOW_TEXT['as_regular'][1]} "
            f"(section {t.extension.section})"
        ]
    if pay.decided_by == "late" and pay.late_rule:
        how = _HOW_TEXT[pay.treatment]
        return [
            f"征缴期外缴费：{how[0]}（{t.late.section}）"
            if zh
            else f"Late payment: {how[1]} (section {t.late.section})"
        ]
    if pay.decided_by and pay.decided_by != "late":
        w = t.window(pay.decided_by)
        if w is not None:
            days = (f"{w.days}天" if zh else f"{w.days} days") if w.days else ("当年" if zh else "the year")
            how = _HOW_TEXT[pay.treatment]
            head = (
                ("超过窗口期" if after else "窗口期内")
                if zh
                else ("After the window" if after else "Within the window")
            )
            return [
                f"{head}（{days}）：{how[0]}（{w.section}）"
                if zh
                else f"{head} ({days}): {how[1]} (section {w.section})"
            ]
    return []
