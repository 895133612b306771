"""The words of the command line: :class:`OneLineParser` (one-line argument errors, in zh
through lang.yaml under ``--lang zh``) and the zh help of every command and option (lang.yaml
``help``), applied to the parsers :func:`simulate.cli.parser.build_parser` builds.
"""

from __future__ import annotations

import argparse
import difflib
import os
import re
import sys
from typing import Any

from .. import lang as language
from ..resources import DASHBOARD_PORT as DEFAULT_PORT
from ..resources import DASHBOARD_SCENARIO as DEFAULT_SCENARIO
from ..vocabulary import IDENTITIES


def help_width() -> int:
    """The width argparse gives help text: the terminal's columns less 2, as
    ``shutil.get_terminal_size`` reads them ($COLUMNS, else standard output's terminal, else 80).
    Asked here because argparse imports shutil for it (with zlib, bz2 and lzma: ~4 ms of every
    start) each time it makes a formatter, which ``add_argument`` does for every argument."""
    try:
        columns = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            columns = 0
    return (columns or 80) - 2


class HelpFormatter(argparse.HelpFormatter):
    """argparse's formatter, its width from :func:`help_width` (the same width, without shutil)."""

    def __init__(self, prog: str, indent_increment: int = 2, max_help_position: int = 24, width: int | None = None):
        super().__init__(prog, indent_increment, max_help_position, help_width() if width is None else width)


class RawDescriptionHelpFormatter(HelpFormatter, argparse.RawDescriptionHelpFormatter):
    """argparse's RawDescriptionHelpFormatter, its width from :func:`help_width`."""


class OneLineParser(argparse.ArgumentParser):
    """Argument mistakes get one line on stderr, a did-you-mean where one is close, and a pointer
    at ``simulate COMMAND --help``; exit 2. ID numbers in the line are masked. With ``lang`` zh
    the line is worded in Chinese (argparse's own English through lang.yaml)."""

    lang = "en"

    def __init__(self, *args: Any, **kw: Any) -> None:
        kw.setdefault("formatter_class", HelpFormatter)  # its width without shutil (help_width)
        super().__init__(*args, **kw)

    def error(self, message: str):  # type: ignore[override]
        message = " ".join(message.split())
        from ..io.idmask import mask_ids_in_text  # an error's path: not loaded at every start

        line = mask_ids_in_text(message) + self._did_you_mean(message)
        if self.lang == "zh":
            self.exit(2, f"{self.prog}: {language.zh_text(line)}（见 {self.prog} --help）\n")
        self.exit(2, f"{self.prog}: {line} (see {self.prog} --help)\n")

    def option_strings(self) -> list[str]:
        """Every ``--flag`` this parser knows (argparse keeps them in ``_actions``)."""
        return [s for a in self._actions for s in a.option_strings if s.startswith("--")]

    def _did_you_mean(self, message: str) -> str:
        bad = re.search(r"invalid choice: '([^']*)' \(choose from (.*)\)", message)
        if bad:
            choices = re.findall(r"'([^']*)'", bad.group(2))
            near = difflib.get_close_matches(bad.group(1), choices, n=1)
            return f" (did you mean {near[0]}?)" if near else ""
        unknown = re.search(r"unrecognized arguments: (.*)", message)
        if unknown:
            flags = self.option_strings()
            for token in unknown.group(1).split():
                near = difflib.get_close_matches(token.split("=", 1)[0], flags, n=1, cutoff=0.6)
                if token.startswith("-") and near:
                    return f" (did you mean {near[0]}?)"
        return ""


class ZhHelpFormatter(RawDescriptionHelpFormatter):
    """``--help`` under zh: the usage line starts 用法： instead of argparse's "usage: "."""

    def add_usage(self, usage, actions, groups, prefix=None):  # type: ignore[no-untyped-def]
        super().add_usage(usage, actions, groups, ZH_WORDS["usage"] if prefix is None else prefix)


ZH_WORDS: dict[str, str] = {}  # the words of lang.yaml help.parser, read when a zh parser is built


def help_words() -> dict[str, str]:
    if not ZH_WORDS:
        ZH_WORDS.update({k: str(v) for k, v in _section("parser").items()})
    return ZH_WORDS


def _section(name: str) -> dict[str, Any]:
    table = language.section("help")[name]
    assert isinstance(table, dict)
    return table


def command_help(name: str) -> str:
    return str(_section("commands")[name]["help"])


def to_zh(p: argparse.ArgumentParser, command: str | None) -> None:
    """Every option's and argument's help in Chinese (lang.yaml help), and argparse's headings."""
    words = help_words()
    own = (_section("commands").get(command) or {}).get("options") or {} if command else {}
    shared = _section("options")
    fill = {"identities": ", ".join(IDENTITIES), "port": DEFAULT_PORT, "scenario": DEFAULT_SCENARIO}
    for action in p._actions:
        key = next((s for s in action.option_strings if s.startswith("--")), None) or action.dest
        text = own.get(key) or shared.get(key) or words.get(key.lstrip("-"))
        if text and action.help != argparse.SUPPRESS:
            action.help = str(text).format(**fill)
    p._positionals.title = words["positional"]
    p._optionals.title = words["options"]
