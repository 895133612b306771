"""The budget headline of a run: what is financed, what government spends, what the county bears.

DESIGN.md, "Money and accounting rules": 筹资总额 is the personal standard plus the fiscal
subsidy of everyone enrolled; 政府支出合计 is every payer but the person, the fiscal subsidy,
work funds and awards; 县级负担 is county finance, each county-level department, the county's
share of the fiscal subsidy and the work funds and awards the county pays. Medical assistance
and "government, source not named" stay on their own lines unless the scenario gives a cited
split (``budget.*_split``). Every figure is integer fen and every part adds up to the fen.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from .. import labels
from ..money import largest_remainder, yuan_number
from ..policy import Policy
from ..vocabulary import label

if TYPE_CHECKING:  # pandas loads only when a table is built (import simulate stays light)
    import pandas as pd


class RunFigures(Protocol):
    """The figures of a run the headline is made of (an :class:`~simulate.results.outlay.Outlay`
    has them); named here so that the headline does not import the outlay that shows it."""

    scenario: Any

    @property
    def persons(self) -> int: ...
    @property
    def enrolled(self) -> int: ...
    def source_fen(self) -> np.ndarray: ...
    def fiscal_fen(self) -> int: ...
    def fiscal_split_fen(self) -> dict[str, int]: ...
    def work_funds_fen(self) -> Any: ...
    def awards_fen(self) -> int: ...


#: County-level departments that pay subsidies, each its own line of the county's burden.
COUNTY_DEPARTMENTS = ("veterans_affairs", "disabled_federation", "health_commission", "rural_revitalization")
#: Sources the documents do not place at a government level.
UNPLACED = ("medical_assistance", "unspecified_government")
LEVELS = ("central", "provincial", "city", "county")
GROUPS = ("financing", "county", "separate", "other_levels")

#: The headline's words by id, (zh, en) (labels.yaml, section budget).
_WORDS: dict[str, tuple[str, str]] = labels.pairs("budget")


def word(key: str, lang: str) -> str:
    """A headline label in zh or en."""
    return labels.text("budget", key, lang)


def split_fen(total: int, percents: dict[str, Any]) -> dict[str, int]:
    """``total`` fen split by percents that add up to 100 (hundredths exact), the parts adding
    up exactly: :func:`simulate.money.largest_remainder`, ties to the first key."""
    weights = np.array([int(percents[k] * 100) for k in percents], dtype=np.int64)
    return dict(zip(percents, (int(x) for x in largest_remainder(total, weights))))


@dataclass(frozen=True)
class Line:
    """One line of the headline: a key (``county_finance``, ``fiscal_subsidy.county``, …),
    the group it belongs to, its amount in fen and its zh/en labels."""

    key: str
    group: str
    fen: int
    zh: str
    en: str
    assumption: bool = False

    def label(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


@dataclass(frozen=True)
class Headline:
    """The budget headline of one run, integer fen; ``lines`` hold every part by group."""

    persons: int
    enrolled: int
    lines: tuple[Line, ...]

    def group(self, name: str) -> tuple[Line, ...]:
        return tuple(ln for ln in self.lines if ln.group == name)

    def total(self, name: str) -> int:
        return sum(ln.fen for ln in self.group(name))

    @property
    def financing_total(self) -> int:
        return self.total("financing")

    @property
    def county_burden(self) -> int:
        return self.total("county")

    @property
    def government_total(self) -> int:
        return self.county_burden + self.total("separate") + self.total("other_levels")

    def line(self, key: str) -> Line | None:
        return next((ln for ln in self.lines if ln.key == key), None)

    def per_capita(self, fen: int) -> float:
        """Yuan per enrolled person, to the fen (display only; the amounts are exact)."""
        return round(fen / self.enrolled / 100, 2) if self.enrolled else 0.0

    def totals(self) -> dict[str, int]:
        """The three headline figures in fen."""
        return {
            "financing_total": self.financing_total,
            "government_total": self.government_total,
            "county_burden": self.county_burden,
        }

    def to_json(self) -> dict[str, Any]:
        """Yuan numbers: the three totals, every line by group, and 人均 per enrolled person."""
        out: dict[str, Any] = {k: yuan_number(v) for k, v in self.totals().items()}
        out["per_capita"] = {k: self.per_capita(v) for k, v in self.totals().items()}
        out["enrolled"] = self.enrolled
        out["per_capita_basis"] = "enrolled"
        for g in GROUPS:
            out[g] = {ln.key: yuan_number(ln.fen) for ln in self.group(g)}
        out["lines"] = [
            {
                "key": ln.key,
                "group": ln.group,
                "label_zh": ln.zh,
                "label_en": ln.en,
                "yuan": yuan_number(ln.fen),
                "per_capita": self.per_capita(ln.fen),
                **({"assumption": True} if ln.assumption else {}),
            }
            for ln in self.lines
        ]
        return out

    def rows(self, lang: str = "zh") -> list[tuple[str, str, int, bool]]:
        """Display rows (key, label, fen, is_total) in reading order: each total, then its parts."""
        of = word("of_which", lang)
        out: list[tuple[str, str, int, bool]] = [
            ("financing_total", word("financing_total", lang), self.financing_total, True)
        ]
        out += [(ln.key, of + ln.label(lang), ln.fen, False) for ln in self.group("financing")]
        out.append(("government_total", word("government_total", lang), self.government_total, True))
        out.append(("county_burden", word("county_burden", lang), self.county_burden, True))
        out += [(ln.key, of + ln.label(lang), ln.fen, False) for ln in self.group("county")]
        for g in ("separate", "other_levels"):
            lines = self.group(g)
            if lines:
                out.append((g, word(g, lang), self.total(g), True))
                out += [(ln.key, of + ln.label(lang), ln.fen, False) for ln in lines]
        return out

    def frame(self, lang: str = "zh") -> pd.DataFrame:
        """The headline as a table: 项目, 金额（元）, 人均（元/参保人）; totals flagged."""
        import pandas as pd

        item, amount, per_capita = (word(k, lang) for k in ("item", "amount", "per_capita"))
        return pd.DataFrame(
            [
                {
                    "key": k,
                    "total": t,
                    item: text,
                    amount: fen / 100,
                    per_capita: self.per_capita(fen),
                }
                for k, text, fen, t in self.rows(lang)
            ]
        )

    def check(self, outlay: RunFigures) -> None:
        """Raise AssertionError unless the headline adds up to the outlay's figures to the fen."""
        fen = outlay.source_fen()
        fiscal = outlay.fiscal_fen()
        wf = outlay.work_funds_fen()
        extra = (int(wf["total"].sum()) if wf is not None else 0) + outlay.awards_fen()
        assert self.financing_total == int(fen.sum()) + fiscal, "financing total"
        assert self.government_total == int(fen[1:].sum()) + fiscal + extra, "government total"


