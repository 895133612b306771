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

import re
from pathlib import Path
from typing import Any

import yaml

try:
    from yaml.cyaml import CParser
except ImportError:  # PyYAML without libyaml: the careful loader reads every file
    CParser = yaml.parser.Parser  # never used: parse_yaml_text checks yaml.__with_libyaml__

from ..errors import ScenarioError
from ..numtext import MAX_DIGITS, shorten
from . import safeio
from .digest import sha256_text
from .text import decode_utf8
from .yamlfloat import YamlFloat

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
        _refuse_split_value(node)
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


def _refuse_split_value(node: yaml.MappingNode) -> None:
    """``{zh: 低保, 特困, en: …}``: the unquoted comma made ``特困`` a key with no value and no
    colon. Said as the slip it is, with the fix, instead of "unknown key '特困'" later."""
    if not node.flow_style:
        return
    previous = None
    for key_node, value_node in node.value:
        bare = (
            isinstance(value_node, yaml.ScalarNode)
            and value_node.tag == "tag:yaml.org,2002:null"
            and value_node.start_mark.index == key_node.end_mark.index
        )
        if bare and isinstance(key_node, yaml.ScalarNode):
            fix = f'{previous[0]}: "{previous[1]}, {key_node.value}"' if previous else f'"{key_node.value}"'
            raise yaml.MarkedYAMLError(
                None,
                None,
                f"{shorten(key_node.value)!r} has no value: an unquoted comma inside a value splits it; "
                f"{QUOTE_HINT}, e.g. {shorten(fix, 60)}",
                key_node.start_mark,
            )
        if isinstance(key_node, yaml.ScalarNode) and isinstance(value_node, yaml.ScalarNode):
            previous = (key_node.value, value_node.value)


#: The fix for a value that holds a comma or a colon (lang.yaml words it in Chinese).
QUOTE_HINT = "when a value contains a comma or a colon, put it in quotes"
#: ``key:value`` with no space after the colon (YAML then reads one piece of text).
_NO_SPACE = re.compile(r"^(\s*(?:-\s+)?)([A-Za-z_][A-Za-z0-9_]*):(?=[^\s:/])(.*)$")


#: The slips people make in YAML, in words (lang.yaml words each in Chinese).
SLIPS = {
    "tab": "a tab character: YAML indents and separates with spaces only (replace the tab with spaces)",
    "indent_more": "bad indentation: this line is indented more than the key before it "
    "(keys of one mapping start in the same column)",
    "indent": "bad indentation: keys of one mapping start in the same column and each key is "
    "followed by ': ' (check this line and the one before)",
    "colon_in_flow": f"an unquoted ':' inside a value in {{ }} or [ ]: {QUOTE_HINT}",
    "unclosed": "the '{bracket}' opened on line {opened} is not closed before this point (or a value in it "
    "holds a comma, colon or bracket: put such a value in quotes)",
    "quote": "a quote is not closed",
}


def _explain(exc: yaml.MarkedYAMLError, lines: list[str]) -> tuple[int, int, str]:
    """PyYAML's problem as the slip a person made, with its fix: a tab, a colon in an unquoted
    value, no space after a colon, bad indentation, an open bracket or quote. Returns the line
    and column to name (0-based) and the reason."""
    mark, opened = exc.problem_mark, exc.context_mark
    problem = " ".join(str(exc.problem or "").split())
    line, column = (mark.line, mark.column) if mark is not None else (0, 0)
    text = lines[line] if 0 <= line < len(lines) else ""
    if "'\\t'" in problem:
        return line, column, SLIPS["tab"]
    if "could not find expected ':'" in problem or "mapping values" in problem:
        for back in range(line, max(line - 3, -1), -1):  # the slip is often the line before
            m = _NO_SPACE.match(lines[back]) if 0 <= back < len(lines) else None
            if m and ": " not in m.group(3):
                said, fixed = f"{m.group(2)}:{m.group(3)}", f"{m.group(2)}: {m.group(3)}"
                return back, len(m.group(1)), f"no space after the colon in '{shorten(said)}': write '{shorten(fixed)}'"
    if "mapping values are not allowed" in problem:
        first = text.find(": ")
        if 0 <= first < column:
            key, value = text[:first].strip().lstrip("-").strip(), text[first + 2 :].strip()
            return line, column, f"an unquoted ': ' inside a value: {QUOTE_HINT}, e.g. {key}: \"{shorten(value)}\""
        return line, len(text) - len(text.lstrip()), SLIPS["indent_more"]
    if any(p in problem for p in ("expected <block end>", "did not find expected key", "could not find expected ':'")):
        return line, column, SLIPS["indent"]
    if "expected ',' or '}'" in problem or "expected ',' or ']'" in problem:
        if problem.endswith("got ':'") and (opened is None or opened.line == line):
            return line, column, SLIPS["colon_in_flow"]
        where = opened if opened is not None else mark
        at = lines[where.line][where.column : where.column + 1] if where.line < len(lines) else ""
        bracket = at if at in ("{", "[") else "{"
        return line, column, SLIPS["unclosed"].format(bracket=bracket, opened=where.line + 1)
    if "end of stream" in problem and "quoted" in str(exc.context or ""):
        return line, column, SLIPS["quote"]
    return line, column, problem


