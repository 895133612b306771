"""Saving a dashboard what-if as a scenario file: a YAML that ``extends`` the base scenario and
holds only the changes, each section marked ``assumption: true`` with a note saying what changed
(the dashboard's save button, :func:`save_variant`)."""

from __future__ import annotations

import datetime
import os
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from ..errors import SimulateError
from ..model.behaviour import STUDY_2026_SOURCE
from ..policy import load_scenario
from .dashboard_model import DashboardModel, dashboard_pair, dashboard_text, lever_changes
from .whatif import Change


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _changes(items: list[Change], limit: int) -> tuple[str, str]:
    """The first ``limit`` changes as one text in zh and one in en."""
    zh = dashboard_text("changes_sep", "zh").join(c.text("zh") for c in items[:limit])
    en = dashboard_text("changes_sep", "en").join(c.text("en") for c in items[:limit])
    return zh, en


def _marks(items: list[Change], when: str, before: Mapping[str, Any]) -> dict[str, Any]:
    """``assumption: true`` and notes (en, zh) saying what the what-if changed; the section's
    earlier note follows, so its citation is not lost."""
    zh, en = dashboard_pair("variant_note", when=(when, when), changes=_changes(items, len(items)))
    if before.get("note"):
        en += dashboard_text("note_before", "en", note=before["note"])
    if before.get("note_zh") or before.get("note"):
        zh += dashboard_text("note_before", "zh", note=before.get("note_zh") or before["note"])
    return {"assumption": True, "note": en, "note_zh": zh}


def variant_document(
    model: DashboardModel, overrides: Mapping[str, Any], target: Path, variant_id: str | None = None
) -> dict[str, Any]:
    """A scenario that ``extends`` the base and holds only the changes, each section marked
    ``assumption: true`` with a note (zh and en) saying it is a what-if and what changed."""
    if not overrides:
        raise SimulateError("save", "nothing has been changed: a variant needs at least one change")
    sc = model.scenario(overrides)
    found = lever_changes(model.levers, overrides)
    when = datetime.date.today().isoformat()
    base_file = Path(model.base.chain[0]["path"]).resolve()
    title = model.base.policy.title
    doc: dict[str, Any] = {
        "extends": os.path.relpath(base_file, target.resolve().parent),
        "id": variant_id or f"{model.base.id}-what-if",
        "title": dict(
            zip(("zh", "en"), dashboard_pair("variant_title", title=(title.zh, title.en), changes=_changes(found, 3)))
        ),
    }
    sections: dict[str, list] = {}
    for path in overrides:
        parts = path.split(".")
        sections.setdefault(".".join(parts[:2]) if parts[0] == "tiers" else parts[0], [])
    for c in found:
        parts = c.path.split(".")
        sections[".".join(parts[:2]) if parts[0] == "tiers" else parts[0]].append(c)
    raw = sc.raw
    for name, items in sections.items():
        if name.startswith("tiers."):
            tid = name.split(".", 1)[1]
            tier = next(t for t in raw["tiers"] if t.get("id") == tid)
            doc.setdefault("tiers", []).append(
                {"id": tid, "subsidy": _plain(tier["subsidy"]), **_marks(items, when, tier)}
            )
            continue
        own = [c for c in items if ".fiscal_subsidy_split." not in c.path]
        note = _marks(own or items, when, raw.get(name) or {})
        part: dict[str, Any] = {}
        for path in [p for p in overrides if p.split(".")[0] == name]:
            node, keys = part, path.split(".")[1:]
            src = raw[name]
            for k in keys[:-1]:
                node, src = node.setdefault(k, {}), src[k]
            node[keys[-1]] = _plain(src[keys[-1]])
        if name == "behaviour":
            part.setdefault("source", raw["behaviour"].get("source") or STUDY_2026_SOURCE)
        split = part.get("fiscal_subsidy_split")
        if split is not None:
            split.update(
                _marks(
                    [c for c in items if ".fiscal_subsidy_split." in c.path],
                    when,
                    raw["contribution"]["fiscal_subsidy_split"],
                )
            )
        doc[name] = {**part, **note} if name != "contribution" or set(part) - {"fiscal_subsidy_split"} else part
    return doc


def save_variant(
    model: DashboardModel, overrides: Mapping[str, Any], target: str | Path, variant_id: str | None = None
) -> Path:
    """Write the variant YAML to ``target`` (folders created as needed) and check that it loads."""
    target = Path(target).expanduser()
    if target.suffix.lower() not in (".yaml", ".yml"):
        raise SimulateError(str(target), "a scenario file name ends in .yaml")
    doc = variant_document(model, overrides, target, variant_id)
    target.parent.mkdir(parents=True, exist_ok=True)
    header = (
        "# 看板保存的假设情景 (what-if saved from the dashboard): only the changes; "
        "everything else comes from the file it extends.\n"
    )
    tmp = target.with_name(f".{target.name}.tmp")
    tmp.write_text(header + yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, width=100), "utf-8")
    os.replace(tmp, target)
    load_scenario(target)  # a variant the tool cannot read is an error here, not at the meeting's end
    return target
