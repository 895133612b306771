"""Where a report's wait goes (issue 16 item 1): seconds per stage of one run, the kernel's
start told apart from the notebook's own cells, printed by ``simulate report --timings`` and
the benchmarks."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from pathlib import Path


class Stopwatch:
    """Seconds per stage of one run (issue 16 item 1: where the report's wait goes)."""

    def __init__(self, started: float) -> None:
        self.stages: dict[str, float] = {"setup": time.perf_counter() - started}
        self._last = time.perf_counter()

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        self.stages[stage] = now - self._last
        self._last = now

    def breakdown(self, executed: Path, total: float) -> dict[str, float]:
        """The stages, with kernel+execution split by the notebook's own cell times
        (papermill records each cell's duration): kernel start/stop is the remainder."""
        stages = dict(self.stages)
        cells = cell_seconds(executed)
        both = stages.pop("kernel+execution", 0.0)
        execution = sum(cells.values())
        stages = {
            "setup": stages.get("setup", 0.0),
            "kernel": max(both - execution, 0.0),
            "execution": execution,
            **{k: v for k, v in stages.items() if k != "setup"},
        }
        stages.update({f"  cell {k}": v for k, v in cells.items() if v >= 0.05})
        stages["total"] = total
        return stages


def cell_seconds(executed: Path) -> dict[str, float]:
    """Seconds per executed cell, keyed 'N [first line]' (papermill's metadata), {} if unreadable."""
    try:
        nb = json.loads(Path(executed).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    out: dict[str, float] = {}
    for index, cell in enumerate(nb.get("cells", [])):
        duration = cell.get("metadata", {}).get("papermill", {}).get("duration")
        if isinstance(duration, (int, float)):
            source = cell.get("source", "")
            out[f"{index + 1} [{first_line(''.join(source) if isinstance(source, list) else source, 40)}]"] = float(
                duration
            )
    return out


def timings_text(timings: Mapping[str, float]) -> str:
    """The breakdown as lines 'stage  seconds' for --timings and the benchmarks."""
    return "\n".join(f"{stage:<48} {seconds:6.2f} s" for stage, seconds in timings.items())


def first_line(text: str | None, limit: int = 80, *, code: bool = True) -> str:
    """The first non-blank line (for code: not a comment either), shortened to ``limit``."""
    for line in (text or "").splitlines():
        if line.strip() and not (code and line.strip().startswith("#")):
            line = line.strip()
            return line if len(line) <= limit else line[: limit - 1] + "…"
    return ""
