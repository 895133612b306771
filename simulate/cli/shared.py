"""What every command shares: argument types, parent parsers for the common flags, JSON output
and scenario loading with ``--set``/``--set-file`` overrides.

Light on purpose (no pandas, no numpy): the parser imports it for every command, so
``simulate validate`` stays fast (issue 11 item 6).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
from collections.abc import Callable
from typing import Any

from ..numtext import MAX_PERSONS, decimal_from_text, shorten, whole_from_text
from ..policy import Scenario, load_scenario
from ..policy.overrides import parse_assignments, read_override_sheet
from .argtext import HelpFormatter


def whole_number(lo: int, hi: int, what: str = "a whole number", separators: bool = False) -> Callable[[str], int]:
    """An argparse type: a whole number in [lo, hi], with a one-line reason otherwise.

    Decimal digits only (full-width ones too, ``numtext.whole_from_text``); with
    ``separators`` (person counts) ``1,000,000`` and ``1_000_000`` are accepted."""

    def parse(text: str) -> int:
        raw = text.replace("_", "").replace(",", "").replace("，", "") if separators else text
        try:
            v = whole_from_text(raw, what)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None
        if v < lo:
            raise argparse.ArgumentTypeError(f"must be at least {lo:,}, got {v:,}")
        if v > hi:
            raise argparse.ArgumentTypeError(f"must be at most {hi:,}, got {v:,}")
        return v

    return parse


size = whole_number(1, MAX_PERSONS, "a whole number of persons", separators=True)
seed = whole_number(0, 2**63 - 1)
positive = whole_number(1, 10**6)


def age(text: str) -> int:
    """Whole years in decimal digits (full-width ones too); ① or 5,000 digits get one line."""
    try:
        v = whole_from_text(text, "a whole number of years")
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"age: {exc}") from None
    if not 0 <= v <= 130:
        raise argparse.ArgumentTypeError(f"age must be between 0 and 130, got {v}")
    return v


def date(text: str) -> dt.date:
    """A calendar day written YYYY-MM-DD."""
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date YYYY-MM-DD, got {text!r}") from None


def grade(text: str) -> int:
    """A disability certificate grade, 0 (none) to 4."""
    if text not in {"0", "1", "2", "3", "4"}:
        raise argparse.ArgumentTypeError(f"disability grade must be 0 (none) to 4, got {shorten(text)!r}")
    return int(text)


def port(text: str) -> int:
    """A TCP port number 1-65535."""
    try:
        value = int(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a port number 1-65535, got {text!r}") from None
    if not 1 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"expected a port number 1-65535, got {text!r}")
    return value


def finite(text: str) -> float:
    """A share written in decimal digits (no nan, inf, base 60 or 5,000 digits), as a float."""
    return float(decimal_from_text(text, "a share"))


def share(text: str) -> float:
    """A yearly share such as 0.01."""
    try:
        return finite(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a share such as 0.01, got {shorten(text)!r}") from None


def rate_range(text: str) -> tuple[str, tuple[float, float] | None]:
    """``KEY=LOW:HIGH`` (decimal shares) or ``none``/``无``."""
    if text.strip().lower() in ("none", "无"):
        return "none", None
    try:
        key, rng = text.split("=", 1)
        low, high = (finite(x) for x in rng.split(":"))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected KEY=LOW:HIGH or none with finite decimal shares, "
            f"e.g. rural_dibao=0.03:0.06, got {shorten(text)!r}"
        ) from None
    return key.strip(), (low, high)


# --------------------------------------------------------------------------- parent parsers


def _parent() -> argparse.ArgumentParser:
    return argparse.ArgumentParser(add_help=False, formatter_class=HelpFormatter)  # its width without shutil


def population_parent(*, counts: bool = False, seed_help: str | None = None) -> argparse.ArgumentParser:
    """``--population FILE | --size N`` and ``--seed N`` (and, for run, ``--count``)."""
    p = _parent()
    g = p.add_mutually_exclusive_group()
    g.add_argument(
        "--population",
        metavar="FILE",
        help="person-level CSV (UTF-8 or GBK), Parquet or xlsx file, columns per DESIGN.md",
    )
    g.add_argument("--size", type=size, help="synthetic population size (default: the area's residents)")
    p.add_argument(
        "--seed", type=seed, default=0, help=seed_help or "random seed for the synthetic population (default 0)"
    )
    if counts:
        p.add_argument(
            "--count",
            action="append",
            metavar="IDENTITY=N",
            help="exact persons holding an identity in the synthetic population (repeatable), "
            "e.g. rural_dibao=15230 from the civil affairs roster",
        )
    return p


def size_seed_parent(*, with_seed: bool = True) -> argparse.ArgumentParser:
    """``--size N`` (and ``--seed N``) for commands that always synthesize their people."""
    p = _parent()
    p.add_argument("--size", type=size, default=None, help="synthetic population size (default: the area's residents)")
    if with_seed:
        p.add_argument("--seed", type=seed, default=0, help="random seed (default 0)")
    return p


def engine_parent() -> argparse.ArgumentParser:
    """Where and how chunks run: local workers or Dask, chunk size, progress bar."""
    p = _parent()
    p.add_argument("--workers", type=positive, default=None, help="local worker processes (default: all cores)")
    p.add_argument(
        "--chunk-blocks",
        type=positive,
        default=4,
        help="blocks of 1,048,576 persons per chunk (results do not depend on it)",
    )
    p.add_argument(
        "--engine", choices=["local", "dask"], default="local", help="local processes or a Dask cluster (default local)"
    )
    p.add_argument("--scheduler", metavar="ADDRESS", help="Dask scheduler address (default: a local cluster)")
    p.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="show a progress bar (default: on a terminal, for long runs)",
    )
    return p


def overrides_parent() -> argparse.ArgumentParser:
    """``--set PATH=VALUE`` and ``--set-file SHEET`` (repeatable)."""
    p = _parent()
    p.add_argument(
        "--set",
        action="append",
        metavar="PATH=VALUE",
        help="override one scenario value, e.g. contribution.personal=400 (repeatable)",
    )
    p.add_argument(
        "--set-file",
        action="append",
        metavar="XLSX_OR_CSV",
        help="a sheet of (parameter path, value) rows applied as overrides (repeatable)",
    )
    return p


def lang_parent(what: str = "output and messages") -> argparse.ArgumentParser:
    """``--lang zh|en``; not given, the language the parser was built in (the locale's,
    :func:`simulate.lang.decide`) is the command's ``args.lang``."""
    p = _parent()
    p.add_argument(
        "--lang",
        choices=["zh", "en"],
        default=argparse.SUPPRESS,
        help=f"language of the {what}: zh 简体中文 or en (default: the locale's; zh unless it names another language)",
    )
    return p


