"""Notebook tables for people (issue 13 item 5): 元 with thousands separators, percentages,
grouped head counts, signed changes, through simulate.money."""

from __future__ import annotations

import pandas as pd

from simulate import money
from simulate.report.pretty import pretty


def test_money_shares_counts_and_changes_are_formatted():
    frame = pd.DataFrame(
        {
            "source": ["individual", "county_finance"],
            "资金来源": ["个人", "县财政"],
            "人数": [17721, 333],
            "金额（元）": [23871160.0, 85790.5],
            "占比（占个人缴费总额）": [0.872797, 0.015682],
            "变化（元）": [716120.0, -3240.25],
            "变化（%）": [15.064254, -2.5],
        }
    )
    html = pretty(frame).to_html()
    for shown in (
        "23,871,160.00",
        "85,790.50",
        "87.28%",
        "1.57%",
        "17,721",
        "+716,120.00",
        "-3,240.25",
        "+15.06%",
        "-2.50%",
    ):
        assert shown in html, shown
    assert "23871160.0" not in html and "0.872797" not in html and "individual" not in html
    assert money.yuan(2387116000) in html


def test_text_is_escaped():
    frame = pd.DataFrame({"资金来源": ["<b>x</b>"], "金额（元）": [1.0]})
    html = pretty(frame).to_html()
    assert "<b>x</b>" not in html and "&lt;b&gt;" in html
