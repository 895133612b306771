"""``--set PATH=VALUE`` overrides: change one value of a scenario, then validate as a file.

A path walks the scenario's keys with dots; in a list of items with an ``id`` (tiers,
target groups) a segment picks the item by id, e.g. ``tiers.dibao.subsidy.percent=70``.
Values are read as YAML scalars (numbers, true/false, text): data, never code, with decimal
rules (``_yaml``, ``numtext``): ``0400`` is 400, ``1:10`` stays text, a float keeps its text.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from ..errors import ScenarioError
from ..io import safeio
from ..numtext import shorten
from .messages import model_at


def parse_assignment(text: str) -> tuple[str, Any]:
    """Split ``PATH=VALUE`` and read VALUE as a plain YAML scalar or list."""
    if "=" not in text:
        raise ScenarioError(f"--set {shorten(text, 80)}", "expected PATH=VALUE, e.g. contribution.personal=400")
    path, value = text.split("=", 1)
    path = path.strip()
    if not path:
        raise ScenarioError(f"--set {shorten(text, 80)}", "the path before '=' is empty")
    return path, parse_value(value, f"--set {shorten(path, 80)}")


def parse_value(value: Any, where: str) -> Any:
    if not isinstance(value, str):
        return value
    if value.strip() == "":
        raise ScenarioError(where, "the value after '=' is empty")
    from ..io import safeyaml  # loaded for a --set value only: a plain run reads no YAML here

    parsed = safeyaml.parse_yaml_text(value, where)
    if isinstance(parsed, dict):
        raise ScenarioError(where, "a value must be a number, true/false, text or a list, not a mapping")
    return parsed


def parse_assignments(items: list[str] | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for item in items or []:
        path, value = parse_assignment(item)
        out[path] = value
    return out


def apply_overrides(raw: dict[str, Any], overrides: dict[str, Any], where: str = "") -> dict[str, Any]:
    """A deep copy of ``raw`` with each override applied; unknown paths are errors.

    Values are used as given (the command line and override sheets read their text as YAML
    scalars once, in :func:`parse_assignment` and :func:`read_override_sheet`); validation
    of the result is the scenario schema's, exactly as for a file."""
    out = copy.deepcopy(raw)
    for path, value in overrides.items():
        label = f"--set {shorten(path, 80)}"
        segments = path.split(".")
        if any(not s for s in segments):
            raise ScenarioError(label, "empty segment in the path")
        node: Any = out
        walked: list[str] = []
        for i, seg in enumerate(segments):
            last = i == len(segments) - 1
            if isinstance(node, dict):
                if last:
                    node[seg] = value
                    break
                if seg not in node and _optional_section(walked + [seg]):
                    node[seg] = {}  # an optional section the file leaves out (e.g. behaviour)
                if seg not in node:
                    known = ", ".join(sorted(map(str, node))) or "nothing"
                    raise ScenarioError(
                        label, f"no key {shorten(seg)!r} at {'.'.join(walked) or 'top level'} (there: {known})"
                    )
                node = node[seg]
            elif isinstance(node, list):
                idx = _list_index(node, seg)
                if idx is None:
                    ids = [str(x.get("id")) for x in node if isinstance(x, dict) and "id" in x]
                    raise ScenarioError(
                        label, f"no item {shorten(seg)!r} in {'.'.join(walked)} (ids: {', '.join(ids) or 'none'})"
                    )
                if last:
                    node[idx] = value
                    break
                node = node[idx]
            else:
                raise ScenarioError(label, f"{'.'.join(walked)} is a value, it has no {shorten(seg)!r}")
            walked.append(seg)
    return out


def _optional_section(path: list[str]) -> bool:
    """Whether ``path`` names a section of the scenario schema (a model, not a value)."""
    return model_at(tuple(path)) is not None


def _list_index(node: list[Any], seg: str) -> int | None:
    for i, item in enumerate(node):
        if isinstance(item, dict) and str(item.get("id")) == seg:
            return i
    if seg.isdigit() and int(seg) < len(node):
        return int(seg)
    return None


def read_override_sheet(path: str | Path) -> dict[str, Any]:
    """Overrides from a spreadsheet of (parameter path, value) rows: .xlsx or .csv.

    For analysts who do not edit YAML: the first sheet's first two columns; a header row
    naming them (path/参数, value/取值) is skipped; blank rows are skipped.
    """
    p = Path(path)
    where = str(path)
    rows: list[tuple[Any, Any, int]] = []
    if p.suffix.lower() in (".xlsx", ".xlsm", ".xls"):
        # a regular file, capped, its zip inspected before openpyxl (read-only) parses it
        from ..io import xlsxguard  # only for a workbook: zipfile is not loaded by every run

        wb = xlsxguard.open_workbook(p, safeio.OVERRIDE_XLSX, where, ScenarioError)
        ws = wb.worksheets[0]
        for n, row in enumerate(ws.iter_rows(values_only=True), start=1):
            cells = list(row) + [None, None]
            rows.append((cells[0], cells[1], n))
        wb.close()
    elif p.suffix.lower() in (".csv", ".txt"):
        for n, row in enumerate(safeio.read_csv_rows(p, safeio.OVERRIDE_CSV, where, ScenarioError), start=1):
            cells = list(row) + [None, None]
            rows.append((cells[0], cells[1], n))
    else:
        safeio.open_regular(p, where, ScenarioError).close()  # a missing file says so first
        raise ScenarioError(where, "overrides sheet must be .xlsx or .csv")
    out: dict[str, Any] = {}
    for key, value, n in rows:
        if key is None or str(key).strip() == "":
            continue
        key = str(key).strip()
        if n == 1 and key.lower() in ("path", "parameter", "参数", "参数路径"):
            continue
        if value is None or str(value).strip() == "":
            raise ScenarioError(f"{where}: row {n}", f"no value for {key}")
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        out[key] = parse_value(value, f"{where}: row {n}") if isinstance(value, str) else value
    if not out:
        raise ScenarioError(where, "no (path, value) rows found")
    return out
