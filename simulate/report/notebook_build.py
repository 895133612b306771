"""Build a runnable ``.ipynb`` from a notebook's jupytext percent script (issue 11 item 5).

The notebooks live in ``notebooks/*.py`` as percent scripts (``# %%`` cells, ``# %% [markdown]``,
papermill's ``parameters`` tag as ``# %% tags=["parameters"]``) so ruff and reviewers read them
as code. ``simulate report``, ``simulate sweep``, the dashboard and ``simulate notebooks`` build
the ``.ipynb`` here, into a work folder, at the moment it is needed; no ``.ipynb`` is kept in git.
"""

from __future__ import annotations

import sys
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

from ..resources import folder
from .outcome import skip_slow_validators

if TYPE_CHECKING:
    import nbformat

#: The notebooks shipped in ``notebooks/`` (script stems; the built notebook is ``<stem>.ipynb``).
NOTEBOOKS = ("scenario_report", "sweep_report", "quickstart", "what_if")

#: The kernel every built notebook names (papermill and Voilà start it by this name).
KERNELSPEC = {"display_name": "Python 3", "language": "python", "name": "python3"}


def script_path(name: str) -> Path:
    """The percent script of notebook ``name`` (``"what_if"``, ``"what_if.py"`` or ``"what_if.ipynb"``
    all name ``notebooks/what_if.py``)."""
    stem = Path(name).stem
    if stem not in NOTEBOOKS:
        raise ValueError(f"unknown notebook {name!r}; expected one of {', '.join(NOTEBOOKS)}")
    return folder("notebooks") / f"{stem}.py"


def _source(name: str | Path) -> Path:
    """A percent script given by path (e.g. a test's own), else a shipped notebook's by name."""
    path = Path(name)
    return path if path.suffix == ".py" and path.is_file() else script_path(str(name))


#: jupytext's Jupyter-server contents managers: its package imports them (jupyter_server,
#: jupyter_events, sqlite3: about 0.3 s of CPU) but skips them on ImportError; a build never uses them.
_SERVER_PARTS = ("jupytext.sync_contentsmanager", "jupytext.async_contentsmanager")


def _jupytext() -> ModuleType:
    """jupytext imported without its contents managers (voilà and Jupyter run in processes of
    their own, which import them as usual)."""
    skip_slow_validators()  # before jupytext imports nbformat and jsonschema: 1.5-4 s less
    if "jupytext" not in sys.modules:
        kept_out = [name for name in _SERVER_PARTS if name not in sys.modules]
        sys.modules.update(dict.fromkeys(kept_out))  # type: ignore[arg-type]  # None: not importable, this once
        try:
            import jupytext  # noqa: F401
        finally:
            for name in kept_out:
                if sys.modules.get(name, 0) is None:
                    del sys.modules[name]
    return sys.modules["jupytext"]


def notebook(name: str | Path) -> nbformat.NotebookNode:
    """Notebook ``name`` (a shipped notebook's name or a script's path) read from its script:
    python3 kernelspec, numbered cell ids, every cell with a ``tags`` list (papermill reads
    them), and no jupytext version or timestamp, so a build is the same bytes on every run."""
    jupytext = _jupytext()
    import nbformat

    nb = jupytext.read(_source(name), fmt="py:percent")
    nb.metadata.pop("jupytext", None)
    nb.metadata["kernelspec"] = dict(KERNELSPEC)
    nb.metadata["language_info"] = {"name": "python"}
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"cell-{i}"  # deterministic ids, not jupytext's random ones
        cell.metadata.setdefault("tags", [])
    nbformat.validate(nb)
    return nb


def build_notebook(name: str | Path, out_dir: Path) -> Path:
    """Write ``<out_dir>/<stem>.ipynb`` built from the script ``name`` and return its path."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"{Path(name).stem}.ipynb"
    jupytext = _jupytext()
    target.write_text(jupytext.writes(notebook(name), fmt="ipynb"), encoding="utf-8")
    return target
