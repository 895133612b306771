"""Where the files the package reads at run time are: data tables, report notebooks, examples.

The repository keeps them in top-level ``data/``, ``notebooks/`` and ``scenarios/``; the wheel
carries them inside the package as ``simulate/data``, ``simulate/notebooks`` and
``simulate/scenarios`` (mapped in pyproject.toml). Every lookup goes through :func:`folder`, so
``pip install .``, ``pip install -e .`` and a checkout on ``PYTHONPATH`` all find the same files.
"""

from __future__ import annotations

import contextlib
import marshal
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

#: The folders shipped with the package (repository name = name inside the wheel).
FOLDERS = ("data", "notebooks", "scenarios")
#: ``simulate dashboard``'s default port and scenario (here, not in simulate.dashboard, so
#: the command-line parser reads them without importing the server's modules).
DASHBOARD_PORT = 8866
DASHBOARD_SCENARIO = "langxi-2024.yaml"
_PACKAGE = Path(__file__).parent


def folder(kind: str) -> Path:
    """The folder ``kind`` (one of :data:`FOLDERS`): inside the installed package, else the
    checkout's top-level folder beside the package (editable install or ``PYTHONPATH``)."""
    if kind not in FOLDERS:
        raise ValueError(f"unknown resource folder {kind!r}; expected one of {FOLDERS}")
    # the package's own folder: what importlib.resources.files("simulate") names for a package
    # on disk, without loading importlib.resources (and tempfile, zipfile, …) at every start
    package = _PACKAGE
    inside = package / kind
    if inside.is_dir():
        # an installed wheel is always unpacked on disk (never zip-imported: notebooks are
        # run by a kernel in another process, which needs a real path)
        return inside
    return package.resolve().parent / kind


def data_path(name: str) -> Path:
    """A table in ``data/`` (e.g. ``household-size.csv``)."""
    return folder("data") / name


def notebook_path(name: str) -> Path:
    """A notebook's jupytext percent script in ``notebooks/`` (e.g. ``scenario_report.py``);
    :mod:`simulate.report.notebook_build` turns it into the ``.ipynb`` papermill or Voilà runs."""
    return folder("notebooks") / name


def example_path(name: str) -> Path:
    """An example scenario or sheet in ``scenarios/`` (e.g. ``langxi-2024.yaml``)."""
    return folder("scenarios") / name


def find_root(start: Path | None = None) -> Path:
    """The folder that holds ``scenarios/``, for a notebook resolving the paths it is given:
    the working folder or its parent (a checkout, a notebook run from ``notebooks/``), else the
    checkout beside the package, else the installed package, which carries the examples itself."""
    here = Path.cwd() if start is None else start
    package = Path(__file__).resolve().parent
    candidates = [here, here.parent, package.parent, package]
    return next((p for p in candidates if (p / "scenarios").is_dir()), here)


def find_scenario(scenario: str | Path) -> Path:
    """``scenario`` as given, else beside the working folder's parent (a notebook run from
    notebooks/), else the shipped example of that name."""
    p = Path(scenario)
    for candidate in (p, Path.cwd().parent / p):
        if candidate.is_file():
            return candidate.resolve()
    return example_path(p.name)


def package_yaml(path: Path) -> Any:
    """The package's own YAML data file ``path`` (labels, lang, vocabulary, identity names,
    population headers: read by every command), by libyaml's safe loader where installed (ten
    times faster than the pure-Python one) and only once per change of the file
    (:func:`parsed_once`). Never for a user's file: those go through ``io.safeyaml``."""

    def parse() -> Any:
        import yaml

        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        return yaml.load(path.read_text("utf-8"), Loader=loader)  # noqa: S506 - a safe loader

    return parsed_once(path, parse)


def parsed_once(path: Path, parse: Callable[[], T]) -> T:
    """``parse()`` of the package's own data file ``path`` (:func:`package_yaml`), parsed once
    per change, not at every start: kept in ``__pycache__`` beside it as marshal, used while the
    file's modification time and size are those it was made from (as a .pyc is). A cache that
    cannot be read or written (read-only install, ``PYTHONDONTWRITEBYTECODE``) costs nothing but
    the parse. Never for a user's file."""
    try:
        st = path.stat()
    except OSError:
        return parse()
    stamp = f"{st.st_mtime_ns}:{st.st_size}"
    cache = path.parent / "__pycache__" / f"{path.name}.{sys.implementation.cache_tag}.marshal"
    try:
        with open(cache, "rb") as fh:
            made_from, data = marshal.load(fh)
        if made_from == stamp:
            return data  # type: ignore[no-any-return]  # what parse() gave when it was written
    except (OSError, EOFError, ValueError, TypeError):
        pass  # none yet, or unreadable: parsed below
    data = parse()
    if not sys.dont_write_bytecode:
        with contextlib.suppress(OSError, ValueError):  # no folder to write in, or unmarshallable
            cache.parent.mkdir(exist_ok=True)
            write_whole(cache, marshal.dumps((stamp, data)))  # type: ignore[arg-type]  # parsed YAML: plain data
    return data


def write_whole(target: Path, data: bytes, mode: int = 0o666) -> None:
    """Write ``data`` as the file ``target``, whole or not at all, whoever else writes it at
    once: into a hidden temporary file of this process beside it (created anew, never through a
    link, permissions ``mode`` less the umask), then renamed over it. On any error the
    temporary file is removed and the error raised."""
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")  # hidden: a folder listing skips it
    try:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()  # a leftover of a process that had this id
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), mode)
        with open(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
