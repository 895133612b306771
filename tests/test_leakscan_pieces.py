"""The memory-speed tests of a piece written (simulate.io.leakscan._clean_piece, _holds_pair,
_json_escape) say exactly what the plain byte searches they replace say, on short pieces
(``in``) and long ones (numpy), at every alignment; and a full ID planted anywhere in a long
stream, in every form the scan catches, still leaves it unproved."""

from __future__ import annotations

import codecs
import json

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from test_leakscan_fast import FULL, PIECES, VALID

from simulate.io import idmask, leakscan
from simulate.io.idmask import may_hold_ids
from simulate.io.leakscan import ProvedFile, _clean_piece, _holds_pair, _json_escape, _no_fourteen


def _reference_piece(data: bytes) -> bool:
    """_clean_piece as it was written with plain ``in`` searches (before issue 16 item 4)."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or b"&" in data:
        return False
    if b"\\u" in data or b"\\t" in data or b"<<" in data:
        return False
    rich = leakscan._RICH_BYTES
    if (b"<si" in data and rich[0].search(data)) or (b"<is" in data and rich[1].search(data)):
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return not may_hold_ids(data, strict=True)


BYTES = st.binary(max_size=40) | st.lists(st.sampled_from([b"<", b"s", b"i", b"\\", b"u", b"t", b"x", b"\xe4"])).map(
    b"".join
)


@settings(max_examples=300, deadline=None)
@given(data=BYTES, lead=st.integers(0, 3))
def test_holds_pair_is_in_at_every_alignment(data: bytes, lead: int) -> None:
    for forced in (1 << 16, 2):
        leakscan._WIDE = forced
        try:
            for pair in (b"<<", b"<s", b"<i", b"\\u", b"\\t"):
                padded = b"." * lead + data
                assert _holds_pair(padded, pair) == (pair in padded), (padded, pair)
        finally:
            leakscan._WIDE = 1 << 16


@settings(max_examples=300, deadline=None)
@given(data=BYTES, few=st.sampled_from([0, 1, 2, 256]))
def test_json_escape_is_the_two_searches(data: bytes, few: int) -> None:
    leakscan._FEW_BACKSLASHES = few  # 0-2: past the backslashes looked at one by one, the pair search
    try:
        assert _json_escape(data) == (b"\\u" in data or b"\\t" in data), data
    finally:
        leakscan._FEW_BACKSLASHES = 256


TAGS = st.sampled_from(
    [
        "<si>",
        "<is>",
        "<<",
        "<si><t>",
        "</t></si>",
        "<is><t>",
        "</t></is>",
        "<r><t>",
        "</t></r>",
        "&",
        "\\u",
        "\\t",
        "\\",
    ]
)


@settings(max_examples=400, deadline=None)
@given(pieces=st.lists(st.one_of(PIECES.map("".join), TAGS), max_size=10))
def test_a_piece_is_clean_exactly_when_the_plain_searches_say_so(pieces: list[str]) -> None:
    text = "".join(pieces)
    datas = (
        text.encode(),
        f'<row><c t="inlineStr"><is><t>{text}</t></is></c></row>'.encode(),
        f"<sst><si><t>{text}</t></si></sst>".encode(),
        json.dumps({"k": text}, ensure_ascii=False).encode(),
        codecs.BOM_UTF16_LE + text.encode("utf-16-le"),
        text.encode("gb18030"),
    )
    for forced in (1 << 16, 2):  # _holds_pair by ``in``, and by numpy from 2 bytes on
        leakscan._WIDE = forced
        try:
            for data in datas:
                assert _clean_piece(data) == _reference_piece(data), (forced, data)
        finally:
            leakscan._WIDE = 1 << 16


def _row(k: int) -> bytes:
    return f'<row><c t="inlineStr"><is><t>张{k % 50}（160）；</t></is></c><c><v>{k}</v></c></row>'.encode()


FILLER = b"".join(_row(k) for k in range(1500))  # about 90 kB: past _WIDE, so numpy looks at it


def _forms() -> list[str]:
    number = VALID[0]
    return [
        number,
        number.translate(FULL),
        "520624 1950 0412 031" + number[-1],
        "520624-19500412-031" + number[-1],
        "\u3000".join((number[:6], number[6:14], number[14:])),
        VALID[2][:-1] + "x" if VALID[2].endswith("X") else VALID[2],
    ]


@pytest.mark.parametrize("form", _forms())
def test_a_planted_id_in_a_long_stream_is_found_at_every_place(form: str) -> None:
    """The number in a cell of the 1st, a middle or the last row of long pieces, the stream
    cut before, inside and after it: never proved clean."""
    assert len(FILLER) >= leakscan._WIDE
    for cell in (f'<c t="inlineStr"><is><t>王{form}村</t></is></c>', f"<c><v>{form}</v></c>"):
        planted = f"<row>{cell}</row>".encode()
        for where in (0, 7, len(FILLER) // 2 + 1, len(FILLER)):
            at = FILLER.rfind(b"<row>", 0, where + 1) if where else 0
            data = FILLER[:at] + planted + FILLER[at:]
            for cut in (at, at + len(planted) // 2, at + len(planted) - 3, at + len(planted)):
                while 0x80 <= data[cut] < 0xC0:  # pieces of whole characters, as the writers give
                    cut -= 1
                proof = ProvedFile()
                proof.feed(data[:cut])
                proof.feed(data[cut:])
                assert not proof.clean, (form, where, cut)
    proof = ProvedFile()
    proof.feed(FILLER)
    proof.feed(FILLER)
    assert proof.clean  # the filler alone is proved clean, so the planted number is what is found


@settings(max_examples=300, deadline=None)
@given(pieces=PIECES, lead=st.integers(0, 9))
def test_no_fourteen_is_no_fourteen_marked_bytes_so_nothing_may_be_an_id(pieces: list[str], lead: int) -> None:
    data = ("王" * lead + "".join(pieces)).encode()
    marked = b"1" * 14 in data.translate(idmask.MAY_RUN)
    assert _no_fourteen(data) == (not marked), data
    if _no_fourteen(data):
        assert not may_hold_ids(data, strict=True) and not may_hold_ids(data, strict=False)
    for n in (13, 14):  # a stretch of exactly 13 or 14 digits, at every bit position of a byte
        for at in range(9):
            text = b"a" * at + b"7" * n + b"a"
            assert _no_fourteen(text) == (n < 14), (n, at)


ENDS_TEXT = st.lists(st.sampled_from(["</c>", "</row>", "</si>", "\n", "<c>", "x", "王", "</", "row>"])).map("".join)


@settings(max_examples=400, deadline=None)
@example(text="</row>xxxxxx", start=0, length=12, tail=10)  # an end just before the tail, none in it
@given(
    text=ENDS_TEXT, start=st.integers(0, 40), length=st.integers(1, 60), tail=st.sampled_from([1, 5, 9, 16, 1 << 16])
)
def test_a_piece_ends_where_the_whole_window_search_says(text: str, start: int, length: int, tail: int) -> None:
    data = text.encode()
    start = min(start, len(data))
    stop = min(start + length, len(data))
    ends = [data.rfind(b"\n", start, stop) + 1] + [data.rfind(e, start, stop) + len(e) for e in leakscan._ENDS]
    expected = max(ends) if max(ends) > start else stop  # the search before the tail came first
    leakscan._TAIL = tail
    try:
        assert leakscan._piece_end(data, start, stop) == expected, (data, start, stop)
    finally:
        leakscan._TAIL = 1 << 16