def scenario_argument(p: argparse.ArgumentParser, what: str = "scenario file (.yaml)") -> None:
    """The positional ``SCENARIO`` (a scenario file) most commands take."""
    p.add_argument("scenario", metavar="SCENARIO", help=what)


def json_parent(what: str = "the results") -> argparse.ArgumentParser:
    """``--json``."""
    p = _parent()
    p.add_argument("--json", action="store_true", help=f"print {what} as JSON instead of text")
    return p


# --------------------------------------------------------------------------- helpers for handlers


def print_json(obj: Any) -> None:
    """Pretty JSON on stdout, Chinese as itself; nothing when stdout was closed before the
    command started (Python's sys.stdout is None then), as ``print`` does for the text."""
    print(json.dumps(obj, ensure_ascii=False, indent=2))


def overrides(args: argparse.Namespace) -> dict[str, Any]:
    """The ``--set-file`` sheets, then the ``--set`` assignments (later wins)."""
    out: dict[str, Any] = {}
    for sheet in getattr(args, "set_file", None) or []:
        out.update(read_override_sheet(sheet))
    out.update(parse_assignments(getattr(args, "set", None)))
    return out


def load(args: argparse.Namespace) -> Scenario:
    """``args.scenario`` with the command line's overrides."""
    return load_scenario(args.scenario, overrides(args))
