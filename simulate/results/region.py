"""Many counties at once: a region file names each county's scenario and population, every
county runs under its own policy, and outlays add up by county, city and province.

A region file is a CSV (UTF-8 or GBK) with the columns ``county, scenario, population``:
``scenario`` is a scenario file (relative to the region file), ``population`` a synthetic
size in persons, a person-level CSV (relative to the region file), or empty for the
scenario area's residents. City and province come from each scenario's ``county`` block.

>>> from simulate.results.region import run_region
>>> r = run_region("scenarios/region-example.csv", seed=1, workers=1)
>>> [c["county"] for c in r.to_json()["counties"]][:2]
['思南县', '郎溪县']
"""

from __future__ import annotations

import contextlib
import unicodedata
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import PopulationError, SimulateError
from ..io import safeio
from ..model.runner import dask_session
from ..money import to_fen, yuan, yuan_number
from ..numtext import MAX_DIGITS, ascii_digits
from ..policy import Scenario, load_scenario
from ..vocabulary import CANONICAL, Vocabulary
from .run import run

COLUMNS = ("county", "scenario", "population")


@dataclass(frozen=True)
class RegionRow:
    """One county of a region file: its label, scenario file and population (size or CSV)."""

    row: int
    county: str
    scenario: Path
    size: int | None = None
    population_file: Path | None = None


@dataclass
class CountyResult:
    row: RegionRow
    scenario_id: str
    province: str
    city: str
    persons: int
    enrolled: int
    source_fen: np.ndarray  # int64 [S], S the sources of the county's vocabulary
    fiscal_fen: int
    seed: int | None
    vocab: Vocabulary = CANONICAL  # the county scenario's (its local payers after the canonical ones)

    def by_source(self) -> dict[str, int]:
        """Fen by source id (counties of one region may declare different local payers)."""
        return dict(zip(self.vocab.source_ids, (int(f) for f in self.source_fen)))


