"""The sweep summary's tables and workbook (simulate.report.sweep_story): figures read from the
sweep frames by column name, headings from labels.yaml, the workbook in yuan."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from simulate import analysis as an
from simulate.labels import pairs
from simulate.report import sweep_story as ss
from simulate.vocabulary import label

LANGXI = Path(__file__).resolve().parent.parent / "scenarios" / "langxi-2024.yaml"
VALUES = [380, 420, 460]


@pytest.fixture(scope="module")
def story() -> ss.SweepStory:
    return ss.build(LANGXI, "contribution.personal", VALUES, size=4000, seed=3, draws=2, mc_size=2000, lang="en")


def test_the_sweep_is_analysis_sweep_over_the_same_people(story):
    again = an.sweep(LANGXI, "contribution.personal", VALUES, size=4000, seed=3)
    assert story.given.equals(again)
    assert story.persons == int(again["persons"].iloc[0]) > 0


def test_outlay_table_is_each_paying_source_in_wan_yuan_by_heading(story):
    table = ss.outlay_table(story)
    words = ss.words("en")
    assert list(table[words["value"]]) == [str(v) for v in VALUES]
    assert "individual" in story.paying
    for s in story.paying:
        assert list(table[label(s, "en") + words["wan"]]) == list(story.given[s] / ss.WAN)
    assert list(table[words["subsidy_total_wan"]]) == list(story.given["subsidy_total"] / ss.WAN)


def test_change_is_against_the_first_value(story):
    delta = ss.delta_table(story)
    column = label("individual", "en") + ss.words("en")["wan"]
    assert delta[column].iloc[0] == 0
    expected = (story.given["individual"].iloc[-1] - story.given["individual"].iloc[0]) / ss.WAN
    assert delta[column].iloc[-1] == pytest.approx(expected)
    assert expected > 0  # a higher standard: individuals pay more


def test_headline_shows_the_figures_of_the_frames(story):
    head = ss.headline(story)
    words = ss.words("en")
    assert head[words["head_values"]] == "380, 420, 460"
    assert head[words["head_persons"]] == f"{story.persons:,}"
    change = (story.given["individual"].iloc[-1] - story.given["individual"].iloc[0]) / ss.WAN
    assert head[words["head_individual_change"]] == f"{change:+,.2f}"


def test_response_lowers_enrollment_at_the_highest_standard(story):
    table = ss.enrollment_table(story)
    given_name, response_name = story.response_names
    words = ss.words("en")
    given = table[words["enrolled_as"].format(name=given_name)]
    responding = table[words["enrolled_as"].format(name=response_name)]
    assert responding.iloc[-1] < given.iloc[-1]


def test_workbook_sheets_hold_yuan_and_the_assumptions(story, tmp_path):
    items = ss.assumptions(story)
    assert [i["path"] for i in items][-3:] == list(pairs("sweep_notes"))
    path = tmp_path / "tables.xlsx"
    ss.write_workbook_file(story, path, items)
    book = openpyxl.load_workbook(path)
    words = ss.words("en")
    assert book.sheetnames == [
        words[k]
        for k in ("sheet_by_source", "sheet_response", "sheet_change", "sheet_uncertainty", "sheet_assumptions")
    ]
    rows = list(book[words["sheet_by_source"]].values)
    head = list(rows[0])
    column = head.index(label("individual", "en") + words["yuan"])
    assert [r[column] for r in rows[1:]] == pytest.approx(list(story.given["individual"]))
    bands = ss.bands_table(story)
    assert len(bands) == len(VALUES) * len(story.paying)
    assert (bands[words["p5_wan"]] <= bands[words["p95_wan"]]).all()
