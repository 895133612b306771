"""Every zh/en heading and column of the tables people read, by id, as data (labels.yaml).

A module asks for its section once (``pairs("outlay")``) and looks ids up in it; adding a
language or rewording a heading is a change to labels.yaml, not to code.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from .resources import package_yaml

LABELS_FILE = Path(__file__).with_name("labels.yaml")


@lru_cache(maxsize=1)
def _all() -> dict[str, dict[str, dict[str, str]]]:
    data: dict[str, dict[str, dict[str, str]]] = package_yaml(LABELS_FILE)  # every command reads it
    return data


def sections() -> list[str]:
    """The sections of labels.yaml (outlay, bill, analysis, parameters, timing)."""
    return list(_all())


def pairs(section: str) -> dict[str, tuple[str, str]]:
    """``{id: (zh, en)}`` of one section, in the file's order (a fresh dict each call)."""
    return {key: (str(v["zh"]), str(v["en"])) for key, v in _all()[section].items()}


def text(section: str, key: str, lang: str, /, **fields: object) -> str:
    """The label of ``key`` in ``section``: Chinese for ``lang == "zh"``, else English.

    A label with figures inside is a template: its named ``{fields}`` are filled by
    ``str.format`` from ``fields`` (only when some are given; nothing is evaluated)."""
    entry = _all()[section][key]
    words = str(entry["zh" if lang == "zh" else "en"])
    return words.format(**fields) if fields else words


def lang_of(lang: str) -> Literal["zh", "en"]:
    """``"zh"`` for ``lang == "zh"``, else ``"en"``: the rule :func:`text` applies, as a type."""
    return "zh" if lang == "zh" else "en"
