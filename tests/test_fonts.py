"""Chinese charts render with the bundled Noto Sans CJK SC: no missing-glyph warnings."""

import base64
import io
import logging
import re
import warnings

import matplotlib
import pytest
from fontTools.ttLib import TTFont
from matplotlib import font_manager
from matplotlib.figure import Figure

from simulate.report import fonts

CHINESE = "城乡居民医疗保险 个人缴费（元） −12"
_MISSING = re.compile(r"missing from font|Glyph \d+ .*missing")


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def _render_messages() -> list[str]:
    """Render a figure with Chinese title, labels and ticks to PNG; return warnings and logs."""
    handler = _Records()
    logger = logging.getLogger("matplotlib")
    logger.addHandler(handler)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            fig = Figure(figsize=(4, 3))
            ax = fig.add_subplot()
            ax.bar(["特困人员", "低保对象"], [3, -2])
            ax.set_title(CHINESE)
            ax.set_xlabel("资金来源")
            ax.set_ylabel("金额（万元）")
            buffer = io.BytesIO()
            fig.savefig(buffer, format="png")
    finally:
        logger.removeHandler(handler)
    assert buffer.getvalue().startswith(b"\x89PNG")
    return [str(w.message) for w in caught] + handler.messages


def test_chinese_chart_renders_without_missing_glyphs():
    with matplotlib.rc_context():
        family = fonts.use_chinese_font()
        assert family == "Noto Sans CJK SC"
        messages = _render_messages()
    assert not [m for m in messages if _MISSING.search(m) or "findfont" in m], messages


def test_default_font_does_warn_so_the_check_can_fail():
    with matplotlib.rc_context({"font.family": ["sans-serif"], "font.sans-serif": ["DejaVu Sans"]}):
        messages = _render_messages()
    assert any(_MISSING.search(m) for m in messages), messages


def test_use_chinese_font_is_idempotent():
    with matplotlib.rc_context():
        first = fonts.use_chinese_font()
        second = fonts.use_chinese_font()
        path = str(fonts.font_path())
        assert first == second
        assert sum(e.fname == path for e in font_manager.fontManager.ttflist) <= 2
        assert matplotlib.rcParams["font.sans-serif"].count(first) == 1
        assert matplotlib.rcParams["font.sans-serif"][0] == first
        assert matplotlib.rcParams["axes.unicode_minus"] is False


def test_missing_font_file_is_a_clear_error(monkeypatch):
    monkeypatch.setattr(fonts, "FONT_FILE", "NoSuchFont.otf")
    with pytest.raises(fonts.FontError, match="NoSuchFont.otf not found in the mplfonts"):
        fonts.use_chinese_font()


def test_css_font_face_embeds_exactly_the_cjk_glyphs():
    css = fonts.css_font_face("测试报告 abc（元）")
    data = re.search(r"base64,([A-Za-z0-9+/=]+)", css).group(1)
    cmap = TTFont(io.BytesIO(base64.b64decode(data))).getBestCmap()
    assert {chr(c) for c in cmap} == set("测试报告（元）")
    assert "unicode-range" in css and fonts.CSS_FAMILY in css
    assert fonts.css_font_face("only ascii 123") == ""
