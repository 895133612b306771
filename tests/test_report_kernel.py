"""The report kernel (simulate.report.kernel): what it imports ahead of the first cell, and a
sweep worker's kernel reused between runs as if each run had a fresh one."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from simulate.report.kernel import import_lines
from simulate.report.render import render_many

TINY = Path(__file__).parent / "fixtures" / "tiny_report.ipynb"


def test_import_lines_of_a_percent_script_are_its_imports_only(tmp_path):
    script = tmp_path / "nb.py"
    script.write_text(
        '# %% tags=["parameters"]\nx = 1\n\n# %%\nimport json\nfrom pathlib import Path\n'
        "print(Path('.'))\n\n# %%\nimport json\nif x:\n    import os\n",
        "utf-8",
    )
    # top-level imports once each, in order; nested imports and other code are left to the cells
    assert import_lines(script).splitlines() == ["import json", "from pathlib import Path"]


def test_import_lines_skip_cells_with_magics_and_unreadable_files(tmp_path):
    nb = {
        "cells": [
            {"cell_type": "code", "source": ["%matplotlib inline\n", "import os\n"]},
            {"cell_type": "markdown", "source": "import not_code"},
            {"cell_type": "code", "source": "import math\nx = math.pi\n"},
        ]
    }
    path = tmp_path / "nb.ipynb"
    path.write_text(json.dumps(nb), "utf-8")
    assert import_lines(path) == "import math"
    assert import_lines(tmp_path / "missing.py") == ""


@pytest.mark.slow
def test_a_reused_kernel_gives_each_run_what_a_fresh_kernel_would(tmp_path, no_pdf):
    # one worker, three runs: the second and third reuse the first run's kernel, one after a failure
    # (no PDF: nothing here reads one; the tiny report's PDF is checked in tests/test_render.py)
    jobs = [
        (TINY, tmp_path / "one", {"title": "同一报告"}),
        (TINY, tmp_path / "bad", {"title": "坏", "fail": True}),
        (TINY, tmp_path / "two", {"title": "同一报告"}),
        (TINY, tmp_path / "three", {"title": "同一报告"}),
    ]
    one, bad, two, three = render_many(jobs, workers=1)
    assert one.ok and two.ok and three.ok and not bad.ok
    # the same parameters give the same page, whichever run of the kernel made it
    assert one.html.read_bytes() == two.html.read_bytes() == three.html.read_bytes()
    for run in (one, two, three):
        cells = json.loads(run.notebook.read_text("utf-8"))["cells"]
        counts = [c["execution_count"] for c in cells if c["cell_type"] == "code"]
        assert counts == list(range(1, len(counts) + 1)), run.name  # counted from 1 in every run
        assert run.results == one.results
