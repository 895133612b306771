"""A what-if of the county's own share of the fiscal subsidy (县级分担) is named in the report's
title, banner and the sweep's headings, Chinese first, as any other lever (session 5 note: the
``county`` key inside the split was taken for the scenario's county name and dropped)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from simulate.analysis.naming import param_label
from simulate.analysis.whatif import what_if
from simulate.policy import load_scenario
from simulate.report import story as st
from simulate.report.sweep_story import SweepStory

LANGXI = Path(__file__).resolve().parent.parent / "scenarios" / "langxi-2024.yaml"
SPLIT = {"contribution.fiscal_subsidy_split.county": 20, "contribution.fiscal_subsidy_split.city": 0}


def test_the_county_share_is_in_the_what_if_title_in_both_languages():
    wi = what_if(LANGXI, SPLIT, size=2_000, seed=1)
    assert wi is not None
    assert [c.path for c in wi.changes] == sorted(SPLIT)  # city, county: both levers, nothing else
    assert wi.title("zh") == "假设情景：财政补助市级分担比例 10→0%；财政补助县级分担比例 10→20%"
    assert (
        wi.title("en") == "What-if: city share of the fiscal subsidy 10→0%; county share of the fiscal subsidy 10→20%"
    )
    # and the what-if does move the county's burden (the lever is not a no-op)
    assert wi.to_json()["headline"]["county_burden"]["change"] > 0


def test_the_report_banner_names_the_county_share():
    story = st.build(str(LANGXI), SPLIT, size=2_000, seed=1, lang="zh")
    assert "财政补助县级分担比例 10→20%" in story.first_screen()


def test_a_sweep_of_the_county_share_is_headed_by_its_name():
    path = "contribution.fiscal_subsidy_split.county"
    assert param_label(path, "zh") == "财政补助县级分担比例（%）"
    assert param_label(path, "en") == "county share of the fiscal subsidy (%)"
    frame = pd.DataFrame()
    for lang, want in (("zh", "财政补助县级分担比例（%）"), ("en", "county share of the fiscal subsidy (%)")):
        s = SweepStory(LANGXI, load_scenario(LANGXI), path, [10, 20], {}, 0, 1_000, lang, None, frame, frame, {})
        assert s.param_label == want
