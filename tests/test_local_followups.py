"""Local payers and identities beyond the run (issue 15 item 1 follow-ups): the sweep chart
draws a scenario's local payer in its vocabulary colour, notebook tables format its column as
money, the sweep study's Monte Carlo varies local identity shares, and ``--identity`` help says
local ids and Chinese names are accepted."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from matplotlib.colors import to_hex

import simulate
from simulate import analysis as an
from simulate import money
from simulate.analysis import sweep_study as study
from simulate.cli.parser import build_parser
from simulate.model.engine import compile_for_engine
from simulate.policy import load_scenario
from simulate.report.pretty import money_names, pretty
from simulate.report.sweep_chart import sweep_figure
from simulate.vocabulary import CANONICAL, SOURCE_IDS

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "fixtures" / "local-vocabulary"
LANGXI = ROOT / "scenarios" / "langxi-2024.yaml"


@pytest.fixture
def county(tmp_path: Path) -> Path:
    """The fixture county (困境儿童 paid by a local 民政局) copied outside the package."""
    folder = tmp_path / "county"
    shutil.copytree(FIXTURE, folder)
    return folder / "county.yaml"


def _close(fig) -> None:
    import matplotlib.pyplot as plt

    plt.close(fig)


# ----------------------------------------------------------------------------- sweep chart


def test_sweep_chart_draws_the_local_payer_in_its_vocabulary_colour(county: Path):
    sc = load_scenario(county)
    vocab = sc.policy.vocab
    frame = an.sweep(sc, "contribution.personal", [280, 300, 320], size=20_000, seed=3)
    assert (frame["minzheng_bureau"] > 0).all()  # the local payer pays at every value
    fig = sweep_figure(frame, lang="zh", vocab=vocab)
    try:
        lines = {ln.get_label(): ln for ln in fig.axes[-1].get_lines()}
        assert "民政局" in lines
        line = lines["民政局"]
        assert to_hex(line.get_color()) == vocab.colour("minzheng_bureau").lower()
        assert list(line.get_ydata()) == list(frame["minzheng_bureau"].astype(float) / 10_000)
        # after the canonical payers, and every line still distinct
        names = list(lines)
        assert names[-1] == "民政局"
        styles = [
            (ln.get_color(), ln.get_marker(), ln.get_markerfacecolor()) for ax in fig.axes for ln in ax.get_lines()
        ]
        assert len(set(styles)) == len(styles)
        assert "民政局" in {t.get_text() for t in fig.axes[-1].texts}  # labelled at its end
    finally:
        _close(fig)
    en = sweep_figure(frame, lang="en", vocab=vocab)
    try:
        assert "civil affairs bureau" in {ln.get_label() for ln in en.axes[-1].get_lines()}
    finally:
        _close(en)


def test_sweep_chart_of_a_canonical_scenario_is_unchanged_by_its_vocabulary():
    frame = an.sweep(LANGXI, "contribution.personal", [380, 420], size=4_000, seed=1)
    vocab = load_scenario(LANGXI).policy.vocab
    figs = [sweep_figure(frame, lang="zh"), sweep_figure(frame, lang="zh", vocab=vocab)]
    try:
        drawn = [
            [
                (ln.get_label(), ln.get_color(), ln.get_marker(), tuple(ln.get_ydata()))
                for ax in f.axes
                for ln in ax.get_lines()
            ]
            for f in figs
        ]
        assert drawn[0] == drawn[1]
        second = {ln.get_label() for ln in figs[0].axes[-1].get_lines()}
        assert second == {CANONICAL.label(s) for s in SOURCE_IDS[1:] if (frame[s] != 0).any()}
    finally:
        for f in figs:
            _close(f)


# ----------------------------------------------------------------------------- pretty


def test_pretty_formats_a_local_payers_column_as_money(county: Path):
    vocab = load_scenario(county).policy.vocab
    frame = pd.DataFrame({"资助档次": ["困境儿童"], "民政局": [123456.7], "县财政": [2500.0]})
    html = pretty(frame, vocab=vocab).to_html()
    assert money.yuan(12345670) in html and "123,456.70" in html
    assert "123456.7" not in html
    assert "2,500.00" in html
    # the canonical vocabulary does not know the local payer: its column is left as it is
    assert "123,456.70" not in pretty(frame).to_html()
    assert {"民政局", "civil affairs bureau"} <= money_names(vocab)
    assert "民政局" not in money_names()


def test_pretty_of_a_run_by_tier_formats_every_payer(county: Path):
    sc = load_scenario(county)
    out = simulate.run(sc, size=20_000, seed=2, progress=False)
    table = out.by_tier("zh")
    amount = float(table["民政局"].max())
    assert amount > 0
    html = pretty(table, vocab=sc.policy.vocab).to_html()
    assert money.yuan(round(amount * 100)) in html


# ----------------------------------------------------------------------------- sweep study


def test_sweep_study_varies_a_local_identity_share(county: Path):
    policy = load_scenario(county).policy
    rates = study.monte_carlo_rates(policy)
    assert "kunjing_children" in rates
    low, high = rates["kunjing_children"]
    share = 0.2 / 100  # local.yaml: share 0.2 (percent of persons aged 0-17)
    assert (low, high) == pytest.approx((share * study.SHARE_RANGE[0], share * study.SHARE_RANGE[1]))
    relevant = compile_for_engine(policy).relevant_bits
    assert relevant >> policy.vocab.identity_bit["kunjing_children"] & 1
    # canonical identities keep the ranges they had
    canonical = study.monte_carlo_rates(load_scenario(LANGXI).policy)
    assert all(k in CANONICAL.identity_bit or k == "participation" for k in canonical)


def test_sweep_study_bands_include_the_local_payer(county: Path):
    policy = load_scenario(county).policy
    rates = study.monte_carlo_rates(policy)
    frame = study.monte_carlo_bands(
        county,
        "contribution.personal",
        [280],
        ["minzheng_bureau"],
        draws=3,
        size=20_000,
        persons=20_000,
        rates=rates,
        seed=2,
        overrides={},
    )
    row = frame.iloc[0]
    assert row["source"] == "minzheng_bureau" and 0 < row["p5"] <= row["p50"] <= row["p95"]
    draws = an.monte_carlo(county, draws=3, size=20_000, rates=rates, seed=2).attrs["draws"]
    assert draws["rate.kunjing_children"].nunique() == 3  # the share is drawn, not fixed


# ----------------------------------------------------------------------------- --identity help


@pytest.mark.parametrize(
    ("lang", "words"),
    [("en", ("Chinese name", "local identities", "vocabulary:")), ("zh", ("中文名称", "本地身份", "vocabulary:"))],
)
def test_identity_help_says_local_ids_and_chinese_names_are_accepted(lang: str, words: tuple[str, ...]):
    _, commands = build_parser(lang)
    action = next(a for a in commands["explain"]._actions if "--identity" in a.option_strings)
    for w in words:
        assert w in action.help, (lang, w, action.help)
    assert "rural_dibao" in action.help  # the canonical ids are still listed
