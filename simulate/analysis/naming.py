"""Readable names of the analysis frames: parameter paths, column labels (zh/en, from
labels.yaml) and relabelled frames."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .. import labels
from ..policy import Scenario, load_scenario  # noqa: F401  (load_scenario: param_label's example)
from ..vocabulary import CANONICAL, Vocabulary
from .values import value_text

#: Column labels (zh, en) of the analysis frames; money columns are yuan.
LABELS: dict[str, tuple[str, str]] = labels.pairs("analysis")


#: Readable names of common parameter paths (zh, en); tiers.<id>.… paths are built from the
#: tier's own label (:func:`param_label`).
PARAM_LABELS: dict[str, tuple[str, str]] = labels.pairs("parameters")


#: Parameters inside a tier (tiers.<id>.…), named after the tier's own label.
_TIER_PARAM: dict[str, tuple[str, str]] = labels.pairs("tier_parameters")


def param_label(path: str, lang: str | None = "zh", scenario: Scenario | None = None) -> str:
    """A readable name for a parameter path (``--param``, ``--set``), in zh or en.

    >>> param_label("contribution.personal")
    '个人缴费标准（元/人·年）'
    >>> param_label("tiers.dibao.subsidy.amount", "zh", load_scenario("scenarios/langxi-2024.yaml"))
    '低保对象 定额资助（元）'
    >>> param_label("some.other.path")
    'some.other.path'
    """
    if lang is None:
        return path
    i = 0 if lang == "zh" else 1
    if path in PARAM_LABELS:
        return PARAM_LABELS[path][i]
    parts = path.split(".")
    if len(parts) >= 3 and parts[0] == "tiers" and ".".join(parts[2:]) in _TIER_PARAM:
        name = parts[1]
        if scenario is not None:
            for t in scenario.policy.tiers:
                if t.id == parts[1]:
                    name = t.label.get(lang)
                    break
        return f"{name} {_TIER_PARAM['.'.join(parts[2:])][i]}"
    return path


def overrides_text(
    overrides: Mapping[str, Any], lang: str | None = None, scenario: Scenario | None = None, sep: str = " + "
) -> str:
    """``path=value`` pairs (lang None) or readable ``名称 = 取值`` pairs joined by ``sep``."""
    if lang is None:
        return sep.join(f"{k}={value_text(v)}" for k, v in overrides.items())
    return sep.join(f"{param_label(k, lang, scenario)} = {value_text(v)}" for k, v in overrides.items())


def column_label(key: str, lang: str | None, vocab: Vocabulary = CANONICAL) -> str:
    """A column's zh or en heading; ``vocab`` names the scenario's local payers."""
    if lang is None:
        return key
    if key in LABELS:
        return LABELS[key][0 if lang == "zh" else 1]
    return vocab.label(key, labels.lang_of(lang))


def relabel(frame, lang: str | None, vocab: Vocabulary = CANONICAL):
    """A copy of an analysis frame with zh or en column labels (None: keep the ids)."""
    if lang is None:
        return frame.copy()
    return frame.rename(columns={c: column_label(c, lang, vocab) for c in frame.columns if isinstance(c, str)})


def finish_frame(frame, lang: str | None, label_cols: dict[str, str]):
    """Drop or name the label columns and translate the others' names."""
    if lang is None:
        return frame.drop(columns=[c for c in label_cols if c in frame.columns])
    frame = frame.rename(columns={c: column_label(k, lang) for c, k in label_cols.items()})
    return frame.rename(
        columns={
            c: column_label(c, lang)
            for c in frame.columns
            if c in LABELS and c not in ("reform", "source", "tier", "village")
        }
    )
