"""The one language decision for messages, warnings and ``--help``, and the zh wording of
English message text (issue 15 item 5, "Chinese first").

The language comes from ``--lang`` if given, else from the locale (``LC_ALL``, then
``LC_MESSAGES``, then ``LANG``: ``zh_CN.*`` gives zh, another language such as ``en_US.UTF-8``
gives en); a locale that names no language (unset, ``C``, ``POSIX``) gives zh, the users'
language. English reasons made deep in the package are worded in Chinese by the ordered
pattern table in lang.yaml (``reasons``), so a message has one English source and its zh
wording is data, not code.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from functools import lru_cache
from pathlib import Path

from .resources import package_yaml

LANGS = ("zh", "en")
#: What a locale naming no language gives: the county analysts read Chinese.
DEFAULT = "zh"
LANG_FILE = Path(__file__).with_name("lang.yaml")


def from_locale(environ: Mapping[str, str] | None = None) -> str | None:
    """zh or en from the first locale variable set (POSIX order), None if it names no language."""
    env = os.environ if environ is None else environ
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = (env.get(name) or "").strip()
        if not value:
            continue
        if value.lower().startswith("zh"):
            return "zh"
        if value in ("C", "POSIX") or value.startswith(("C.", "POSIX.")):
            return None
        return "en"
    return None


def flag_in(argv: Sequence[str]) -> str | None:
    """The value of ``--lang`` in a command line (``--lang zh`` or ``--lang=zh``), if any."""
    for i, token in enumerate(argv):
        if token == "--":
            break
        if token == "--lang" and i + 1 < len(argv):
            value = argv[i + 1]
        elif token.startswith("--lang="):
            value = token.split("=", 1)[1]
        else:
            continue
        return value if value in LANGS else None
    return None


def decide(flag: str | None = None, environ: Mapping[str, str] | None = None) -> str:
    """The language of messages and output: ``flag`` (``--lang``), else the locale, else zh."""
    if flag in LANGS:
        return str(flag)
    return from_locale(environ) or DEFAULT


@lru_cache(maxsize=1)
def _catalog() -> dict[str, object]:
    data: dict[str, object] = package_yaml(LANG_FILE)
    return data


@lru_cache(maxsize=1)
def patterns() -> tuple[tuple[re.Pattern[str], str], ...]:
    """The ``reasons`` table of lang.yaml, compiled, in file order."""
    rows = _catalog()["reasons"]
    assert isinstance(rows, list)
    return tuple((re.compile(str(r["en"])), str(r["zh"])) for r in rows)


def zh_text(text: str) -> str:
    """``text`` (an English reason) worded in Chinese by the ``reasons`` table, pattern by
    pattern in file order; parts no pattern knows stay as they are."""
    for pattern, template in patterns():
        text = pattern.sub(template, text)
    return text


def in_lang(text: str, lang: str) -> str:
    """``text`` in ``lang``: as is for en, through :func:`zh_text` for zh."""
    return zh_text(text) if lang == "zh" else text


def section(name: str) -> dict[str, object]:
    """One section of lang.yaml other than ``reasons`` (``help``, ``argparse``)."""
    data = _catalog()[name]
    assert isinstance(data, dict)
    return data
