"""The sweep summary report's figures and tables (notebooks/sweep_report.py only calls these).

One parameter set to each value in turn over one synthetic population (common random numbers),
once as the scenario says and once with the 2026 study's behavioural response, plus Monte Carlo
P5–P95 bands per value and source (:mod:`simulate.analysis.sweep_study`). Tables show 万元,
the workbook yuan; headings come from ``labels.yaml`` (sections ``sweep``,
``sweep_parameters``) and figures shown as text from :mod:`simulate.money`. Columns are read
by name, never by position.
"""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd

from ..analysis import sweep_study as study
from ..analysis.common import common_population
from ..analysis.naming import param_label
from ..analysis.sweep import sweep
from ..labels import pairs
from ..money import amount, percent
from ..policy import Scenario, load_scenario
from ..vocabulary import SOURCE_IDS, Lang, label
from .excel import write_workbook
from .outcome import write_results

#: Tables are in 万元 (10,000 yuan); the sweep's frames hold yuan.
WAN = 10_000


def words(lang: str) -> dict[str, str]:
    """The ``sweep`` labels in ``lang``: id -> heading."""
    return {key: pair[0] if lang == "zh" else pair[1] for key, pair in pairs("sweep").items()}


@dataclass
class SweepStory:
    """A computed sweep: the scenario, its values, both sweeps and the Monte Carlo bands."""

    scenario_path: Path
    sc: Scenario
    param: str
    values: list[Any]
    overrides: dict[str, Any]
    seed: int
    size: int | None
    lang: Lang
    title: str | None
    given: pd.DataFrame
    responding: pd.DataFrame
    response_overrides: dict[str, Any]
    mc: dict[str, Any] = field(default_factory=dict)

    @property
    def zh(self) -> bool:
        return self.lang == "zh"

    @cached_property
    def w(self) -> dict[str, str]:
        return words(self.lang)

    @property
    def persons(self) -> int:
        return int(self.given["persons"].iloc[0])

    @cached_property
    def paying(self) -> list[str]:
        """Sources paying anything in either sweep, in the vocabulary's order."""
        return [s for s in SOURCE_IDS if (self.given[s] != 0).any() or (self.responding[s] != 0).any()]

    @property
    def government(self) -> list[str]:
        return [s for s in self.paying if s != "individual"]

    @property
    def x(self) -> pd.Series:
        return self.given[self.param].astype(float)

    @property
    def param_label(self) -> str:
        known = pairs("sweep_parameters").get(self.param)
        return (known[0] if self.zh else known[1]) if known else param_label(self.param, self.lang, self.sc)

    @property
    def value_text(self) -> str:
        return ("、" if self.zh else ", ").join(str(v) for v in self.values)

    @property
    def report_title(self) -> str:
        title = self.sc.policy.title.zh if self.zh else self.sc.policy.title.en
        return self.title or self.w["title"].format(title=title, param=self.param_label)

    @property
    def value_column(self) -> list[str]:
        return [str(v) for v in self.values]

    @cached_property
    def delta(self) -> pd.DataFrame:
        """Each money column's change against the first value (yuan)."""
        cols = [*self.paying, "subsidy_total", "fiscal_subsidy"]
        return self.given[cols] - self.given[cols].iloc[0]

    @property
    def response_names(self) -> tuple[str, str]:
        """(the sweep as given, the sweep with the assumed response), as the report names them."""
        own = self.sc.policy.behaviour.model
        given = self.w["no_response"] if own == "none" else self.w["own_response"]
        return given, self.w["assumed_response"]


def build(
    scenario_path: Path | str,
    param: str,
    values: list[Any],
    *,
    overrides: dict[str, Any] | None = None,
    seed: int = 0,
    size: int | None = None,
    lang: str = "zh",
    title: str | None = None,
    draws: int = 20,
    mc_size: int | None = 50_000,
) -> SweepStory:
    """Run both sweeps over one population, then the Monte Carlo bands (``draws`` populations of
    ``mc_size`` persons per value, scaled to the sweep's persons)."""
    path = Path(scenario_path)
    overrides = dict(overrides or {})
    values = list(values)
    sc = load_scenario(path, overrides)
    people = common_population(sc, None, size, seed)  # built once: both sweeps run over it
    given = sweep(path, param, values, population=people, size=size, seed=seed, overrides=overrides)
    response = study.response_overrides(overrides)
    responding = sweep(path, param, values, population=people, size=size, seed=seed, overrides=response)
    shown: Lang = "zh" if lang == "zh" else "en"
    story = SweepStory(path, sc, param, values, overrides, seed, size, shown, title, given, responding, response)
    rates = study.monte_carlo_rates(sc.policy)
    mc_persons = int(mc_size or story.persons)
    frame = study.monte_carlo_bands(
        path,
        param,
        values,
        story.paying,
        draws=int(draws),
        size=mc_persons,
        persons=story.persons,
        rates=rates,
        seed=seed,
        overrides=overrides,
    )
    story.mc = {"draws": int(draws), "size": mc_persons, "rates": rates, "frame": frame}
    return story


