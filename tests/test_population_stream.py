"""Issue 16 item 2: the Arrow chunked reader gives the per-row reader's results, whatever the
chunk size, including rejected rows and their reasons."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from simulate.model.engine import compile_for_engine, tally
from simulate.model.population import read_population
from simulate.model.synth import synthesize
from simulate.policy import load_scenario

FIELDS = ("identities", "age", "sex", "disability", "village", "household", "enrolled", "timing")


def _write(pop, path, bad_every: int = 0) -> None:
    frame = pop.to_frame()
    frame["person_id"] = [f"p{i}" for i in range(len(frame))]
    frame["household_id"] = frame["household_id"].astype(str)
    frame.loc[frame.index % 7 == 0, "household_id"] = ""
    lines = frame.to_csv(index=False).splitlines()
    if bad_every:  # a bad age, a duplicate id, an unknown identity, a blank line
        for i in range(5, len(lines), bad_every):
            cells = lines[i].split(",")
            kind = (i // bad_every) % 4
            if kind == 0:
                cells[3] = "200"
            elif kind == 1:
                cells[0] = "p1"
            elif kind == 2:
                cells[6] = "nobody"
            lines[i] = "" if kind == 3 else ",".join(cells)
    path.write_text("\n".join(lines) + "\n", "utf-8")


@pytest.fixture(scope="module")
def scenario():
    return load_scenario(Path(__file__).resolve().parent.parent / "scenarios" / "sinan-2021.yaml")


@pytest.mark.parametrize("bad_every", [0, 997])
def test_same_people_whatever_the_chunk_size(tmp_path, scenario, bad_every):
    pop = synthesize(scenario, 40_000, seed=3).materialize()
    path = tmp_path / "people.csv"
    _write(pop, path, bad_every)
    big = read_population(path, strict=False)
    small = read_population(path, strict=False, chunk_bytes=64 << 10)
    for name in FIELDS:
        assert np.array_equal(getattr(big, name), getattr(small, name)), name
    assert big.rejected == small.rejected
    assert big.rows_read == small.rows_read == len(big) + len(big.rejected)
    assert list(big.villages.ids) == list(small.villages.ids)
    comp = compile_for_engine(scenario.policy)
    a, b = tally(comp, big), tally(comp, small)
    assert np.array_equal(a.counts, b.counts) and np.array_equal(a.not_enrolled, b.not_enrolled)
    if bad_every:
        assert big.rejected and {"age", "person_id", "identities"} <= {
            r["reason"].split("column ")[1].split(":")[0] for r in big.rejected
        }
    else:
        assert not big.rejected and len(big) == len(pop)
        assert np.array_equal(big.identities, pop.identities) and np.array_equal(big.age, pop.age)


def test_matches_the_per_row_reader(tmp_path, scenario):
    """The strict error of a bad row is the same with or without a BOM (Arrow skips it)."""
    pop = synthesize(scenario, 5_000, seed=4).materialize()
    path = tmp_path / "p.csv"
    _write(pop, path, 1_001)
    with pytest.raises(Exception) as fast:
        read_population(path)
    bom = tmp_path / "bom.csv"
    bom.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    with pytest.raises(Exception) as other:
        read_population(bom)
    assert str(fast.value) == str(other.value).replace("bom.csv", "p.csv")
    assert "row 5" in str(fast.value) or "row 6" in str(fast.value)


def _gbk_people(scenario, path: Path, tail: bytes = b"") -> Path:
    """40,000 people saved as GBK (well past the 256 KiB the encoding is guessed from), with
    Chinese village names, some Chinese person ids, a quoted comma, CRLF line ends, a few
    bad rows, then ``tail`` (raw bytes)."""
    frame = synthesize(scenario, 40_000, seed=6).materialize().to_frame()
    frame["person_id"] = [f"编号{i}" if i % 5_000 == 7 else f"p{i}" for i in range(len(frame))]
    frame["village"] = [f"思南县{i % 7}村" if i % 3 else f"村,{i % 4}" for i in range(len(frame))]
    frame["age"] = frame["age"].astype(str)
    frame.loc[frame.index % 9_001 == 3, "age"] = "300"
    text = frame.to_csv(index=False, lineterminator="\r\n")
    path.write_bytes(text.encode("gbk") + tail)
    return path


def _per_row(monkeypatch, read):
    """``read()`` by the per-row reader alone (the contract): the Arrow reader refuses."""
    from simulate.io.tabular import NotFast
    from simulate.model import popstream

    def refuse(*args, **kwargs):
        raise NotFast("test: per-row path")
        yield

    with monkeypatch.context() as m:
        m.setattr(popstream, "population_batches", refuse)
        return read()


def test_gbk_read_by_arrow_is_the_per_row_reading(tmp_path, scenario, monkeypatch):
    """GBK is read by Arrow as bytes and decoded column by column: the same people, villages
    and rejected rows as the per-row reader's decoding of the whole text."""
    from simulate.errors import PopulationError
    from simulate.io.tabular import population_batches

    path = _gbk_people(scenario, tmp_path / "gbk.csv")
    batches = population_batches(path, str(path), PopulationError, 256 << 10)
    next(batches)  # the header
    assert sum(b.num_rows for b in batches) == 40_000  # Arrow read it all (no per-row fallback)
    fast = read_population(path, strict=False, chunk_bytes=256 << 10)
    slow = _per_row(monkeypatch, lambda: read_population(path, strict=False))
    assert fast.rejected == slow.rejected and len(fast.rejected) == 5
    assert fast.villages.ids == slow.villages.ids and "村,2" in fast.villages.ids and "思南县1村" in fast.villages.ids
    assert {"编号7", "编号35007"} <= set(fast.person_id)
    assert fast.to_frame().equals(slow.to_frame())


def test_gbk_bad_bytes_late_in_the_file_are_the_per_row_error(tmp_path, scenario, monkeypatch):
    from simulate.errors import PopulationError

    path = _gbk_people(scenario, tmp_path / "gbk.csv", tail=b"p99999,h1,\xff,40,F,0,,1,regular,\r\n")
    with pytest.raises(PopulationError) as fast:
        read_population(path, strict=False)
    with pytest.raises(PopulationError) as slow:
        _per_row(monkeypatch, lambda: read_population(path, strict=False))
    assert str(fast.value) == str(slow.value) and "\n" not in str(fast.value)


@pytest.mark.parametrize("name", ["sex", "disability_grade", "enrolled"])
def test_one_character_columns_read_by_the_byte_as_by_the_value(name):
    """A CSV's sex, disability and enrolled columns are looked up by their byte: the values
    and the refusals of decoding each distinct text (every ASCII character, and empty)."""
    import pyarrow as pa

    from simulate.model import popfast

    fn, _, dtype = popfast.DECODERS[name]
    texts = [chr(b) for b in range(128)] * 3 + ["", "1", "F"]
    values, refused = popfast.decode_bytes(pa.array(texts), fn, dtype)
    assert refused  # most characters are not a value
    for text, value in zip(texts, values):
        want = fn(text)
        assert want is None or value == want, text
    good = [t for t in texts if fn(t) is not None]
    assert 2 <= len(set(good)) < 20
    values, refused = popfast.decode_bytes(pa.array(good), fn, dtype)
    want, refused_too = popfast.decode_low(pa.array(good), fn, dtype)
    assert not refused and not refused_too and np.array_equal(values, want)
    assert popfast.decode_bytes(pa.array(["1", "女"]), fn, dtype) is None  # longer: by the value
