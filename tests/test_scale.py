"""Scale (issue 4): chunked streaming gives the same tally to the fen whatever the chunk size,
the number of workers or the engine (local or Dask); Ctrl-C stops cleanly; region files run
many counties under their own policies and add up by county, city and province.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import psutil
import pytest

from simulate.cli import main
from simulate.model.engine import compile_for_engine, tally
from simulate.model.runner import _chunks, tally_population
from simulate.model.synth import BLOCK, synthesize
from simulate.policy import load_scenario
from simulate.results.region import county_seed, read_region, run_region
from simulate.results.run import run

REPO = Path(__file__).resolve().parent.parent
SINAN = REPO / "scenarios" / "sinan-2021.yaml"
SIZE = 3 * BLOCK + BLOCK // 2  # 3.5 blocks: the last one short
SIMULATE = str(Path(sys.executable).parent / "simulate")


def _same(a, b) -> None:
    for name in ("counts", "refused", "not_enrolled", "group_members", "group_enrolled", "group_on_time"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)
    assert a.ties == b.ties


@pytest.fixture(scope="module")
def sinan():
    sc = load_scenario(SINAN)
    return compile_for_engine(sc.policy), synthesize(sc, SIZE, seed=11)


@pytest.fixture(scope="module")
def baseline(sinan):
    comp, pop = sinan
    return tally_population(comp, pop, workers=1, chunk_blocks=1)


@pytest.mark.parametrize("workers,chunk_blocks", [(1, 2), (1, 5), (2, 1), (2, 2), (2, 5)])
def test_chunks_and_workers_give_the_same_tally(sinan, baseline, workers, chunk_blocks):
    comp, pop = sinan
    _same(tally_population(comp, pop, workers=workers, chunk_blocks=chunk_blocks), baseline)


@pytest.mark.parametrize("workers", [1, 2, 3, 8])
@pytest.mark.parametrize("chunk_blocks", [1, 2, 4, 5])
def test_chunks_cover_every_block_once_and_share_evenly_over_the_workers(workers, chunk_blocks):
    """Chunks run contiguous from block 0 to the last, none longer than ``chunk_blocks``, longer
    first and at most one block apart, and as many as a multiple of the workers where there are
    blocks enough (so that no worker waits alone on the last chunk)."""
    for n_blocks in range(1, 60):
        chunks = _chunks(n_blocks, chunk_blocks, workers)
        sizes = [b - a for a, b in chunks]
        assert chunks[0][0] == 0 and chunks[-1][1] == n_blocks
        assert all(chunks[i][1] == chunks[i + 1][0] for i in range(len(chunks) - 1))
        assert all(1 <= k <= chunk_blocks for k in sizes)
        assert sizes == sorted(sizes, reverse=True) and sizes[0] - sizes[-1] <= 1
        assert len(chunks) >= -(-n_blocks // chunk_blocks)
        if workers > 1 and len(chunks) < n_blocks:
            assert len(chunks) % workers == 0, (n_blocks, chunk_blocks, workers, sizes)


def test_streaming_equals_one_population(sinan, baseline):
    comp, pop = sinan
    assert baseline.persons == SIZE
    _same(tally(comp, pop.materialize()), baseline)


def test_dask_local_cluster_gives_the_same_tally(sinan, baseline):
    pytest.importorskip("dask.distributed")
    comp, pop = sinan
    _same(tally_population(comp, pop, workers=2, chunk_blocks=1, engine="dask"), baseline)


def test_cli_engine_dask(capsys):
    capsys.readouterr()
    size = str(BLOCK + 1000)
    assert (
        main(
            [
                "run",
                str(SINAN),
                "--size",
                size,
                "--seed",
                "3",
                "--json",
                "--engine",
                "dask",
                "--workers",
                "2",
                "--chunk-blocks",
                "1",
            ]
        )
        == 0
    )
    dask = json.loads(capsys.readouterr().out)
    assert main(["run", str(SINAN), "--size", size, "--seed", "3", "--json", "--workers", "1"]) == 0
    local = json.loads(capsys.readouterr().out)
    assert dask == local


def test_scheduler_needs_dask_engine(capsys):
    assert main(["run", str(SINAN), "--size", "1000", "--scheduler", "tcp://127.0.0.1:1"]) == 2
    assert "--engine dask" in capsys.readouterr().err


def test_unreachable_scheduler_is_one_line(capsys):
    rc = main(["run", str(SINAN), "--size", "1000", "--engine", "dask", "--scheduler", "tcp://127.0.0.1:9"])
    err = capsys.readouterr().err.strip().splitlines()
    assert rc == 2 and len(err) == 1 and "--scheduler" in err[0]


@pytest.mark.parametrize("group", [False, True], ids=["parent", "process-group"])
def test_ctrl_c_stops_cleanly(tmp_path, group):
    """SIGINT to the parent (or to the whole group, as a terminal does): exit 130 promptly,
    one line on stderr, nothing on stdout, no worker left behind."""
    proc = subprocess.Popen(
        [SIMULATE, "run", str(SINAN), "--size", "300000000", "--workers", "2", "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=tmp_path,
        start_new_session=True,
    )
    me = psutil.Process(proc.pid)
    deadline = time.time() + 20
    children = []
    while time.time() < deadline and not children:  # wait until the workers are running
        time.sleep(0.2)
        children = me.children(recursive=True)
    time.sleep(1.5)
    assert proc.poll() is None, "the run finished before it could be interrupted"
    children = me.children(recursive=True)
    if group:
        os.killpg(proc.pid, signal.SIGINT)
    else:
        proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)  # a bound on hanging, not a speed target
    assert proc.returncode == 130
    assert out == b""
    lines = err.decode().strip().splitlines()
    assert len(lines) == 1 and "已中断" in lines[0], err.decode()  # the locale (C.UTF-8) gives zh
    time.sleep(0.3)
    alive = [c for c in children if c.is_running() and c.status() != psutil.STATUS_ZOMBIE]
    assert not alive
    assert list(tmp_path.iterdir()) == []


# ----------------------------------------------------------------------------- region files


def _region(tmp_path: Path, body: str, name: str = "region.csv") -> Path:
    p = tmp_path / name
    p.write_text("county,scenario,population\n" + body, "utf-8")
    return p


def test_region_example_runs_each_county_under_its_own_policy(capsys):
    path = REPO / "scenarios" / "region-example.csv"
    assert main(["region", str(path), "--json", "--workers", "1"]) == 0
    got = json.loads(capsys.readouterr().out)
    assert [c["scenario"] for c in got["counties"]] == [
        "sinan-2021",
        "langxi-2024",
        "songming-2018",
        "shuangpai-2022",
        "daligang-2020",
    ]
    # each county alone, through `simulate run` with the same seed, gives the same figures
    for c, name in zip(
        got["counties"], ["sinan-2021", "langxi-2024", "songming-2018", "shuangpai-2022", "daligang-2020"]
    ):
        one = run(REPO / "scenarios" / f"{name}.yaml", seed=county_seed(0, c["county"]), workers=1).to_json()
        assert (c["persons"], c["enrolled"], c["by_source"], c["fiscal_subsidy"]) == (
            one["persons"],
            one["enrolled"],
            one["by_source"],
            one["fiscal_subsidy"],
        )
    hunan = next(p for p in got["provinces"] if p["province"] == "湖南省")
    assert sorted(hunan["counties"]) == ["双牌县", "桃江县大栗港镇"]
    assert len(got["cities"]) == 5 and len(got["provinces"]) == 4
    for level in ("cities", "provinces"):
        assert sum(x["persons"] for x in got[level]) == got["total"]["persons"]
        for src, yuan in got["total"]["by_source"].items():
            assert round(sum(x["by_source"].get(src, 0) for x in got[level]) * 100) == round(yuan * 100)
    assert main(["region", str(path), "--workers", "1", "--lang", "en"]) == 0
    assert "By province" in capsys.readouterr().out


def test_region_sizes_files_and_seeds(tmp_path):
    scen = REPO / "scenarios"
    csv = REPO / "tests" / "fixtures" / "sinan-hand-count.csv"
    p = _region(tmp_path, f"甲县,{scen / 'sinan-2021.yaml'},5_000\n乙县,{scen / 'sinan-2021.yaml'},{csv}\n")
    r = run_region(p, seed=4, workers=1).to_json()
    a, b = r["counties"]
    assert a["persons"] == 5000 and a["seed"] == county_seed(4, "甲县")
    assert b["persons"] == 31 and b["by_source"]["medical_assistance"] == 1300
    assert r["provinces"][0]["persons"] == 5031
    # rows in another order: the same figures for every county
    q = _region(tmp_path, f"乙县,{scen / 'sinan-2021.yaml'},{csv}\n甲县,{scen / 'sinan-2021.yaml'},5000\n", "q.csv")
    r2 = run_region(q, seed=4, workers=1).to_json()
    assert r2["counties"][1]["by_source"] == a["by_source"]


@pytest.mark.parametrize(
    "body,where,reason",
    [
        ("思南县,missing.yaml,1000\n", "row 2, column scenario", "no such scenario file"),
        ("思南县,,1000\n", "row 2, column scenario", "empty"),
        (",{s},1000\n", "row 2, column county", "empty"),
        ("思南县,{s},many\n", "row 2, column population", "neither a number"),
        ("思南县,{s},0\n", "row 2, column population", "at least 1"),
        ("思南县,{s},1000\n思南县,{s},2000\n", "row 3, column county", "already on row 2"),
        ("思南县,{s}\n", "row 2", "2 fields"),
        ("思南县,{bad},1000\n", "row 2, column scenario", "personal"),
    ],
)
def test_region_bad_rows_are_one_line(tmp_path, capsys, body, where, reason):
    bad = tmp_path / "bad-scenario.yaml"
    bad.write_text(SINAN.read_text("utf-8").replace("personal: 280 ", "personal: abc "), "utf-8")
    p = _region(tmp_path, body.format(s=SINAN, bad=bad))
    assert main(["region", str(p), "--workers", "1", "--lang", "en"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and str(p) in err[0] and where in err[0] and reason in err[0], err


def test_region_bad_header(tmp_path, capsys):
    p = tmp_path / "h.csv"
    p.write_text("county,scenario,size\n思南县,x.yaml,1\n", "utf-8")
    assert main(["region", str(p), "--lang", "en"]) == 2
    err = capsys.readouterr().err
    assert "row 1 (header), column population" in err


def test_read_region_gbk_and_comments(tmp_path):
    p = tmp_path / "gbk.csv"
    p.write_bytes(f"county,scenario,population\n# 注释\n思南县,{SINAN},100\n\n".encode("gbk"))
    rows = read_region(p)
    assert [(r.county, r.size, r.row) for r in rows] == [("思南县", 100, 3)]