def _level_label(source_zh: str, source_en: str, level: str, percent: Any) -> tuple[str, str]:
    """``财政补助县级分担（10%）`` / ``fiscal subsidy, county share (10%)``."""
    pct = f"{percent:g}%"
    return _both(
        "level_share", source=(source_zh, source_en), level=(label(level, "zh"), label(level, "en")), percent=(pct, pct)
    )


def _both(key: str, **fields: tuple[str, str]) -> tuple[str, str]:
    """The budget template ``key`` filled in zh and in en; each field is given as (zh, en)."""
    zh = labels.text("budget", key, "zh").format(**{k: v[0] for k, v in fields.items()})
    en = labels.text("budget", key, "en").format(**{k: v[1] for k, v in fields.items()})
    return zh, en


def headline(outlay: RunFigures) -> Headline:
    """The budget headline of a run (fen), from its outlay by source, fiscal split and work funds."""
    pol = outlay.scenario.policy
    fen = {s: int(f) for s, f in zip(pol.vocab.source_ids, outlay.source_fen())}
    fiscal = outlay.fiscal_fen()
    lines: list[Line] = [
        Line("individual", "financing", fen["individual"], *_WORDS["individual"]),
        Line("subsidies", "financing", sum(v for s, v in fen.items() if s != "individual"), *_WORDS["subsidies"]),
        Line("fiscal_subsidy", "financing", fiscal, *_WORDS["fiscal_subsidy"]),
    ]
    county, others = _county_and_fiscal_lines(pol, fen, outlay.fiscal_split_fen())
    separate = _unplaced_lines(pol, fen, county, others)
    _work_fund_lines(outlay, county, separate)
    return Headline(outlay.persons, outlay.enrolled, tuple(lines + county + separate + others))


