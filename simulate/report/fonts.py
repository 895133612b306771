"""Chinese fonts for charts and HTML reports on machines without CJK system fonts.

matplotlib's default font (DejaVu Sans) has no Chinese glyphs: labels render as boxes with
one warning per glyph. The registry package ``mplfonts`` ships Noto Sans CJK SC (SIL OFL);
this module registers that file with matplotlib in the current process (do it in every
kernel), and subsets it into an ``@font-face`` rule so HTML reports carry their own glyphs.
"""

from __future__ import annotations

import base64
import importlib.util
import io
from pathlib import Path

FONT_FILE = "NotoSansCJKsc-Regular.otf"
#: CSS family name of the subset embedded in HTML reports.
CSS_FAMILY = "Simulate Noto Sans CJK SC"


class FontError(RuntimeError):
    """The bundled Chinese font cannot be found or loaded."""


def font_path() -> Path:
    """Path of Noto Sans CJK SC inside the installed ``mplfonts`` package.

    Found without importing ``mplfonts`` (its import touches matplotlib settings).
    """
    spec = importlib.util.find_spec("mplfonts")
    if spec is None or not spec.submodule_search_locations:
        raise FontError("Chinese font missing: package 'mplfonts' is not installed (pip install mplfonts)")
    for location in spec.submodule_search_locations:
        path = Path(location) / "fonts" / FONT_FILE
        if path.is_file():
            return path
    raise FontError(
        f"Chinese font missing: {FONT_FILE} not found in the mplfonts package "
        f"at {list(spec.submodule_search_locations)}"
    )


def use_chinese_font() -> str:
    """Register Noto Sans CJK SC with matplotlib and make it the first sans-serif font.

    Idempotent; returns the family name. Also sets ``axes.unicode_minus=False`` so negative
    numbers use an ASCII hyphen. Glyphs the font lacks fall back to DejaVu Sans.
    """
    import matplotlib
    from matplotlib import font_manager

    path = font_path()
    if not any(Path(entry.fname) == path for entry in font_manager.fontManager.ttflist):
        try:
            font_manager.fontManager.addfont(str(path))
        except Exception as exc:  # a truncated or unreadable file
            raise FontError(f"Chinese font {path} could not be loaded: {exc}") from exc
    family = font_manager.FontProperties(fname=str(path)).get_name()
    current = [name for name in matplotlib.rcParams["font.sans-serif"] if name != family]
    matplotlib.rcParams["font.sans-serif"] = [family, *current]
    matplotlib.rcParams["font.family"] = ["sans-serif"]
    matplotlib.rcParams["axes.unicode_minus"] = False
    return family


#: Code points the embedded subset serves (CJK radicals, punctuation, kana, ideographs,
#: compatibility ideographs, vertical and full-width forms); other text keeps the page's fonts.
CJK_RANGES: tuple[tuple[int, int], ...] = (
    (0x2E80, 0x9FFF),
    (0xF900, 0xFAFF),
    (0xFE30, 0xFE4F),
    (0xFF00, 0xFFEF),
    (0x20000, 0x2FA1F),
)


def is_cjk(ch: str) -> bool:
    """Whether a character lies in :data:`CJK_RANGES`."""
    code = ord(ch)
    return any(low <= code <= high for low, high in CJK_RANGES)


def css_font_face(text: str, family: str = CSS_FAMILY) -> str:
    """A CSS ``@font-face`` rule embedding the CJK glyphs of ``text`` as a base64 WOFF subset.

    Why: a report opened on a machine without CJK fonts shows boxes; a subset of the
    characters actually used costs a few tens of kB instead of the 16 MB font. The rule
    carries a ``unicode-range``, so put ``family`` first in a font stack: browsers then use
    it for CJK text only (with a system font first, Chromium on Linux draws boxes instead of
    falling through to it). Returns "" when ``text`` has no CJK character.
    """
    from fontTools import subset
    from fontTools.ttLib import TTFont

    chars = "".join(sorted({ch for ch in text if is_cjk(ch)}))
    if not chars:
        return ""
    path = font_path()
    try:
        # recalcTimestamp=False keeps head.modified from the font file, not the clock: the same
        # text gives the same subset bytes, so two runs give the same report (issue 10 item 11).
        # recalcBBoxes=False keeps the font's own bounding boxes in head, hhea and vhea instead of
        # drawing every kept glyph to shrink them (0.25 s of CPU): boxes no browser lays text by
        font = TTFont(str(path), lazy=True, recalcTimestamp=False, recalcBBoxes=False)
    except Exception as exc:  # a truncated or unreadable file
        raise FontError(f"Chinese font {path} could not be read: {exc}") from exc
    options = subset.Options()
    options.flavor = "woff"
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    options.notdef_outline = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=chars)
    subsetter.subset(font)
    buffer = io.BytesIO()
    font.flavor = "woff"
    font.save(buffer)
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    ranges = ", ".join(f"U+{low:X}-{high:X}" for low, high in CJK_RANGES)
    return (
        f"@font-face {{ font-family: '{family}'; font-style: normal; font-weight: 400; "
        f"font-display: block; unicode-range: {ranges}; "
        f"src: url(data:font/woff;base64,{data}) format('woff'); }}"
    )
