"""The leak scan's fast proof of absence (simulate.io.leakscan._clean, idmask.may_hold_ids /
utf8_stretches) never clears what the long way would find: every ID the whole-text scan
finds is still found, in sheets, shared strings and JSON, whatever their shape."""

from __future__ import annotations

import json
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from simulate.io import idmask
from simulate.io.idmask import find_ids, may_hold_fourteen, may_hold_ids
from simulate.io.idnumber import SEPARATOR_CHARS, check_digit
from simulate.io.leakscan import _clean, _scan_bytes, _texts

VALID = [b + check_digit(b) for b in ("52062419500412031", "52010219900101123", "11010519491231002")]
SEPS = [" ", "-", "\u3000", "\u200b", "\t", "_", "\u2014", "\uff0d", "\xa0"]
FULL = str.maketrans("0123456789", "０１２３４５６７８９")


@st.composite
def written(draw: st.DrawFn) -> str:
    """A valid number as people write it: groups, separators, full width, a lowercase x."""
    number = draw(st.sampled_from(VALID))
    cuts = sorted(draw(st.sets(st.integers(1, 17), max_size=6)))
    text = draw(st.sampled_from(SEPS)).join(number[a:b] for a, b in zip([0, *cuts], [*cuts, 18]))
    if draw(st.booleans()):
        text = text.translate(FULL)
    return text[:-1] + "x" if text.endswith("X") and draw(st.booleans()) else text


NOISE = st.text(alphabet='0123456789０٣ -\u3000\t.．Xx<>/="\\&员村（）；、', max_size=30)
PIECES = st.lists(st.one_of(written(), NOISE, st.sampled_from(["（160）；", "王国富", "&#53;", "\\u0035"])), max_size=8)


def _long_way(data: bytes, name: str) -> list[str]:
    """The numbers the scan finds without the fast proof: every text _texts makes."""
    return [s.number for text in _texts(data, name) for s in find_ids(text, strict=True)]


@settings(max_examples=400, deadline=None)
@given(PIECES)
def test_fast_proof_never_clears_what_the_long_way_finds(pieces: list[str]) -> None:
    text = "".join(pieces)
    sheet = f'<sheetData><row r="1"><c t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c></row>'
    for data, name in (
        (text.encode(), "README.txt"),
        (sheet.encode(), "sheet1.xml"),
        (json.dumps({"k": [text, {text: 1}]}, ensure_ascii=False, indent=2).encode(), "bill.json"),
        (json.dumps([text], ensure_ascii=True).encode(), "bill.json"),
    ):
        found = _long_way(data, name)
        if _clean(data, name):
            assert found == [], (name, text)
        assert [m for _, m in _scan_bytes(data, name, 1)] == [idmask.mask_id(n) for n in found]
    if find_ids(text, strict=True):
        assert may_hold_ids(text.encode(), strict=True)
    if find_ids(text):
        assert may_hold_ids(text.encode(), strict=False)
    assert may_hold_fourteen(text) == bool(idmask._FOURTEEN.search(text))


def test_every_byte_of_a_run_character_may_be_a_run() -> None:
    """The byte table behind utf8_stretches: every byte of every digit, separator or X in
    UTF-8 is marked, and no CJK ideograph's first byte (U+4000–U+9FFF) is a run character."""
    run = re.compile(rf"[\d{SEPARATOR_CHARS}Xx\uff38\uff58]")
    for code in range(0x110000):
        if 0xD800 <= code < 0xE000 or not run.match(chr(code)):
            continue
        assert all(idmask.MAY_RUN[b] == ord("1") for b in chr(code).encode()), hex(code)
        assert not 0x4000 <= code < 0xA000


def test_a_clean_sheet_of_short_numbers_is_proved_clean_and_an_id_is_not() -> None:
    rows = "".join(
        f'<row r="{i}"><c r="A{i}"><v>{i}</v></c><c t="inlineStr"><is><t>家庭成员（160）；王</t></is></c></row>'
        for i in range(3000)
    )
    assert _clean(rows.encode(), "sheet1.xml")
    for form in (VALID[0], " ".join([VALID[1][:6], VALID[1][6:14], VALID[1][14:]]), VALID[2].translate(FULL)):
        data = (rows + f"<is><t>{form}</t></is>" + rows).encode()
        assert not _clean(data, "sheet1.xml")
        assert len(list(_scan_bytes(data, "sheet1.xml", 1))) == 1


JSONISH = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(2**70), 2**70),
        st.floats(allow_nan=True, allow_infinity=True),
        st.sampled_from([1e-5, 3e-7, 1.5e-8, 1e16, 0.01, 230.5, -0.0]),
        NOISE,
        written(),
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.one_of(NOISE, written()), inner, max_size=4)
    ),
    max_leaves=25,
)


@settings(max_examples=400, deadline=None)
@given(JSONISH)
def test_orjson_is_used_only_where_it_writes_what_json_writes(value: object) -> None:
    from simulate.io.idmask import _clean_json
    from simulate.rosters.bill_json import indented

    assert indented(value) == json.dumps(value, ensure_ascii=False, indent=2).encode()
    compact = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    assert _clean_json(value) == ("\\t" not in compact and not idmask._FOURTEEN.search(compact))
