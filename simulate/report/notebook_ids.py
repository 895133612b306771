"""Positional names for the random ids an executed notebook carries: ipywidgets' model ids
(a uuid4 hex per widget; the what-if dashboard saves about 400) and the id papermill gives
the cell it injects.

A uuid4 hex holds 18 decimal digits in a row that pass the GB 11643-1999 check digit about
once in 18,000 ids, so the leak scan (:mod:`simulate.io.leakscan`) refused about one what-if
report in 45 for a "full ID number" that was a widget id. Renamed by their place in the
widget tree, the ids hold no long digit run, and the same inputs give the same notebook,
papermill's timings apart. The scan itself is unchanged: every text is still checked.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

__all__ = ["INJECTED_CELL_ID", "stable_notebook_ids", "stable_ids"]

WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
#: How a widget's state names another widget (a child, its layout, its style).
REF = "IPY_MODEL_"
#: The id of papermill's injected-parameters cell (unique: built cells are "cell-N").
INJECTED_CELL_ID = "injected-parameters"


def _refs(value: Any) -> Iterator[str]:
    """Model ids a widget state refers to, in a fixed order (keys sorted, lists in order)."""
    if isinstance(value, str):
        if value.startswith(REF):
            yield value[len(REF) :]
    elif isinstance(value, dict):
        for key in sorted(value):
            yield from _refs(value[key])
    elif isinstance(value, list):
        for item in value:
            yield from _refs(item)


def _shown_ids(nb: dict[str, Any]) -> list[str]:
    """Model ids of the widgets the cells' outputs display, in cell and output order."""
    return [
        output["data"][WIDGET_VIEW].get("model_id")
        for cell in nb.get("cells", [])
        for output in cell.get("outputs", [])
        if isinstance(output.get("data"), dict) and isinstance(output["data"].get(WIDGET_VIEW), dict)
    ]


def _tree_order(state: dict[str, Any], roots: list[str]) -> list[str]:
    """Every model id, depth first from the displayed ``roots``; widgets no longer shown (a
    replaced chart) follow, in the order of their contents so that the order is not random."""
    order: list[str] = []
    seen: set[str] = set()
    blank = dict.fromkeys(state, "")  # to compare contents without their random ids

    def visit(start: str) -> None:
        stack = [start]
        while stack:
            model = stack.pop()
            if model in seen or not isinstance(model, str):
                continue
            seen.add(model)
            order.append(model)
            children = list(_refs(state.get(model, {}).get("state", {}))) if model in state else []
            stack.extend(reversed(children))

    for root in roots:
        visit(root)
    while len(seen) < len(state):
        rest = [m for m in state if m not in seen]
        referred = {r for m in rest for r in _refs(state[m].get("state", {}))}
        tops = [m for m in rest if m not in referred] or rest  # a cycle: start anywhere
        visit(min(tops, key=lambda m: json.dumps(_renamed(state[m], blank), sort_keys=True, default=str)))
    return order


def _renamed(value: Any, names: dict[str, str]) -> Any:
    """``value`` with every string and key that is a model id, or a reference to one, renamed."""
    if isinstance(value, str):
        if value.startswith(REF) and value[len(REF) :] in names:
            return REF + names[value[len(REF) :]]
        return names.get(value, value)
    if isinstance(value, dict):
        return {names.get(key, key): _renamed(item, names) for key, item in value.items()}
    if isinstance(value, list):
        return [_renamed(item, names) for item in value]
    return value


def stable_ids(nb: dict[str, Any]) -> dict[str, Any]:
    """The notebook (parsed JSON) with widget model ids named ``widget-1``, ``widget-2``… by
    their place in the widget tree, and the injected-parameters cell's id fixed."""
    widgets = nb.get("metadata", {}).get("widgets", {}).get(WIDGET_STATE, {})
    state = widgets.get("state", {}) if isinstance(widgets, dict) else {}
    order = _tree_order(state if isinstance(state, dict) else {}, _shown_ids(nb))
    names = {model: f"widget-{n}" for n, model in enumerate(order, start=1)}
    out = dict(nb)
    out["cells"] = [_renamed(cell, names) for cell in nb.get("cells", [])]
    if names:
        metadata = dict(nb["metadata"])
        metadata["widgets"] = _renamed(metadata["widgets"], names)
        out["metadata"] = metadata
    for cell in out["cells"]:
        if "injected-parameters" in cell.get("metadata", {}).get("tags", []) and "id" in cell:
            cell["id"] = INJECTED_CELL_ID
    return out


def stable_notebook_ids(path: Path) -> None:
    """Rewrite an executed notebook file with :func:`stable_ids`, in nbformat's own layout
    (one-space indent, sorted keys, UTF-8), so nothing else in the file changes."""
    text = path.read_text(encoding="utf-8")
    nb = stable_ids(json.loads(text))
    end = "\n" if text.endswith("\n") else ""
    path.write_text(json.dumps(nb, sort_keys=True, indent=1, ensure_ascii=False) + end, encoding="utf-8")
