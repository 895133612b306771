"""Issue 16 item 5: ``simulate run scenarios/sinan-2021.yaml --size 10000000`` against the same
rules written for OpenFisca-core (benchmarks/openfisca/sinan_openfisca.py), target ≤ 0.1×
(simulate's whole-process wall time / OpenFisca's).

The comparison is honest only if both compute the same thing on the same people: the
synthetic population ``simulate run`` draws (same size, same seed) is written to a .npz file,
OpenFisca reads it and computes the totals by source, and they must equal ``simulate run
--json``'s to the fen, or the benchmark fails. OpenFisca's whole process counts its start,
imports, building the system and the simulation, setting the inputs and calculating; not
writing the file. Medians of RUNS runs, CPU beside wall, the load average before and after.
simulate's modules are byte-compiled first, as an install does, and one small run of the same
scenario leaves what an analyst's first run leaves (the package's parsed YAML, the scenario kept
validated: docs/install.md, "What simulate keeps between runs"; ``bench_yardstick.byte_compile``);
OpenFisca's packages are installed, compiled, and its rules are Python it imports each time.

OpenFisca lives in its own venv (benchmarks/README.md, "OpenFisca"): without
/work/ofvenv (or $OPENFISCA_PYTHON) the benchmark prints SKIP and exits 0.

    PYTHONPATH=. python benchmarks/bench_openfisca.py [RUNS] [SIZE]
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import numpy as np  # noqa: E402
from _common import SINAN, cli_cpu, report, timed_process  # noqa: E402
from bench_yardstick import byte_compile, load  # noqa: E402

from simulate.model.synth import synthesize  # noqa: E402
from simulate.policy import load_scenario  # noqa: E402
from simulate.vocabulary import IDENTITY_BIT  # noqa: E402

OF_PYTHON = os.environ.get("OPENFISCA_PYTHON", "/work/ofvenv/bin/python")
OF_SCRIPT = str(Path(__file__).resolve().parent / "openfisca" / "sinan_openfisca.py")
SEED = 0


def openfisca_ready() -> str:
    """Empty text if OpenFisca can run, else why not."""
    if not Path(OF_PYTHON).exists():
        return f"{OF_PYTHON} not found"
    proc = subprocess.run([OF_PYTHON, "-c", "import openfisca_core"], capture_output=True, text=True)
    return "" if proc.returncode == 0 else "openfisca_core not importable in " + OF_PYTHON


def write_population(size: int, path: Path) -> None:
    """The persons ``simulate run --size SIZE --seed 0`` tallies, as OpenFisca's input columns."""
    pop = synthesize(load_scenario(SINAN), size, seed=SEED).materialize()
    np.savez(
        path,
        identities=pop.identities,
        bits=np.array(json.dumps(IDENTITY_BIT)),
        age=pop.age,
        disability=pop.disability,
        enrolled=pop.enrolled,
        timing=pop.timing,
    )


def main(runs: int = 3, size: int = 10_000_000) -> int:
    why = openfisca_ready()
    if why:
        print(f"OpenFisca comparison: SKIP ({why}; see benchmarks/README.md, OpenFisca)")
        return 0
    byte_compile()  # as installed: OpenFisca's packages are compiled too
    print(f"issue 16 item 5 — {size:,} persons, 思南 2021, simulate vs OpenFisca-core; {load()}")
    with tempfile.TemporaryDirectory() as tmp:
        pop = Path(tmp) / "population.npz"
        write_population(size, pop)
        sim_rows, of_rows, of_out = [], [], {}
        for _ in range(runs):  # in turn: both see the same load
            wall, cpu, out = cli_cpu("run", SINAN, "--size", str(size), "--seed", str(SEED), "--json")
            sim_rows.append((wall, cpu))
            sim_json = json.loads(out)
            wall, cpu, out = timed_process([OF_PYTHON, OF_SCRIPT, str(pop)])
            of_rows.append((wall, cpu))
            of_out = json.loads(out)
    agree = check_totals(sim_json, of_out)
    sim_wall, sim_cpu = (statistics.median(x) for x in zip(*sim_rows, strict=True))
    of_wall, of_cpu = (statistics.median(x) for x in zip(*of_rows, strict=True))
    print(f"  simulate run --json: wall {', '.join(f'{w:.2f}' for w, _ in sim_rows)} s, CPU median {sim_cpu:.2f} s")
    print(f"  OpenFisca process:   wall {', '.join(f'{w:.2f}' for w, _ in of_rows)} s, CPU median {of_cpu:.2f} s")
    print(
        "  OpenFisca split (last run, wall/CPU s): "
        + ", ".join(f"{k} {w:.2f}/{c:.2f}" for k, (w, c) in of_out["timings"].items())
    )
    print(f"  after: {load()}; CPU ratio {sim_cpu / of_cpu:.3f} (not a target)")
    ok = report(
        f"simulate run {size:,} persons / OpenFisca-core, wall (median of {runs})",
        sim_wall / of_wall,
        "×",
        0.1,
        higher_is_better=False,
    )
    return 0 if ok and agree else 1


def check_totals(sim: dict, of: dict) -> bool:
    """Both computed the same thing: every total by source, and the fiscal subsidy, to the fen
    (``simulate run --json`` gives yuan, exact decimals of whole fen)."""
    wrong = []
    for source, fen in of["by_source"].items():
        yuan = sim["fiscal_subsidy"] if source == "fiscal_subsidy" else sim["by_source"].get(source, 0)
        ours = Decimal(str(yuan)) * 100
        if ours != fen:
            wrong.append(f"{source}: simulate {ours} fen, OpenFisca {fen} fen")
    extra = {s: v for s, v in sim["by_source"].items() if s not in of["by_source"] and v}
    wrong += [f"{s}: simulate {v} fen, OpenFisca has no such source" for s, v in extra.items()]
    if of["persons"] != sim["persons"]:
        wrong.append(f"persons: simulate {sim['persons']}, OpenFisca {of['persons']}")
    print("  totals by source agree to the fen" if not wrong else "  totals DISAGREE: " + "; ".join(wrong))
    return not wrong


if __name__ == "__main__":
    sys.exit(main(*(int(a) for a in sys.argv[1:3])))
