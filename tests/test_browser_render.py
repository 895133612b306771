"""The tiny report as a browser shows it: title, chart, and Chinese glyphs instead of boxes.

Needs Debian's chromium (`apt-get install -y chromium`); without it these tests fail. The tiny
and the Sinan report are rendered once per session (tests/conftest.py).
"""

import re
from pathlib import Path

import numpy as np
import pytest
from _browser import dump_dom, screenshot
from PIL import Image


@pytest.fixture
def report(tiny_report) -> Path:
    return tiny_report.html


def _pixels(path: Path) -> np.ndarray:
    return np.asarray(Image.open(path).convert("L"), dtype=float)


def test_dom_has_the_chinese_title_and_the_chart(tiny_report):
    dom = dump_dom(tiny_report.html)
    assert re.search(rf"<h1[^>]*>{re.escape(tiny_report.parameters['title'])}", dom)
    assert re.search(r'<img[^>]+src="data:image/png;base64,', dom)
    assert "CODE-MARKER" not in dom


def test_screenshot_is_not_blank(report, tmp_path):
    pixels = _pixels(screenshot(report, tmp_path / "report.png"))
    assert pixels.std() > 5, "the screenshot is (nearly) blank"
    assert (pixels < 128).mean() > 0.005, "hardly any dark pixels: text or chart missing"


def test_embedded_font_draws_the_chinese_text(report, tmp_path):
    """Without the embedded font a machine lacking CJK fonts draws boxes; with it, glyphs.

    The same page is shot with and without its @font-face rule: the title area must differ.
    """
    page = report.read_text("utf-8")
    bare, count = re.subn(r"@font-face \{[^}]*\}", "", page)
    assert count == 1
    stripped = tmp_path / "no_font.html"
    stripped.write_text(bare, "utf-8")
    with_font = _pixels(screenshot(report, tmp_path / "with.png", height=300))
    without = _pixels(screenshot(stripped, tmp_path / "without.png", height=300))
    title_band = slice(20, 120)
    assert np.abs(with_font[title_band] - without[title_band]).mean() > 1.0


@pytest.mark.slow
def test_scenario_report_in_the_browser_shows_the_figures_and_charts(sinan_report):
    """The real scenario report as Chromium renders it: headings, each source's amount as
    the tables print it, and every chart the run wrote."""
    import json

    out_dir, _ = sinan_report
    dom = dump_dom(out_dir / "report.html")
    results = json.loads((out_dir / "results.json").read_text("utf-8"))
    for heading in ("按资金来源", "按资助档次", "财政补助及分担", "本情景的假设", "来源与可重复性"):
        assert heading in dom, heading
    for src, yuan in results["results"]["by_source"].items():
        assert f"{yuan:,.2f}" in dom, (src, yuan)
    charts = sorted(p.name for p in out_dir.glob("*.png"))
    assert len(charts) >= 2
    assert len(re.findall(r'<img[^>]+src="data:image/png;base64,', dom)) >= len(charts)
    assert "import simulate" not in dom and "show_table(" not in dom


def _shot_text(tmp_path: Path, name: str, text: str) -> np.ndarray:
    page = tmp_path / f"{name}.html"
    page.write_text(
        '<!DOCTYPE html><html><head><meta charset="utf-8"></head>'
        f'<body style="font: 48px sans-serif">{text}</body></html>',
        "utf-8",
    )
    return _pixels(screenshot(page, tmp_path / f"{name}.png", width=900, height=200))


def test_chromium_sees_no_system_cjk_font(tmp_path):
    """The browser tests hide the machine's fonts (issue 10 item 9): Chinese text in a page
    that embeds no font draws as the same missing-glyph boxes as private-use characters, with
    or without fonts-noto-cjk installed; with a system CJK font visible it would draw glyphs."""
    chinese = _shot_text(tmp_path, "chinese", "城乡居民医保资助")
    boxes = _shot_text(tmp_path, "boxes", "\ue000" * 8)
    assert (boxes < 128).mean() > 0.001, "nothing drew: the screenshot cannot show a difference"
    assert np.array_equal(chinese, boxes), "Chinese glyphs drew without an embedded font"
