"""The example scenarios shipped with the package, listed or copied out.

An analyst who installed the wheel has no ``scenarios/`` folder; this copies the county
examples (and their what-if and region sheets) into a folder of theirs, never replacing a file
that differs.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from .errors import SimulateError
from .resources import folder


def example_files() -> list[Path]:
    """The shipped example files (scenarios .yaml, sheets .csv), sorted by name."""
    return sorted(p for p in folder("scenarios").iterdir() if p.is_file() and p.suffix in (".yaml", ".csv"))


def copy_examples(out: str | Path) -> list[Path]:
    """Copy every example into ``out`` (created); a file already there with the same bytes is
    kept, one with other bytes is an error (nothing is copied then)."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise SimulateError(str(out), "exists and is not a folder")
    files = example_files()
    for src in files:
        target = out / src.name
        if target.exists() and (not target.is_file() or target.read_bytes() != src.read_bytes()):
            raise SimulateError(
                str(target), "already exists with other content; choose another --out folder (nothing was copied)"
            )
    out.mkdir(parents=True, exist_ok=True)
    copied = []
    for src in files:
        target = out / src.name
        if not target.exists():
            shutil.copyfile(src, target)
        copied.append(target)
    return copied