@dataclass
class RegionResult:
    """Outlays by county, with sums by city and province (integer fen inside)."""

    path: Path
    seed: int
    counties: list[CountyResult] = field(default_factory=list)

    def _sum(self, key) -> list[dict[str, Any]]:
        groups: dict[tuple, dict[str, Any]] = {}
        for c in self.counties:
            k = key(c)
            g = groups.setdefault(
                k,
                {"counties": [], "persons": 0, "enrolled": 0, "fen": {}, "fiscal": 0},
            )
            g["counties"].append(c.row.county)
            g["persons"] += c.persons
            g["enrolled"] += c.enrolled
            for s, f in c.by_source().items():
                g["fen"][s] = g["fen"].get(s, 0) + f
            g["fiscal"] += c.fiscal_fen
        return [{"key": k, **v} for k, v in groups.items()]

    def to_json(self) -> dict[str, Any]:

        def money(fen: dict[str, int], fiscal: int) -> dict[str, Any]:
            return {
                "by_source": {s: yuan_number(f) for s, f in fen.items() if f != 0},
                "fiscal_subsidy": yuan_number(int(fiscal)),
            }

        counties = []
        for c in self.counties:
            item = {
                "county": c.row.county,
                "scenario": c.scenario_id,
                "province": c.province,
                "city": c.city,
                "persons": c.persons,
                "enrolled": c.enrolled,
            }
            item.update(money(c.by_source(), c.fiscal_fen))
            if c.row.population_file is not None:
                item["population_file"] = str(c.row.population_file)
            else:
                item["seed"] = c.seed
            counties.append(item)
        cities = [
            {
                "province": g["key"][0],
                "city": g["key"][1],
                "counties": g["counties"],
                "persons": g["persons"],
                "enrolled": g["enrolled"],
                **money(g["fen"], g["fiscal"]),
            }
            for g in self._sum(lambda c: (c.province, c.city))
        ]
        provinces = [
            {
                "province": g["key"],
                "counties": g["counties"],
                "persons": g["persons"],
                "enrolled": g["enrolled"],
                **money(g["fen"], g["fiscal"]),
            }
            for g in self._sum(lambda c: c.province)
        ]
        total = self._sum(lambda c: "all")[0] if self.counties else None
        return {
            "region": str(self.path),
            "seed": self.seed,
            "counties": counties,
            "cities": cities,
            "provinces": provinces,
            "total": {
                "persons": total["persons"],
                "enrolled": total["enrolled"],
                **money(total["fen"], total["fiscal"]),
            }
            if total
            else {},
        }

    def text(self, lang: str = "zh") -> str:
        """Readable tables: counties, then cities, then provinces (yuan)."""
        j = self.to_json()
        zh = lang == "zh"
        names: dict[str, str] = {}  # canonical sources first, then each county's local payers
        for c in self.counties:
            for s in c.vocab.source_ids:
                names.setdefault(s, c.vocab.label(s, lang))
        used = [s for s in names if any(s in x["by_source"] for x in j["counties"])]
        head = (
            ["人数" if zh else "persons", "参保" if zh else "enrolled"]
            + [names[s] for s in used]
            + ["财政补助" if zh else "fiscal subsidy"]
        )

        def wide(text: str) -> int:  # display width: CJK characters take two columns
            return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)

        def pad(text: str, n: int, right: bool = False) -> str:
            fill = " " * max(n - wide(text), 0)
            return fill + text if right else text + fill

        def table(title: str, rows: list[tuple[str, dict]]) -> list[str]:
            out = ["", title]
            width = max([wide(n) for n, _ in rows] + [4])
            ws = [max(14, wide(h)) for h in head]
            out.append(" " * (width + 2) + "  ".join(pad(h, w, True) for h, w in zip(head, ws)))
            for name, x in rows:
                cells = (
                    [f"{x['persons']:,}", f"{x['enrolled']:,}"]
                    + [yuan(to_fen(str(x["by_source"].get(s, 0)))) for s in used]
                    + [yuan(to_fen(str(x["fiscal_subsidy"])))]
                )
                out.append(pad(name, width) + "  " + "  ".join(pad(c, w, True) for c, w in zip(cells, ws)))
            return out

        lines = [f"{'地区文件' if zh else 'region file'} {j['region']}  (seed {j['seed']})"]
        lines += table("按县" if zh else "By county", [(c["county"], c) for c in j["counties"]])
        lines += table("按市（州）" if zh else "By city", [(f"{c['province']}{c['city']}", c) for c in j["cities"]])
        lines += table("按省" if zh else "By province", [(p["province"], p) for p in j["provinces"]])
        lines += table("合计" if zh else "Total", [("合计" if zh else "total", j["total"])])
        return "\n".join(lines)


def _population_cell(popu: str, folder: Path, where: str, n: int) -> tuple[int | None, Path | None]:
    """The population column of row ``n``: a number of persons, or a population file (CSV,
    Parquet, xlsx) or a folder of them, beside the region file."""
    size, pop_file = None, None
    digits = ascii_digits(popu).replace("_", "").replace(",", "")
    if digits.isascii() and digits.isdigit():  # ① passes isdigit() alone but not int()
        if len(digits) > MAX_DIGITS:
            raise SimulateError(f"{where}: row {n}, column population", f"{len(digits):,} digits is too many")
        size = int(digits)
        if size < 1:
            raise SimulateError(f"{where}: row {n}, column population", "a size must be at least 1 person")
        if size > 2_000_000_000:
            raise SimulateError(
                f"{where}: row {n}, column population",
                f"{size:,} persons is more than this toolkit supports (2 billion)",
            )
    else:
        pop_file = folder / popu
        problem = None if pop_file.is_dir() else safeio.file_problem(pop_file)  # a folder of partitions
        if problem:
            raise SimulateError(
                f"{where}: row {n}, column population",
                f"neither a number of persons nor a readable CSV file: {popu!r} ({problem})",
            )
    return size, pop_file


