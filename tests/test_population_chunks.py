"""Issue 16 items 2 and 3: a population file is counted chunk by chunk (read, checked,
resolved, tallied, dropped) with the same result to the fen as the whole file read at once,
whatever the chunk size, households split across chunks included; a folder of partitions
gives the one file's result, locally and on Dask."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from simulate.cli import main
from simulate.errors import PopulationError
from simulate.io.tabular import NotFast
from simulate.model import popfast, popstream
from simulate.model.behaviour import behaviour_rng
from simulate.model.engine import compile_for_engine, respond, tally
from simulate.model.filetally import Responses, tally_file
from simulate.model.population import PopulationFile, read_population
from simulate.model.runner import tally_files
from simulate.model.synth import default_spec, synthesize
from simulate.policy import load_scenario

REPO = Path(__file__).resolve().parent.parent
SINAN = REPO / "scenarios" / "sinan-2021.yaml"
BEHAVIOUR = {
    "behaviour.model": "logistic",
    "behaviour.midpoint_yuan": 655.85,
    "behaviour.slope_per_yuan": 0.010674,
    "behaviour.reference_yuan": 100,  # below what 思南 asks: some people drop out
    "behaviour.source": "DOMAIN.md 2026 simulation study (test)",
}
FIELDS = ("counts", "refused", "not_enrolled", "group_members", "group_enrolled", "group_on_time")
#: 64 KiB of CSV is about 1,100 rows: several chunks, and chunk edges inside households
CHUNKS = (64 << 10, 200 << 10, 16 << 20)


def _same(a, b) -> None:
    for name in FIELDS:
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)
    assert a.ties == b.ties


def _frame(pop, first: int = 0):
    frame = pop.to_frame()
    frame["person_id"] = [f"p{first + i}" for i in range(len(frame))]
    frame["household_id"] = [f"h{first + h}" for h in frame["household_id"]]
    return frame


@pytest.fixture(scope="module")
def people(tmp_path_factory):
    """A synthetic 20,000-person file, villages appearing as the file goes on."""
    sc = load_scenario(SINAN)
    path = tmp_path_factory.mktemp("chunks") / "people.csv"
    frame = _frame(synthesize(sc, 20_000, seed=5).materialize())
    frame["village"] = [f"村{i // 1_500}" for i in range(len(frame))]  # 14 villages, one after another
    frame.to_csv(path, index=False)
    return sc, path


@pytest.mark.parametrize("chunk_bytes", CHUNKS)
def test_streamed_tally_is_the_whole_files(people, chunk_bytes):
    sc, path = people
    comp = compile_for_engine(sc.policy)
    whole = read_population(path)
    got = tally_file(comp, path, None, chunk_bytes=chunk_bytes)
    assert got.error is None and got.rows_read == 20_000 and got.rows_rejected == 0
    assert got.village_ids == whole.villages.ids and len(whole.villages) > 1
    _same(got.tally, tally(comp, whole))


def test_small_chunks_split_households_and_meet_villages_late(people):
    """The smallest chunk size really cuts households and meets new villages mid-file (so
    the test above covers both); no rule looks at a household, so the cut changes nothing."""
    sc, path = people
    chunks = [c for c in PopulationFile(path, chunk_bytes=CHUNKS[0]) if c is not None]
    assert len(chunks) > 5
    split = sum(bool(np.intersect1d(a.household, b.household).size) for a, b in zip(chunks, chunks[1:]))
    assert split > 0
    widths = [len(c.villages) for c in chunks]
    assert widths[0] < widths[-1]


@pytest.mark.parametrize("chunk_bytes", CHUNKS[:2])
def test_behavioural_response_does_not_depend_on_the_chunk_size(people, chunk_bytes):
    sc, path = people
    comp = compile_for_engine(sc.with_overrides(BEHAVIOUR).policy)
    spec = default_spec()
    whole = respond(comp, read_population(path), behaviour_rng(7, 0), spec.full_participation_mask, spec.disabled_full)
    t, _, _ = tally_files(comp, path, None, seed=7, workers=1)
    streamed = tally_file(comp, path, None, chunk_bytes=chunk_bytes, responses=_responses(7)).tally
    _same(t, tally(comp, whole))
    _same(streamed, t)
    assert tally(comp, whole).not_enrolled.sum() > tally(comp, read_population(path)).not_enrolled.sum()


def _responses(seed):
    spec = default_spec()
    return Responses(seed, spec.full_participation_mask, spec.disabled_full)


def test_duplicate_across_chunks_names_the_first_row(tmp_path, people):
    """Only hashes of earlier chunks' ids are kept: the earlier row is found by reading the
    file again, the same row as when the whole file is in one chunk."""
    _, path = people
    lines = path.read_text("utf-8").splitlines()
    cells = lines[15_000].split(",")
    cells[0] = "p42"  # row 15,001 repeats row 44's person id
    lines[15_000] = ",".join(cells)
    bad = tmp_path / "dup.csv"
    bad.write_text("\n".join(lines) + "\n", "utf-8")
    errors = set()
    for chunk_bytes in (CHUNKS[0], CHUNKS[2]):
        with pytest.raises(PopulationError) as exc:
            for _ in PopulationFile(bad, chunk_bytes=chunk_bytes):
                pass
        errors.add(str(exc.value))
    assert errors == {f"{bad}: row 15001, column person_id: duplicate of row 44"}


def test_rows_in_are_rows_used_plus_rejected_in_chunks(tmp_path, people):
    _, path = people
    lines = path.read_text("utf-8").splitlines()
    for i in range(100, len(lines), 3_001):  # bad ages spread over many chunks
        cells = lines[i].split(",")
        cells[3] = "200"
        lines[i] = ",".join(cells)
    bad = tmp_path / "bad.csv"
    bad.write_text("\n".join(lines) + "\n", "utf-8")
    src = PopulationFile(bad, strict=False, chunk_bytes=CHUNKS[0])
    used = sum(len(c) for c in src if c is not None)
    assert src.rows_read == 20_000 == used + len(src.rejected) and len(src.rejected) == 7
    assert src.rejected == read_population(bad, strict=False).rejected


def _partitions(sc, folder: Path, sizes=(3_000, 5_000, 2_000)) -> Path:
    """One Parquet file per town, and the same people as one CSV (``folder/all.csv``)."""
    parts, first = [], 0
    (folder / "towns").mkdir()
    for k, n in enumerate(sizes):
        frame = _frame(synthesize(sc, n, seed=20 + k).materialize(), first)
        frame["village"] = [f"town{k}-{v}" for v in frame["village"]]
        first += n
        pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), folder / "towns" / f"town-{k}.parquet")
        parts.append(frame)
    (folder / "towns" / "_SUCCESS").write_text("")
    pd.concat(parts).to_csv(folder / "all.csv", index=False)
    return folder / "towns"


def test_folder_of_partitions_is_the_one_file(tmp_path, capsys):
    sc = load_scenario(SINAN)
    towns = _partitions(sc, tmp_path)
    comp = compile_for_engine(sc.policy)
    t, villages, meta = tally_files(comp, towns, None, workers=2)
    whole = read_population(tmp_path / "all.csv")
    _same(t, tally(comp, whole))
    assert villages.ids == whole.villages.ids
    assert meta["partitions"] == 3 and meta["rows_read"] == 10_000 and meta["rows_rejected"] == 0
    outs = []
    for target in (towns, tmp_path / "all.csv"):
        assert main(["run", str(SINAN), "--population", str(target), "--json"]) == 0
        j = json.loads(capsys.readouterr().out)
        outs.append({k: j[k] for k in ("persons", "enrolled", "by_source", "fiscal_subsidy")})
    assert outs[0] == outs[1] and outs[0]["persons"] == 10_000


def test_folder_on_dask_is_the_local_result(tmp_path, capsys):
    sc = load_scenario(SINAN)
    towns = _partitions(sc, tmp_path)
    outs = []
    for extra in ([], ["--engine", "dask", "--workers", "2"]):
        assert main(["run", str(SINAN), "--population", str(towns), "--json", *extra]) == 0
        outs.append(json.loads(capsys.readouterr().out))
    assert outs[0] == outs[1]
    region = tmp_path / "region.csv"
    shutil.copy(SINAN, tmp_path / "sinan.yaml")
    region.write_text("county,scenario,population\n思南县,sinan.yaml,towns\n", "utf-8")
    assert main(["region", str(region), "--json", "--engine", "dask", "--workers", "2"]) == 0
    county = json.loads(capsys.readouterr().out)["counties"][0]
    assert county["persons"] == outs[0]["persons"] and county["by_source"] == outs[0]["by_source"]


def test_bad_partition_is_one_line_naming_its_file(tmp_path, capsys):
    sc = load_scenario(SINAN)
    towns = _partitions(sc, tmp_path)
    (towns / "town-9.csv").write_text("person_id,age,sex\nq1,200,F\n", "utf-8")
    for extra in ([], ["--engine", "dask", "--workers", "2"]):
        assert main(["--lang", "en", "run", str(SINAN), "--population", str(towns), "--json", *extra]) == 2
        err = capsys.readouterr().err.strip()
        assert err.endswith("town-9.csv: row 2, column age: not a whole number of years 0-130: '200'")
        assert "\n" not in err
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["run", str(SINAN), "--population", str(empty), "--lang", "en"]) == 2
    assert "no population files" in capsys.readouterr().err


def test_parquet_dictionary_order_and_unused_values_change_nothing(tmp_path, people):
    """A Parquet village column stored as a dictionary in its own order, with values no row
    uses, gives the villages in order of first appearance, as the CSV does."""
    sc, path = people
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    names = sorted(set(frame["village"]), reverse=True) + ["没有人的村"]
    frame["village"] = pd.Categorical(frame["village"], categories=names)
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), tmp_path / "p.parquet", row_group_size=7_000)
    comp = compile_for_engine(sc.policy)
    whole = read_population(path)
    for chunk_bytes in CHUNKS[:2]:
        got = tally_file(comp, tmp_path / "p.parquet", None, chunk_bytes=chunk_bytes)
        assert got.error is None and got.village_ids == whole.villages.ids
        _same(got.tally, tally(comp, whole))


def _per_row_only(monkeypatch) -> None:
    """The per-row path alone (the contract every faster path must match): Arrow refuses."""

    def refuse(*args, **kwargs):
        raise NotFast("test: per-row path")
        yield  # a generator, as the real one

    monkeypatch.setattr(popstream, "population_batches", refuse)


def _with_repeats(path: Path, out: Path, bad_age_at: tuple[int, ...] = ()) -> Path:
    """``path`` with ids repeated across chunks (rows 9,001 and 19,001 repeat row 44's id,
    rows 12,001 and 15,001 those of rows 5,001 and 8) and bad ages at ``bad_age_at``."""
    lines = path.read_text("utf-8").splitlines()
    for line_no, pid in ((9_000, "p42"), (19_000, "p42"), (12_000, "p5000"), (15_000, "p7")):
        cells = lines[line_no].split(",")
        cells[0] = pid
        lines[line_no] = ",".join(cells)
    for line_no in bad_age_at:
        cells = lines[line_no].split(",")
        cells[3] = "200"
        lines[line_no] = ",".join(cells)
    out.write_text("\n".join(lines) + "\n", "utf-8")
    return out


def test_repeat_met_before_a_bad_row_is_the_error(tmp_path, people, monkeypatch):
    """Ids of clean chunks are checked against one another later, all at once: a repeat
    must still be the error when a bad row follows it, and the counting run names it too."""
    sc, path = people
    bad = _with_repeats(path, tmp_path / "dup.csv", bad_age_at=(17_000,))
    comp = compile_for_engine(sc.policy)
    want = (f"{bad}: row 9001, column person_id", "duplicate of row 44")
    for chunk_bytes in CHUNKS:
        with pytest.raises(PopulationError) as exc:
            for _ in PopulationFile(bad, chunk_bytes=chunk_bytes):
                pass
        assert (exc.value.where, exc.value.reason) == want
        error = tally_file(comp, bad, None, chunk_bytes=chunk_bytes).error  # then its zh texts
        assert error is not None and (error.where, error.reason) == want
    _per_row_only(monkeypatch)
    with pytest.raises(PopulationError) as exc:
        read_population(bad)
    assert (exc.value.where, exc.value.reason) == want


def test_repeats_and_bad_rows_rejected_as_the_per_row_reader_does(tmp_path, people, monkeypatch):
    sc, path = people
    bad = _with_repeats(path, tmp_path / "dup.csv", bad_age_at=(3_000, 9_500, 16_000))
    got = []
    for chunk_bytes in CHUNKS:
        pop = read_population(bad, strict=False, chunk_bytes=chunk_bytes)
        got.append((pop.rejected, pop.rows_read, len(pop), pop.to_frame()))
    _per_row_only(monkeypatch)
    contract = read_population(bad, strict=False)
    reasons = [r["reason"] for r in contract.rejected]
    assert len(reasons) == 7 and sum("duplicate of row" in r for r in reasons) == 4
    assert [r["row"] for r in contract.rejected] == sorted(r["row"] for r in contract.rejected)
    for rejected, rows_read, used, frame in got:
        assert rejected == contract.rejected
        assert rows_read == contract.rows_read == used + len(rejected) == 20_000
        pd.testing.assert_frame_equal(frame, contract.to_frame())


def test_seen_ids_settle_names_the_first_batch_with_a_repeat():
    ids = popstream.SeenIds()
    h = np.arange(1, 4_001, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15)  # spread over the buckets
    ids.add(h[:1_000], row=2)
    ids.add(h[1_000:2_000], row=1_002)
    assert ids.settle(checked_from=1 << 62) is None and len(ids) == 2_000
    assert not ids.seen(h[2_000:]).any() and ids.seen(h[:2_000]).all()
    ids.add(h[2_000:3_000], row=2_002)
    ids.add(np.concatenate([h[3_000:], h[1_500:1_501]]), row=3_002)  # repeats a settled hash
    ids.add(h[2_100:2_101], row=4_003)  # repeats one added unchecked before
    assert ids.settle(checked_from=1 << 62) == 3_002
    again = popstream.SeenIds()
    again.add(h[:10], row=2)
    again.add(h[:1], row=12)  # checked row by row already (two ids sharing a hash): kept
    assert again.settle(checked_from=12) is None and again.seen(h[:1]).all()
    last = popstream.SeenIds()
    last.add(h[:100], row=2)
    assert last.settle(checked_from=1 << 62, keep=False) is None and len(last) == 0  # checked, then dropped
    last.add(h[:1], row=200)
    assert last.settle(checked_from=1 << 62, keep=False) is None  # dropped: not met before any more


def test_hash_of_an_id_does_not_depend_on_its_batch():
    """Repeats across chunks are found by hash: an id hashes alike in a batch of ids of one
    length (read as strided words) and among ids of other lengths (gathered word by word)."""
    ids = ["522427199001010011", "p42", "522427199001010029", "x" * 17, "中文名字", ""]
    mixed = popfast.hash_strings(pa.array(ids))
    fixed = popfast.hash_strings(pa.array(["522427199001010029", "522427199001010011"]))
    assert list(fixed) == [mixed[2], mixed[0]]
    assert len(set(mixed.tolist())) == len(ids)
    assert list(popfast.hash_strings(pa.array(ids).slice(1, 2))) == list(mixed[1:3])
