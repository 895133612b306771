"""Safe YAML reading for user files: data only, no tags that build objects, no aliases.

PyYAML's SafeLoader already refuses ``!!python`` tags; we also refuse aliases (a scenario
never needs them, and an alias bomb expands to gigabytes when traversed), cap the file
size before reading, and demand UTF-8.
"""
from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import yaml

from . import safeio
from .errors import ScenarioError

#: Largest scenario or mapping file we read, in bytes; real ones are a few kilobytes.
MAX_BYTES = safeio.SCENARIO.max_bytes or 1_000_000


class _NoAliasLoader(yaml.SafeLoader):
    def compose_node(self, parent, index):  # type: ignore[override]
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.MarkedYAMLError(None, None, "aliases (*name) are not allowed in scenario files",
                                       event.start_mark)
        return super().compose_node(parent, index)

    def construct_mapping(self, node, deep=False):  # type: ignore[override]
        # PyYAML keeps the last of two equal keys silently; a scenario must say a thing once
        seen: dict = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            try:
                hash(key)
            except TypeError:
                continue
            if key in seen:
                raise yaml.MarkedYAMLError(None, None, f"duplicate key {key!r} (first at line {seen[key] + 1})",
                                           key_node.start_mark)
            seen[key] = key_node.start_mark.line
        return super().construct_mapping(node, deep=deep)


def _line_reason(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    problem = " ".join(str(problem).split())
    if mark is not None:
        return f"line {mark.line + 1}, column {mark.column + 1}: {problem}"
    return problem


def parse_yaml_text(text: str, where: str) -> Any:
    """Parse YAML text as plain data (mappings, lists, scalars); errors name ``where``."""
    try:
        return yaml.load(text, Loader=_NoAliasLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        raise ScenarioError(where, f"not valid YAML: {_line_reason(exc)}") from None
    except RecursionError:
        raise ScenarioError(where, "not valid YAML: nesting too deep") from None


def read_yaml_file(path: str | Path) -> Any:
    """Read a user's YAML file as data, refusing non-regular files, huge files and non-UTF-8."""
    return read_yaml_file_sha256(path)[0]


def read_yaml_file_sha256(path: str | Path) -> tuple[Any, str]:
    """The data of a user's YAML file and the SHA-256 of the very bytes parsed (provenance).

    Only a regular file is opened, and at most ``MAX_BYTES`` are read (``safeio``).
    """
    where = str(path)
    data = safeio.read_capped(path, MAX_BYTES, safeio.SCENARIO.what, where, ScenarioError)
    text = safeio.decode_utf8(data, where, ScenarioError)
    if not text.strip():
        raise ScenarioError(where, "file is empty")
    return parse_yaml_text(text, where), hashlib.sha256(data).hexdigest()
