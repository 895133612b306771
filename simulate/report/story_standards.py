"""The report's breakdown by contribution standard (issue 15 item 2): for a scenario with
age-banded, student or graded standards, one row per standard with its enrolled persons, the
personal contributions and each source's subsidy, in yuan (docs/subsidy-forms.md)."""

from __future__ import annotations

from typing import Any

from .. import labels
from ..money import yuan_float, yuan_text
from .story import section, table_html, with_total


def _t(key: str, lang: str) -> str:
    return labels.text("standards", key, lang)


def standards_frame(result: Any, lang: str = "zh") -> Any:
    """One row per standard: name, personal standard, enrolled, personal contributions total
    and each subsidising source (yuan); None when the scenario has one standard."""
    import pandas as pd

    contribution = result.scenario.policy.contribution
    if not contribution.standards:
        return None
    names = {s.id: s.label.get(lang) for s in contribution.standards}
    persons, fen = result.standard_source_fen()
    paying = [j for j, _ in enumerate(result.sources) if j and fen[:, j].any()]
    rows = []
    for k, (sid, personal, _) in enumerate(contribution.standard_list()):
        if k == 0 and contribution.grades():
            continue  # everyone no group takes chooses a grade: nobody has the base standard
        row = {
            "key": sid,
            _t("standard", lang): names.get(sid, _t("base", lang)),
            _t("personal", lang): yuan_text(personal),
            _t("enrolled", lang): int(persons[k]),
            _t("individual", lang): yuan_float(fen[k, 0]),
        }
        for j in paying:
            row[result.vocab.label(result.sources[j], labels.lang_of(lang))] = yuan_float(fen[k, j])
        rows.append(row)
    frame = pd.DataFrame(rows)
    return with_total(frame, lang, _t("standard", lang), skip=(_t("personal", lang),))


def standards_section(result: Any, lang: str = "zh") -> str:
    """The section's HTML, or "" when the scenario has one standard."""
    frame = standards_frame(result, lang)
    if frame is None:
        return ""
    return section(_t("title", lang), table_html(frame, lang), _t("note", lang))