def headline(story: SweepStory) -> dict[str, str]:
    """The figures the index page and the report's first screen show, by their headings."""
    w, given, resp = story.w, story.given, story.responding
    first, last = given.iloc[0], given.iloc[-1]
    return {
        w["head_parameter"]: story.param_label,
        w["head_values"]: story.value_text,
        w["head_persons"]: amount(story.persons, 0),
        w["head_individual_change"]: amount((last["individual"] - first["individual"]) / WAN, sign=True),
        w["head_subsidy_change"]: amount((last["subsidy_total"] - first["subsidy_total"]) / WAN, sign=True),
        w["head_share"]: f"{percent(first['individual_share'])} → {percent(last['individual_share'])}",
        w["head_enrolled_change"]: amount(int(resp["enrolled"].iloc[-1] - resp["enrolled"].iloc[0]), 0, sign=True),
    }


def _wan_table(story: SweepStory, frame: pd.DataFrame) -> pd.DataFrame:
    """Value, each paying source, subsidies total and fiscal subsidy, in 万元."""
    w = story.w
    table = pd.DataFrame({w["value"]: story.value_column})
    for s in story.paying:
        table[label(s, story.lang) + w["wan"]] = frame[s] / WAN
    table[w["subsidy_total_wan"]] = frame["subsidy_total"] / WAN
    table[w["fiscal_subsidy_wan"]] = frame["fiscal_subsidy"] / WAN
    return table


def outlay_table(story: SweepStory) -> pd.DataFrame:
    """Each source's outlay for each value (万元)."""
    return _wan_table(story, story.given)


def delta_table(story: SweepStory) -> pd.DataFrame:
    """Each source's change against the first value (万元)."""
    return _wan_table(story, story.delta)


def share_table(story: SweepStory) -> pd.DataFrame:
    """The individuals' share of personal contributions, with what they pay and the subsidies."""
    w, given = story.w, story.given
    return pd.DataFrame(
        {
            w["value"]: story.value_column,
            w["individual_share"]: given["individual_share"],
            w["individual_wan"]: given["individual"] / WAN,
            w["subsidy_total_wan"]: given["subsidy_total"] / WAN,
        }
    )


def enrollment_table(story: SweepStory) -> pd.DataFrame:
    """Enrolled and participation with and without the assumed response, and the money with it."""
    w, given, resp = story.w, story.given, story.responding
    given_name, response_name = story.response_names
    return pd.DataFrame(
        {
            w["value"]: story.value_column,
            w["enrolled_as"].format(name=given_name): given["enrolled"],
            w["enrolled_as"].format(name=response_name): resp["enrolled"],
            w["participation_as"].format(name=given_name): given["participation"],
            w["participation_as"].format(name=response_name): resp["participation"],
            w["individual_response_wan"]: resp["individual"] / WAN,
            w["subsidies_response_wan"]: resp["subsidy_total"] / WAN,
        }
    )


def bands_table(story: SweepStory) -> pd.DataFrame:
    """P5, P50 and P95 of each source's outlay per value (万元)."""
    w, mc = story.w, story.mc["frame"]
    return pd.DataFrame(
        {
            w["value"]: [str(v) for v in mc["value"]],
            w["source"]: [label(s, story.lang) for s in mc["source"]],
            w["p5_wan"]: mc["p5"] / WAN,
            w["p50_wan"]: mc["p50"] / WAN,
            w["p95_wan"]: mc["p95"] / WAN,
        }
    )


def provenance_table(story: SweepStory, version: str) -> pd.DataFrame:
    """What the report was computed from: files with their digests, parameter, seed, version."""
    w, prov = story.w, story.sc.provenance()
    persons = amount(story.persons, 0)
    rows = [(w["scenario_file"], f"{f['path']} (sha256 {f['sha256'][:17]}…)") for f in prov["files"]]
    rows += [
        (w["document"], story.sc.policy.document.number),
        (w["head_parameter"], story.param),
        (w["head_values"], story.value_text),
        (w["overrides"], json.dumps(story.overrides, ensure_ascii=False)),
        (w["population"], w["population_text"].format(persons=persons)),
        (w["seed"], str(story.seed)),
        (w["monte_carlo"], w["monte_carlo_text"].format(draws=story.mc["draws"], size=amount(story.mc["size"], 0))),
        (w["version"], f"simulate {version}"),
        (w["generated"], datetime.date.today().isoformat()),
    ]
    return pd.DataFrame(rows, columns=[w["item"], w["content"]])


