"""Safe YAML reading for user files: data only, no tags that build objects, no aliases.

PyYAML's SafeLoader already refuses ``!!python`` tags; we also refuse aliases (a scenario
never needs them, and an alias bomb expands to gigabytes when traversed), cap the file
size before reading, and demand UTF-8.

Numbers follow decimal rules, not YAML 1.1's (issue 10, item 3): ``0400`` is 400 (not octal
256), ``1:10`` stays the text "1:10" for the schema to refuse (not base-60 70), ``0x10`` and
``1_000`` are text; a float keeps the text it was written as (:class:`YamlFloat`) so an
amount such as ``380.000000000000001`` is refused for its decimals instead of being rounded
to 380 by the float; a date that does not exist (``2020-02-30``) stays text for the schema
to refuse with its field, and so does a number longer than ``numtext.MAX_DIGITS`` digits.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

import yaml

from ..errors import ScenarioError
from ..numtext import MAX_DIGITS, shorten
from . import safeio
from .text import decode_utf8


class YamlFloat(float):
    """A float read from YAML that remembers its text, so amounts are checked exactly."""

    text: str

    def __new__(cls, text: str):  # noqa: ANN204
        # YAML writes .nan and .inf; Python's float() wants nan and inf
        value = float(text.lower().replace(".nan", "nan").replace(".inf", "inf"))
        obj = super().__new__(cls, value)
        obj.text = text
        return obj

    def __reduce__(self):  # copy, deepcopy and pickle (worker processes) keep the text
        return (YamlFloat, (self.text,))


_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"

#: Largest scenario or mapping file we read, in bytes; real ones are a few kilobytes.
MAX_BYTES = safeio.SCENARIO.max_bytes or 1_000_000


class _NoAliasLoader(yaml.SafeLoader):
    def compose_node(self, parent, index):  # type: ignore[override]
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.MarkedYAMLError(
                None, None, "aliases (*name) are not allowed in scenario files", event.start_mark
            )
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
                raise yaml.MarkedYAMLError(
                    None, None, f"duplicate key {key!r} (first at line {seen[key] + 1})", key_node.start_mark
                )
            seen[key] = key_node.start_mark.line
        return super().construct_mapping(node, deep=deep)

    def construct_yaml_int(self, node):  # type: ignore[override]
        # decimal only (the resolver below matches nothing else): leading zeros are not octal
        text = self.construct_scalar(node)
        if sum(c.isdigit() for c in text) > MAX_DIGITS:
            return text  # 5,000 digits: text, which the schema refuses naming its field
        if not re.fullmatch(r"[-+]?[0-9]+", text, re.ASCII):  # an explicit !!int 0x10
            raise yaml.MarkedYAMLError(
                None, None, f"{shorten(text)!r} is not a whole number in decimal digits", node.start_mark
            )
        return int(text)

    def construct_yaml_float(self, node):  # type: ignore[override]
        text = self.construct_scalar(node)
        if sum(c.isdigit() for c in text) > MAX_DIGITS:
            return text  # as for ints: the schema refuses it naming its field
        try:
            return YamlFloat(text)
        except ValueError:  # an explicit !!float with text that is no number
            raise yaml.MarkedYAMLError(None, None, f"{shorten(text)!r} is not a number", node.start_mark) from None

    def construct_yaml_timestamp(self, node):  # type: ignore[override]
        try:
            return super().construct_yaml_timestamp(node)
        except ValueError:  # 2020-02-30: left as text, refused by the schema with its field
            return self.construct_scalar(node)


# YAML 1.1 resolves 0400 as octal, 1:10 as base 60, 0x10 as hex and 1_000 as 1000: keep
# every implicit resolver but int and float, then add decimal-only ones
_NoAliasLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag not in (_INT, _FLOAT)]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_NoAliasLoader.add_implicit_resolver(_INT, re.compile(r"^[-+]?[0-9]+$"), list("-+0123456789"))
_NoAliasLoader.add_implicit_resolver(
    _FLOAT,
    re.compile(
        r"^(?:[-+]?(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
    ),
    list("-+0123456789."),
)
_NoAliasLoader.add_constructor(_INT, _NoAliasLoader.construct_yaml_int)
_NoAliasLoader.add_constructor(_FLOAT, _NoAliasLoader.construct_yaml_float)
_NoAliasLoader.add_constructor("tag:yaml.org,2002:timestamp", _NoAliasLoader.construct_yaml_timestamp)


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
    text = decode_utf8(data, where, ScenarioError)
    if not text.strip():
        raise ScenarioError(where, "file is empty")
    return parse_yaml_text(text, where), hashlib.sha256(data).hexdigest()