def read_region(path: str | Path) -> list[RegionRow]:
    """Read and check a region file; a bad row raises one error naming its row and column."""
    p = Path(path)
    where = str(path)
    rows = list(safeio.read_csv_rows(p, safeio.REGION, where))  # regular file, capped, limits
    if not rows:
        raise SimulateError(where, "file is empty")
    header = [h.strip() for h in rows[0]]
    for name in COLUMNS:
        if name not in header:
            raise SimulateError(
                f"{where}: row 1 (header), column {name}", f"required column is missing; expected {', '.join(COLUMNS)}"
            )
    for name in header:
        if name not in COLUMNS:
            raise SimulateError(
                f"{where}: row 1 (header), column {name or '(blank)'}", f"unknown column; expected {', '.join(COLUMNS)}"
            )
    col = {h: i for i, h in enumerate(header)}
    out: list[RegionRow] = []
    seen: dict[str, int] = {}
    for n, row in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in row) or row[0].lstrip().startswith("#"):
            continue
        if len(row) != len(header):
            raise SimulateError(f"{where}: row {n}", f"has {len(row)} fields, the header has {len(header)}")
        county, scen, popu = (row[col[c]].strip() for c in COLUMNS)
        if not county:
            raise SimulateError(f"{where}: row {n}, column county", "empty")
        if county in seen:
            raise SimulateError(f"{where}: row {n}, column county", f"{county!r} already on row {seen[county]}")
        seen[county] = n
        if not scen:
            raise SimulateError(f"{where}: row {n}, column scenario", "empty")
        scen_path = p.parent / scen
        problem = safeio.file_problem(scen_path)
        if problem:
            raise SimulateError(
                f"{where}: row {n}, column scenario",
                f"no such scenario file {scen_path}"
                if problem == "no such file"
                else f"scenario file {scen_path} {problem}",
            )
        size, pop_file = _population_cell(popu, p.parent, where, n) if popu else (None, None)
        out.append(RegionRow(n, county, scen_path, size, pop_file))
    if not out:
        raise SimulateError(where, "no counties listed")
    return out


def county_seed(seed: int, county: str) -> int:
    """Each county draws its own people: a seed from the run's seed and the county's name
    (not its row, so reordering the file changes nothing)."""
    ss = np.random.SeedSequence(seed, spawn_key=(zlib.crc32(county.encode("utf-8")),))
    return int(ss.generate_state(1, np.uint64)[0] >> np.uint64(1))


def run_region(
    path: str | Path,
    *,
    seed: int = 0,
    workers: int | None = None,
    chunk_blocks: int = 4,
    engine: str = "local",
    scheduler: str | None = None,
    progress: bool | None = None,
    overrides: dict[str, Any] | None = None,
) -> RegionResult:
    """Run every county of a region file under its own scenario (see the module docstring);
    ``overrides`` (``--set`` paths and values) apply to every county's scenario."""
    rows = read_region(path)
    where = str(path)
    scenarios = []
    for r in rows:  # check every scenario before running anything
        try:
            scenarios.append(load_scenario(r.scenario, overrides))
        except SimulateError as exc:
            raise SimulateError(
                f"{where}: row {r.row}, column scenario", exc.one_line(), reason_zh=exc.one_line("zh")
            ) from None
    result = RegionResult(Path(path), seed)
    # with Dask, every county runs on one cluster (started once, not once a county)
    session = dask_session(workers, scheduler) if engine == "dask" else contextlib.nullcontext()
    with session:
        for r, sc in zip(rows, scenarios):
            result.counties.append(
                _county(
                    r,
                    sc,
                    seed,
                    where,
                    workers=workers,
                    chunk_blocks=chunk_blocks,
                    engine=engine,
                    scheduler=scheduler,
                    progress=progress,
                )
            )
    return result


def _county(r: RegionRow, sc: Scenario, seed: int, where: str, **engine: Any) -> CountyResult:
    """One county's run under its own scenario and seed (``engine``: how chunks run)."""
    s = county_seed(seed, r.county)
    try:
        out = run(sc, r.population_file, size=r.size, seed=s, **engine)
    except PopulationError as exc:
        raise SimulateError(
            f"{where}: row {r.row}, column population", exc.one_line(), reason_zh=exc.one_line("zh")
        ) from None
    pol = sc.policy
    return CountyResult(
        r,
        pol.id,
        pol.county.province,
        pol.county.city,
        out.persons,
        out.enrolled,
        out.source_fen().astype(np.int64),
        out.fiscal_fen(),
        None if r.population_file is not None else s,
        pol.vocab,
    )
