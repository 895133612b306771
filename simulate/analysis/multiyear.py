"""Outlay over several benefit years under the national standards path and a population
drift (``simulate multiyear``). pandas is imported when a path is computed."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import labels
from ..errors import SimulateError
from ..model.expected import age_sex_probs
from ..model.synth import SynthSpec, default_spec, lookup_table, synthesize
from ..policy import Scenario
from ..resources import data_path
from ..results.run import run
from .common import outlay_row, scenario_of
from .expected import expected_value
from .values import number

if TYPE_CHECKING:  # pandas loads only when a path is computed (import simulate stays light)
    import pandas as pd


def national_standards(path: str | Path | None = None) -> pd.DataFrame:
    """National minimum standards by benefit year (yuan): ``data/national-standards.csv``."""
    import pandas as pd

    p = Path(path) if path else data_path("national-standards.csv")
    frame = pd.read_csv(p)
    return frame.sort_values("benefit_year").reset_index(drop=True)


#: How standards continue past the last known year (stated in every multi-year table), in
#: Chinese (the zh text output) and English (labels.yaml, section multiyear).
EXTRAPOLATION_RULE_ZH, EXTRAPOLATION_RULE = labels.pairs("multiyear")["extrapolation_rule"]


def _standards_path(first_year: int, years: int, standards=None) -> list[tuple[int, int, int, bool]]:
    """(benefit year, national personal, national fiscal, extrapolated) for each year (yuan)."""
    nat = national_standards(standards)
    known = {int(r.benefit_year): (int(r.personal_yuan), int(r.fiscal_subsidy_yuan)) for r in nat.itertuples()}
    last = max(known)
    tail = [y for y in sorted(known) if y > last - 6]
    dp = round((known[tail[-1]][0] - known[tail[0]][0]) / (len(tail) - 1))
    df = round((known[tail[-1]][1] - known[tail[0]][1]) / (len(tail) - 1))
    out = []
    for y in range(first_year, first_year + years):
        if y in known:
            out.append((y, *known[y], False))
        elif y > last:
            k = y - last
            out.append((y, known[last][0] + k * dp, known[last][1] + k * df, True))
        else:
            first = min(known)
            out.append((y, known[first][0], known[first][1], True))
    return out


def _aged_spec(spec: SynthSpec, ageing: float, years: int) -> SynthSpec:
    """The age-sex table with the 60+ share grown by ``ageing`` per year (relative), taken
    from the under-60s in proportion."""
    if ageing == 0 or years == 0:
        return spec
    p = age_sex_probs(spec)
    old = p[60:].sum()
    new_old = min(0.95, old * (1 + ageing) ** years)
    q = p.copy()
    q[60:] *= new_old / old
    q[:60] *= (1 - new_old) / (1 - old)
    codes = np.arange(302, dtype=np.uint8)
    return dataclasses.replace(spec, age_sex=lookup_table(codes, q.ravel()))


def _checked_drift(years: int, drift: dict[str, float], method: str) -> tuple[float, float]:
    """(ageing, out-migration) of a multi-year path, after checking its arguments."""
    if isinstance(years, bool) or not isinstance(years, int) or not 1 <= years <= 50:
        raise SimulateError("--years", f"must be a whole number from 1 to 50 (got {years!r})")
    unknown = set(drift) - {"ageing", "out_migration"}
    if unknown:
        raise SimulateError("drift", f"unknown drift {sorted(unknown)[0]!r} (ageing, out_migration)")
    ageing = float(drift.get("ageing", 0.0))
    out_mig = float(drift.get("out_migration", 0.0))
    if not 0 <= out_mig < 1:
        raise SimulateError("--out-migration", f"must be a share from 0 to below 1, got {out_mig}")
    if not -0.5 < ageing < 1:
        raise SimulateError("--ageing", f"must be a yearly relative change between -0.5 and 1, got {ageing}")
    if method not in ("simulate", "expected"):
        raise SimulateError("--method", f"unknown method {method!r} (simulate or expected)")
    return ageing, out_mig


def _year_scenario(sc: Scenario, year: int, personal: int, fiscal: int) -> Scenario:
    """The scenario in benefit year ``year`` with its standards (fen) moved to ``personal`` and ``fiscal``."""
    return sc.with_overrides(
        {
            "benefit_year": year,
            "contribution.personal": Decimal(personal) / 100,
            "contribution.fiscal_subsidy": Decimal(fiscal) / 100,
        }
    )


def _year_outlay(sc_y: Scenario, n: int, seed: int, sp: SynthSpec, method: str) -> dict[str, Any]:
    """One year's persons, enrolled, outlay by source and fiscal subsidy (yuan): drawn and run,
    or its expected value."""
    row: dict[str, Any] = {}
    sources = sc_y.policy.vocab.source_ids  # local payers too
    if method == "expected":
        ev = expected_value(sc_y, size=n, spec=sp)
        row.update({"persons": n, "enrolled": ev["enrolled"]})
        row.update({s: ev["by_source"].get(s, 0.0) for s in sources})
        row["fiscal_subsidy"] = ev["fiscal_subsidy"]
    else:
        out = run(sc_y, synthesize(sc_y, n, seed, spec=sp), seed=seed, workers=1, progress=False)
        r = outlay_row(out)
        row.update({"persons": r["persons"], "enrolled": r["enrolled"]})
        row.update({s: r[s] for s in sources})
        row["fiscal_subsidy"] = r["fiscal_subsidy"]
    return row


def multi_year(
    scenario: Scenario | str | Path,
    years: int = 5,
    drift: Mapping[str, float] | None = None,
    size: int | None = None,
    seed: int = 0,
    method: str = "simulate",
    standards: str | Path | None = None,
    overrides: Mapping[str, Any] | None = None,
    spec: SynthSpec | None = None,
) -> pd.DataFrame:
    """Outlay by source for ``years`` benefit years from the scenario's own, under the national
    standards path and a population drift.

    Year 0 is the scenario as written. Each later year moves the personal standard and the
    fiscal subsidy by the change in the national minimum (``data/national-standards.csv``;
    past its last year by :data:`EXTRAPOLATION_RULE`, flagged in column ``extrapolated``);
    fixed subsidies stay fixed (DOMAIN.md). ``drift``: ``out_migration`` (share of residents
    lost per year: the population is ``size × (1 − rate)^k``) and ``ageing`` (relative growth
    per year of the share aged 60+). Every year uses the same seed. ``method="expected"``
    uses :func:`expected_value` instead of drawing people.

    >>> t = multi_year("scenarios/langxi-2024.yaml", years=3, size=10_000,
    ...                drift={"out_migration": 0.01})
    >>> list(t["year"]), list(t["personal_yuan"]), list(t["persons"])
    ([2024, 2025, 2026], [380, 400, 400], [10000, 9900, 9801])
    """
    import pandas as pd

    drift = dict(drift or {})
    ageing, out_mig = _checked_drift(years, drift, method)
    sc = scenario_of(scenario, overrides)
    pol = sc.policy
    base_spec = spec or default_spec()
    if size is None:
        size = synthesize(sc, None, seed).size
    path = _standards_path(pol.benefit_year, years, standards)
    nat0_p, nat0_f = path[0][1], path[0][2]
    rows = []
    for k, (year, nat_p, nat_f, extra) in enumerate(path):
        personal = pol.contribution.personal + (nat_p - nat0_p) * 100
        fiscal = pol.contribution.fiscal_subsidy + (nat_f - nat0_f) * 100
        sc_y = sc if k == 0 else _year_scenario(sc, year, personal, fiscal)
        n = max(1, round(size * (1 - out_mig) ** k))
        row: dict[str, Any] = {
            "year": year,
            "personal_yuan": number(Decimal(personal) / 100),
            "fiscal_subsidy_yuan": number(Decimal(fiscal) / 100),
            "extrapolated": extra and k > 0,
        }
        row.update(_year_outlay(sc_y, n, seed, _aged_spec(base_spec, ageing, k), method))
        row["subsidy_total"] = round(sum(row[s] for s in sc_y.policy.vocab.source_ids[1:]), 2)
        rows.append(row)
    frame = pd.DataFrame(rows)
    frame.attrs.update(
        {"scenario": sc.id, "rule": EXTRAPOLATION_RULE, "drift": drift, "method": method, "unit": "yuan"}
    )
    return frame