def assumptions(story: SweepStory) -> list[dict[str, str]]:
    """The scenario's assumptions (notes in the report's language), then this report's own:
    the response curve, the Monte Carlo ranges and the synthetic population."""
    items = [{"path": a["path"], "note": a["note"]} for a in story.sc.assumptions(story.lang)]
    notes = pairs("sweep_notes")
    items += [{"path": key, "note": pair[0] if story.zh else pair[1]} for key, pair in notes.items()]
    return items


def _yuan_sheet(story: SweepStory, frame: pd.DataFrame, *, counts: bool = True) -> pd.DataFrame:
    """The workbook's sheet of a sweep frame (yuan): the parameter, money, shares and counts."""
    w = story.w
    sheet = pd.DataFrame({story.param: story.given[story.param]})
    for s in story.paying:
        sheet[label(s, story.lang) + w["yuan"]] = frame[s]
    sheet[w["subsidy_total_yuan"]] = frame["subsidy_total"]
    sheet[w["fiscal_subsidy_yuan"]] = frame["fiscal_subsidy"]
    if counts:
        sheet[w["individual_share"]] = frame["individual_share"]
        sheet[w["persons"]] = frame["persons"]
        sheet[w["enrolled"]] = frame["enrolled"]
        sheet[w["participation"]] = frame["participation"]
    return sheet


def workbook_sheets(story: SweepStory, assumptions: list[dict[str, str]]) -> dict[str, pd.DataFrame]:
    """The workbook's sheets by name: both sweeps, the change, the bands and the assumptions."""
    w, mc = story.w, story.mc["frame"]
    bands = pd.DataFrame(
        {
            story.param: mc["value"],
            w["source"]: [label(s, story.lang) for s in mc["source"]],
            w["p5_yuan"]: mc["p5"].round(2),
            w["p50_yuan"]: mc["p50"].round(2),
            w["p95_yuan"]: mc["p95"].round(2),
        }
    )
    return {
        w["sheet_by_source"]: _yuan_sheet(story, story.given),
        w["sheet_response"]: _yuan_sheet(story, story.responding),
        w["sheet_change"]: _yuan_sheet(story, story.delta, counts=False),
        w["sheet_uncertainty"]: bands,
        w["sheet_assumptions"]: pd.DataFrame(assumptions),
    }


def write_workbook_file(story: SweepStory, path: Path | str, assumptions: list[dict[str, str]]) -> None:
    """``tables.xlsx``: yuan with separators, shares as percent, counts whole."""
    w = story.w
    sheets = workbook_sheets(story, assumptions)
    columns = [c for f in sheets.values() for c in f.columns]
    write_workbook(
        Path(path),
        sheets,
        money_columns=[c for c in columns if "元" in c or "yuan" in c],
        percent_columns=[c for c in columns if c in (w["individual_share"], w["participation"])],
        count_columns=[c for c in columns if c in (w["persons"], w["enrolled"])],
    )


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [
        {k: (v.item() if hasattr(v, "item") else v) for k, v in row.items()} for row in frame.to_dict(orient="records")
    ]


def write(story: SweepStory, out_dir: Path | str, assumptions: list[dict[str, str]]) -> None:
    """The workbook and ``results.json`` (headline, both sweeps, the bands) into ``out_dir``."""
    out = Path(out_dir)
    write_workbook_file(story, out / "tables.xlsx", assumptions)
    mc = story.mc
    write_results(
        out,
        {
            "title": story.report_title,
            "headline": headline(story),
            "scenario": story.sc.id,
            "param": story.param,
            "values": story.values,
            "size": story.size,
            "seed": story.seed,
            "persons": story.persons,
            "overrides": story.overrides,
            "sweep": _records(story.given),
            "sweep_with_response": _records(story.responding),
            "response_overrides": story.response_overrides,
            "monte_carlo": {
                "draws": mc["draws"],
                "size": mc["size"],
                "scale": story.persons / mc["size"],
                "rates": {k: list(v) for k, v in mc["rates"].items()},
                "rows": _records(mc["frame"]),
            },
            "assumptions": assumptions,
            "provenance": story.sc.provenance(),
        },
    )
