"""find_ids looks at runs only inside stretches that hold 14 digits (found in C); every
number the whole-text pass finds — whole, in groups, full-width, with a lowercase x, in
masking and in the leak scan's strict mode — must still be found, at the same place."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from simulate.io.idmask import _merged, _run_spans, find_ids, mask_ids_in_text
from simulate.io.idnumber import check_digit
from simulate.io.leakscan import _scan_bytes

FULL = str.maketrans("0123456789", "０１２３４５６７８９")


def _whole_text(text: str, strict: bool) -> list:
    """find_ids as it was: every run of the whole text looked at."""
    return _merged(text, _run_spans(text, 0, len(text), strict))


def _id(body: str) -> str:
    return body + check_digit(body)


VALID = [_id("52062419500412031"), _id("52010219900101123"), _id("11010519491231002"), "520624500412031"]
SEPS = [" ", "-", "\u3000", "\u200b", "\t", "  ", " - ", "_", "\u2014"]


@st.composite
def id_written(draw: st.DrawFn) -> str:
    """A valid number written as people write it: groups, separators, full width, x."""
    number = draw(st.sampled_from(VALID))
    cuts = sorted(draw(st.sets(st.integers(1, len(number) - 1), max_size=8)))
    sep = draw(st.sampled_from(SEPS))
    parts = [number[a:b] for a, b in zip([0, *cuts], [*cuts, len(number)])]
    text = sep.join(parts)
    if draw(st.booleans()):
        text = text.translate(FULL)
    if text.endswith("X") and draw(st.booleans()):
        text = text[:-1] + draw(st.sampled_from("xＸｘ"))
    return text


NOISE = st.text(alphabet='0123456789０９ -\u3000\t.．Xx<>/="a村', max_size=40)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.one_of(id_written(), NOISE), max_size=8))
def test_stretches_find_what_the_whole_text_finds(pieces: list[str]) -> None:
    text = "".join(pieces)
    for strict in (False, True):
        assert find_ids(text, strict=strict) == _whole_text(text, strict)


def test_grouped_ids_in_a_long_sheet_are_found_and_masked() -> None:
    number = VALID[1]
    grouped = " ".join([number[:4], number[4:8], number[8:12], number[12:16], number[16:]])
    filler = "".join(f'<c r="A{i}"><v>{i}</v></c>' for i in range(20_000))  # short numbers only
    for form in (number, grouped, grouped.translate(FULL), "-".join([number[:6], number[6:14], number[14:]])):
        text = filler + f"<t>{form}</t>" + filler
        spans = find_ids(text, strict=True)
        assert [s.number for s in spans] == [number], form
        assert number not in mask_ids_in_text(text).translate(str.maketrans("０１２３４５６７８９", "0123456789"))
    lower = _id("11010519491231002")
    assert lower.endswith("X")
    text = filler + f"<t>{lower[:-1]}x</t>"
    assert [s.number for s in find_ids(text, strict=True)] == [lower]


def test_leak_scan_finds_a_grouped_id_in_a_large_xml_part() -> None:
    number = VALID[0]
    grouped = f"{number[:4]} {number[4:8]} {number[8:12]} {number[12:16]} {number[16:]}"
    sheet = "<sheetData>" + "".join(f'<row r="{i}"><c r="A{i}"><v>{i}</v></c></row>' for i in range(50_000))
    sheet += f'<row r="1"><c t="inlineStr"><is><t>{grouped}</t></is></c></row></sheetData>'
    found = list(_scan_bytes(sheet.encode(), "sheet1.xml", 1))
    assert found and all(masked.startswith(number[:6]) and "*" in masked for _, masked in found)


def _runs(number: str) -> str:
    """A string split into formatting runs at every 4 characters, as rich text is stored."""
    return "".join(f"<r><rPr><b/></rPr><t>{number[i : i + 4]}</t></r>" for i in range(0, len(number), 4))


def test_leak_scan_joins_runs_among_plain_strings() -> None:
    number = VALID[2]
    plain = "".join(f'<is><t xml:space="preserve">名{i}</t></is>' for i in range(5_000))
    for item in (f"<is>{_runs(number)}</is>", f"<si>{_runs(number)}</si>"):
        found = list(_scan_bytes((plain + item + plain).encode(), "sheet1.xml", 1))
        assert [m for _, m in found] == [mask_ids_in_text(number)], item
    # an unclosed string before plain ones is joined with the next one, as before
    broken = plain + f"<si><t>{number[:9]}</t>" + f"<si><t>{number[9:]}</t></si>" + plain
    assert [m for _, m in _scan_bytes(broken.encode(), "sharedStrings.xml", 1)] == [mask_ids_in_text(number)]
    assert list(_scan_bytes(plain.encode(), "sheet1.xml", 1)) == []


JSONISH = st.recursive(
    st.one_of(st.none(), st.integers(), st.booleans(), NOISE, id_written()),
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.one_of(NOISE, id_written()), inner, max_size=4),
    ),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(JSONISH)
def test_mask_ids_json_masks_as_mask_ids_deep(value: object) -> None:
    from simulate.io.idmask import mask_ids_deep, mask_ids_json

    assert mask_ids_json(value) == mask_ids_deep(value)


def test_mask_ids_json_leaves_clean_data_as_it_is() -> None:
    from simulate.io.idmask import mask_ids_json

    clean = {"rows": [{"name": "王小芳", "id": "520624********0316", "n": 12345}] * 3}
    assert mask_ids_json(clean) is clean
    dirty = {"rows": [{"name": f"王 {VALID[0]}"}, {"name": "李"}], "tab": "a\tb"}
    out = mask_ids_json(dirty)
    assert VALID[0] not in str(out) and out["rows"][1] is dirty["rows"][1]