def _line_reason(exc: yaml.YAMLError, text: str = "") -> str:
    if isinstance(exc, yaml.MarkedYAMLError) and exc.problem_mark is not None:
        line, column, problem = _explain(exc, text.splitlines())
        return f"line {line + 1}, column {column + 1}: {problem}"
    return " ".join(str(getattr(exc, "problem", None) or exc).split())


class _Unsure(Exception):
    """The libyaml parse cannot vouch for this text: it is read again by the careful loader."""


class _FastLoader(CParser, _NoAliasLoader):  # type: ignore[misc,valid-type]
    """libyaml's parser and composer (C) with our constructors and resolvers, for files whose
    text can hold no alias and no split value: the same data, several times faster. Any
    problem at all and the file is read again by :class:`_NoAliasLoader`, whose errors are
    the ones users see."""

    def __init__(self, stream: str) -> None:
        CParser.__init__(self, stream)
        yaml.constructor.SafeConstructor.__init__(self)
        yaml.resolver.Resolver.__init__(self)

    def construct_mapping(self, node, deep=False):  # type: ignore[no-untyped-def]
        # a null in { } may be a split value, which only the careful loader's marks can tell
        if node.flow_style and any(
            isinstance(v, yaml.ScalarNode) and v.tag == "tag:yaml.org,2002:null" for _, v in node.value
        ):
            raise _Unsure
        return super().construct_mapping(node, deep=deep)


#: Where libyaml is more lenient than PyYAML and would read (or accept) the text otherwise: a
#: tab (PyYAML refuses it as a separator), a BOM after the start (libyaml skips it at a line's
#: start), a comment right after a block scalar's ``|``/``>`` header, and a tag (an empty ``!``
#: node is '' for libyaml, None for PyYAML). Such text goes to the careful loader.
_LIBYAML_LENIENT = re.compile(r"[\t\ufeff!]|[|>][0-9+-]*#")


def _fast(text: str) -> Any:
    """The data of ``text`` through :class:`_FastLoader`, or :class:`_Unsure`: for text with an
    anchor or alias sign, deep brackets or a character PyYAML's reader refuses, or any error."""
    if (
        "&" in text
        or "*" in text
        or text.count("[") + text.count("{") > 2000
        or _LIBYAML_LENIENT.search(text)
        or yaml.reader.Reader.NON_PRINTABLE.search(text)
    ):
        raise _Unsure
    try:
        loader = _FastLoader(text)
        try:
            return loader.get_single_data()
        finally:
            loader.dispose()
    except Exception:
        raise _Unsure from None


def parse_yaml_text(text: str, where: str) -> Any:
    """Parse YAML text as plain data (mappings, lists, scalars); errors name ``where``."""
    if yaml.__with_libyaml__:
        try:
            return _fast(text)
        except _Unsure:
            pass
    try:
        return yaml.load(text, Loader=_NoAliasLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        raise ScenarioError(where, f"not valid YAML: {_line_reason(exc, text)}") from None
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
    return parse_yaml_text(text, where), sha256_text(data)
