"""One population reader for CSV, Parquet and xlsx (issue 11): the same people give the same
figures to the fen in ``run``, ``report``, ``compare`` and ``region``, whatever the format;
bad rows are refused with the same one-line errors and rows in = rows used + rows rejected.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

import simulate
from simulate.cli import main
from simulate.model.population import read_population

REPO = Path(__file__).resolve().parent.parent
SINAN = REPO / "scenarios" / "sinan-2021.yaml"
LANGXI = REPO / "scenarios" / "langxi-2024.yaml"
LANGXI_400 = REPO / "scenarios" / "langxi-2025-400.yaml"
HAND = REPO / "tests" / "fixtures" / "sinan-hand-count.csv"
FORMATS = ("parquet", "xlsx")


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    """Columns as a county's own tools would type them: whole numbers as integers."""
    out = frame.copy()
    for name in ("age", "disability_grade", "enrolled"):
        if name in out:
            out[name] = out[name].astype("int64")
    return out


def _write_as(csv_path: Path, kind: str, out_dir: Path) -> Path:
    frame = _typed(pd.read_csv(csv_path, dtype=str, keep_default_na=False))
    target = out_dir / f"{csv_path.stem}.{kind}"
    if kind == "parquet":
        frame.to_parquet(target, index=False)
    else:
        frame.to_excel(target, index=False, engine="openpyxl")
    return target


def _langxi_csv(tmp_path: Path, size: int = 3000) -> Path:
    sc = simulate.load_scenario(LANGXI)
    frame = simulate.synthesize(sc, size=size, seed=11).materialize().to_frame()
    path = tmp_path / "langxi.csv"
    frame.to_csv(path, index=False)
    return path


def _cli_json(capsys, argv: list[str]) -> dict:
    capsys.readouterr()
    assert main(argv) == 0
    got = json.loads(capsys.readouterr().out)
    got.pop("population_file", None)  # the only field naming the file itself
    return got


@pytest.mark.parametrize("kind", FORMATS)
def test_reader_gives_the_same_people(tmp_path, kind):
    csv_pop = read_population(HAND)
    other = read_population(_write_as(HAND, kind, tmp_path))
    assert len(other) == len(csv_pop) == 31 and other.rows_read == csv_pop.rows_read
    for name in ("identities", "age", "sex", "disability", "village", "household", "enrolled", "timing"):
        assert (getattr(other, name) == getattr(csv_pop, name)).all(), name
    assert list(other.person_id) == list(csv_pop.person_id)


@pytest.mark.parametrize("kind", FORMATS)
def test_run_is_identical_to_the_fen(tmp_path, capsys, kind):
    base = ["run", str(SINAN), "--json", "--population"]
    want = _cli_json(capsys, base + [str(HAND)])
    assert want["by_source"]  # the hand count pays something: the comparison can fail
    assert _cli_json(capsys, base + [str(_write_as(HAND, kind, tmp_path))]) == want


def test_compare_and_region_are_identical_to_the_fen(tmp_path, capsys):
    csv_path = _langxi_csv(tmp_path)
    files = {"csv": csv_path} | {k: _write_as(csv_path, k, tmp_path) for k in FORMATS}
    compared = {
        k: _cli_json(capsys, ["compare", str(LANGXI), str(LANGXI_400), "--population", str(p), "--json"])
        for k, p in files.items()
    }
    assert compared["csv"] and compared["parquet"] == compared["csv"] == compared["xlsx"]
    region = tmp_path / "region.csv"
    region.write_text(
        "county,scenario,population\n" + "".join(f"郎溪县{k},{LANGXI},{p.name}\n" for k, p in files.items()),
        encoding="utf-8",
    )
    got = _cli_json(capsys, ["region", str(region), "--json"])
    assert len(got["counties"]) == 3 and got["counties"][0]["by_source"]
    by_county = {
        c["county"]: {k: v for k, v in c.items() if k not in ("county", "population_file")} for c in got["counties"]
    }
    assert by_county["郎溪县parquet"] == by_county["郎溪县csv"] == by_county["郎溪县xlsx"]


@pytest.mark.parametrize("kind", FORMATS)
def test_bad_row_is_one_line_and_counted(tmp_path, capsys, kind):
    frame = pd.read_csv(HAND, dtype=str, keep_default_na=False)
    frame.loc[3, "sex"] = "X"
    bad_csv = tmp_path / "bad.csv"
    frame.to_csv(bad_csv, index=False)
    bad = _write_as(bad_csv, kind, tmp_path)
    capsys.readouterr()
    assert main(["run", str(SINAN), "--population", str(bad), "--lang", "en"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "row 5, column sex" in err and str(bad) in err
    pop = read_population(bad, strict=False)
    assert len(pop) + len(pop.rejected) == pop.rows_read == 31


def test_damaged_parquet_is_one_line(tmp_path, capsys):
    bad = tmp_path / "broken.parquet"
    bad.write_bytes(b"PAR1 this is not a parquet file")
    capsys.readouterr()
    assert main(["run", str(SINAN), "--population", str(bad)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "Parquet" in err and str(bad) in err


@pytest.mark.slow
def test_report_is_identical_to_the_fen(tmp_path, capsys, no_pdf):
    """The report of a small population: results.json equal but for the file's own name (the
    PDF is not compared, so it is not printed: tests/conftest.py ``no_pdf``)."""
    files = {"csv": HAND} | {k: _write_as(HAND, k, tmp_path) for k in FORMATS}
    results = {}
    for kind, path in files.items():
        out = tmp_path / f"report-{kind}"
        assert main(["report", str(SINAN), "--population", str(path), "--out", str(out)]) == 0
        text = (out / "results.json").read_text("utf-8")
        assert path.name in text  # the report names its population file (provenance) …
        got = json.loads(text.replace(path.name, "FILE"))  # … and is otherwise the same
        assert got["results"].pop("population_file") == str(path).replace(path.name, "FILE")
        results[kind] = got
    assert results["csv"]["results"]["by_source"] and results["csv"]["results"]["rows_read"] == 31
    assert results["parquet"] == results["csv"] == results["xlsx"]
