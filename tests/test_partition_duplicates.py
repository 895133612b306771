"""A person id used in two partitions of a population folder is refused on one line (the
later file's row and column, the earlier file and row; exit 2), like a repeat inside one
file: locally and on Dask, whatever the chunk size, the per-row path too (session 5 note)."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from simulate.cli import main
from simulate.io.tabular import NotFast
from simulate.model import popcross, popfast, popstream
from simulate.model.engine import compile_for_engine
from simulate.model.filetally import merge, tally_file
from simulate.model.synth import synthesize
from simulate.policy import load_scenario

REPO = Path(__file__).resolve().parent.parent
SINAN = REPO / "scenarios" / "sinan-2021.yaml"
#: about 1,100 rows of CSV per chunk, and the default
CHUNKS = (64 << 10, 16 << 20)


def _towns(folder: Path, suffix: str = ".parquet", sizes=(3_000, 4_000, 2_000)) -> list[pd.DataFrame]:
    """One file per town (ids p0 … unique across them); the frames, for editing."""
    sc = load_scenario(SINAN)
    frames, first = [], 0
    for k, n in enumerate(sizes):
        frame = synthesize(sc, n, seed=30 + k).materialize().to_frame()
        frame["person_id"] = [f"p{first + i}" for i in range(n)]
        frame["household_id"] = [f"h{first}-{h}" for h in frame["household_id"]]
        frame["village"] = [f"town{k}-{v}" for v in frame["village"]]
        frames.append(frame)
        first += n
    return frames


def _write(folder: Path, frames: list[pd.DataFrame], suffix: str = ".parquet") -> list[Path]:
    folder.mkdir(exist_ok=True)
    paths = []
    for k, frame in enumerate(frames):
        path = folder / f"town-{k}{suffix}"
        if suffix == ".csv":
            frame.to_csv(path, index=False)
        else:
            pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), path)
        paths.append(path)
    return paths


def _line(capsys, argv: list[str]) -> str:
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "Traceback" not in err
    return err


def test_an_id_in_two_parquet_partitions_is_one_line_locally_and_on_dask(tmp_path, capsys):
    frames = _towns(tmp_path)
    frames[2].loc[1_499, "person_id"] = "p17"  # file row 1501 repeats town-0's row 19
    frames[2].loc[1_800, "person_id"] = "p3005"  # and later town-1's row 7
    towns = tmp_path / "towns"
    paths = _write(towns, frames)
    want = (
        f"{paths[2]}: row 1501, column person_id: duplicate of row 19 of {paths[0]} (the same person in two partitions)"
    )
    for extra in ([], ["--workers", "2"], ["--engine", "dask", "--workers", "2"]):
        err = _line(capsys, ["--lang", "en", "run", str(SINAN), "--population", str(towns), "--json", *extra])
        assert err.endswith(want), extra
    zh = _line(capsys, ["--lang", "zh", "run", str(SINAN), "--population", str(towns)])
    assert zh.endswith(f"{paths[2]}：第1501行，person_id列: 与{paths[0]}第19行重复（同一人出现在两个分区文件中）")
    region = tmp_path / "region.csv"
    shutil.copy(SINAN, tmp_path / "sinan.yaml")
    region.write_text("county,scenario,population\n思南县,sinan.yaml,towns\n", "utf-8")
    assert _line(capsys, ["--lang", "en", "region", str(region), "--json"]).endswith(want)


@pytest.mark.parametrize("per_row", [False, True])
def test_the_same_error_whatever_the_chunk_size_and_reader(tmp_path, monkeypatch, per_row):
    frames = _towns(tmp_path)
    frames[1].loc[2_500, "person_id"] = "p2999"  # town-1's row 2502 repeats town-0's last row
    paths = _write(tmp_path / "towns", frames, ".csv")
    if per_row:  # Arrow refuses: every file read row by row

        def refuse(*args, **kwargs):
            raise NotFast("test: per-row path")
            yield

        monkeypatch.setattr(popstream, "population_batches", refuse)
    comp = compile_for_engine(load_scenario(SINAN).policy)
    for chunk_bytes in CHUNKS:
        parts = [tally_file(comp, p, None, k, chunk_bytes=chunk_bytes, with_ids=True) for k, p in enumerate(paths)]
        assert all(p.error is None for p in parts)
        with pytest.raises(popcross.PopulationError) as exc:
            merge(parts, None)
        assert (exc.value.where, exc.value.reason) == (
            f"{paths[1]}: row 2502, column person_id",
            f"duplicate of row 3001 of {paths[0]} (the same person in two partitions)",
        )


def test_the_first_problem_in_path_order_is_the_one_named(tmp_path, capsys):
    frames = _towns(tmp_path)
    frames[1].loc[10, "person_id"] = "p0"
    frames[2].loc[5, "age"] = 200
    paths = _write(tmp_path / "towns", frames, ".csv")
    argv = ["--lang", "en", "run", str(SINAN), "--population", str(tmp_path / "towns")]
    assert _line(capsys, argv).endswith(
        f"{paths[1]}: row 12, column person_id: duplicate of row 2 of {paths[0]} (the same person in two partitions)"
    )
    frames[0].loc[5, "age"] = 200  # now an error before the repeat: it is the one named
    paths = _write(tmp_path / "towns", frames, ".csv")
    assert _line(capsys, argv).endswith(f"{paths[0]}: row 7, column age: not a whole number of years 0-130: '200'")


def test_a_hash_shared_by_two_different_ids_is_not_a_duplicate(tmp_path):
    frames = _towns(tmp_path, sizes=(50, 60))
    paths = [str(p) for p in _write(tmp_path / "towns", frames, ".csv")]
    hashes = [np.sort(popfast.hash_strings(pa.array(list(f["person_id"]), pa.string()))) for f in frames]
    assert popcross.duplicate_across(paths, hashes) is None
    # town-1 said to hold a hash of town-0's (as two different ids sharing a 64-bit hash would):
    # the text of both files is read again and no row of town-1 holds town-0's id
    h7 = popfast.hash_strings(pa.array([frames[0].loc[7, "person_id"]], pa.string()))
    clash = [hashes[0], np.sort(np.append(hashes[1], h7))]
    assert {k: list(v) for k, v in popcross.repeated_across(clash).items()} == {1: list(h7)}
    assert popcross.duplicate_across(paths, clash) is None
    # an id really used twice is found among the same hashes
    frames[1].loc[3, "person_id"] = frames[0].loc[7, "person_id"]
    paths = [str(p) for p in _write(tmp_path / "towns", frames, ".csv")]
    found = popcross.duplicate_across(paths, clash)
    assert found is not None and found[0] == 1 and found[1].where == f"{paths[1]}: row 5, column person_id"


def test_partitions_without_shared_ids_still_run(tmp_path, capsys):
    towns = tmp_path / "towns"
    _write(towns, _towns(tmp_path))
    assert main(["run", str(SINAN), "--population", str(towns), "--json"]) == 0
    assert '"persons": 9000' in capsys.readouterr().out