def _county_and_fiscal_lines(
    pol: Policy, fen: dict[str, int], by_level: dict[str, int]
) -> tuple[list[Line], list[Line]]:
    """County finance, the county-level departments that pay and the county's share of the
    fiscal subsidy; and the other levels' shares of it: (county lines, other-level lines)."""
    split = pol.contribution.fiscal_subsidy_split
    fs_zh, fs_en = _WORDS["fiscal_subsidy"]
    local = [(t, fen[t.id]) for t in pol.vocab.local_sources() if fen[t.id]]  # at their own level
    county: list[Line] = [
        Line(
            "county_finance",
            "county",
            fen["county_finance"],
            label("county_finance", "zh"),
            label("county_finance", "en"),
        )
    ]
    county += [Line(s, "county", fen[s], label(s, "zh"), label(s, "en")) for s in COUNTY_DEPARTMENTS if fen[s]]
    county += [Line(t.id, "county", f, t.zh, t.en) for t, f in local if t.level == "county"]
    county.append(
        Line(
            "fiscal_subsidy.county",
            "county",
            by_level["county"],
            *_level_label(fs_zh, fs_en, "county", split.county),
            assumption=split.assumption,
        )
    )
    others: list[Line] = [
        Line(
            f"fiscal_subsidy.{lv}",
            "other_levels",
            by_level[lv],
            *_level_label(fs_zh, fs_en, lv, getattr(split, lv)),
            assumption=split.assumption,
        )
        for lv in LEVELS[:-1]
    ]
    others += [Line(t.id, "other_levels", f, t.zh, t.en) for t, f in local if t.level != "county"]
    return county, others


def _unplaced_lines(pol: Policy, fen: dict[str, int], county: list[Line], others: list[Line]) -> list[Line]:
    """Medical assistance and "source not named": their own lines, or, where the scenario
    cites a split by level, a part in ``county`` and parts in ``others``; returns the own lines."""
    separate: list[Line] = []
    for s in UNPLACED:
        given = getattr(pol.budget, f"{s}_split")
        if given is None:
            if fen[s]:
                separate.append(Line(s, "separate", fen[s], label(s, "zh"), label(s, "en")))
            continue
        parts = split_fen(fen[s], {lv: getattr(given, lv) for lv in LEVELS})
        for lv in LEVELS:
            if getattr(given, lv) or parts[lv]:
                ln = Line(
                    f"{s}.{lv}",
                    "county" if lv == "county" else "other_levels",
                    parts[lv],
                    *_both(
                        "set_by_scenario", line=_level_label(label(s, "zh"), label(s, "en"), lv, getattr(given, lv))
                    ),
                    assumption=given.assumption,
                )
                (county if lv == "county" else others).append(ln)
    return separate


def _work_fund_lines(outlay: RunFigures, county: list[Line], separate: list[Line]) -> None:
    """Collection work funds and awards: the county's when it pays them, else their own lines."""
    wf = outlay.scenario.policy.work_funds
    if wf is None:
        return
    work = outlay.work_funds_fen()
    amounts = {"work_funds": int(work["total"].sum()) if work is not None else 0, "awards": outlay.awards_fen()}
    payer = {"county": "county_pays", "town": "payer_town"}.get(wf.payer, "payer_not_stated")
    for key, amount in amounts.items():
        if not amount and key == "awards":
            continue
        zh, en = _both("paid_by", line=_WORDS[key], payer=_WORDS[payer])
        if wf.payer == "county":
            county.append(Line(key, "county", amount, zh, en))
        else:
            separate.append(Line(key, "separate", amount, zh, en))
