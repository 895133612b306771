"""The tiny report as a browser shows it: title, chart, and Chinese glyphs instead of boxes.

Needs Debian's chromium (`apt-get install -y chromium`); without it these tests fail.
"""
import re
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from _browser import dump_dom, screenshot
from simulate.render import render_notebook

TINY = Path(__file__).parent / "fixtures" / "tiny_report.ipynb"
TITLE = "城乡居民医保资助测算（浏览器）"


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    return render_notebook(TINY, tmp_path_factory.mktemp("browser") / "tiny",
                           {"title": TITLE}).html


def _pixels(path: Path) -> np.ndarray:
    return np.asarray(Image.open(path).convert("L"), dtype=float)


def test_dom_has_the_chinese_title_and_the_chart(report):
    dom = dump_dom(report)
    assert re.search(rf"<h1[^>]*>{re.escape(TITLE)}", dom)
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
