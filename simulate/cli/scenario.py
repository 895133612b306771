"""Scenario commands: ``validate``, ``assumptions`` and ``examples`` (``explain`` is beside it,
in :mod:`simulate.cli.explain`).

Handlers only (their parsers are in :mod:`simulate.cli.parser`); they load neither the engine nor
pandas, so these commands start fast (issue 11 item 6).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .. import labels
from ..errors import SimulateError
from ..examples import copy_examples, example_files
from ..io.idmask import mask_ids_in_text
from ..lang import in_lang
from ..policy import ignored_fields, load_scenario
from ..policy.fieldref import path_name
from ..resources import folder
from .shared import load, print_json


def validate(args: argparse.Namespace) -> int:
    """Check every file; every problem of a bad file on its own line, exit 2 if any is bad."""
    bad = 0
    zh = args.lang == "zh"
    for path in args.files:
        try:
            sc = load_scenario(path)
        except SimulateError as exc:
            for line in exc.lines(args.lang):
                print(mask_ids_in_text(line), file=sys.stderr)
            bad += 1
            continue
        n = len(sc.assumptions())
        if not args.quiet:
            tiers = len(sc.policy.tiers)
            if zh:
                print(f"{path}: 有效（{sc.id}，{tiers}个资助档次，{n}条假设）")
            else:
                plural = ("s" if tiers != 1 else "", "s" if n != 1 else "")
                print(f"{path}: ok ({sc.id}, {tiers} tier{plural[0]}, {n} assumption{plural[1]})")
            for field, why in ignored_fields(sc.policy):  # recorded but read by no command
                if zh:
                    named = path_name(field, "zh")
                    field = f"{field}（{named}）" if named else field
                warning = f"警告：未使用：{in_lang(why, 'zh')}" if zh else f"warning: not used: {why}"
                print(f"{path}: {field}: {warning}", file=sys.stderr)
        if args.assumptions:
            line = labels.text("cli", "assumption_line", "zh" if zh else "en")
            for a in sc.assumptions(args.lang):
                print(line.format(path=a["path"], note=a["note"]))
    return 2 if bad else 0


def assumptions(args: argparse.Namespace) -> int:
    """Where the rules come from and what the scenario assumes where its document is silent."""
    sc = load(args)
    items = sc.assumptions(args.lang)  # note in --lang; note_zh always there too
    prov = sc.provenance()
    if args.json:
        print_json({"scenario": sc.id, "files": prov["files"], "overrides": prov["overrides"], "assumptions": items})
        return 0

    def word(key: str) -> str:
        return labels.text("cli", key, args.lang)

    sep = word("colon")
    for i, f in enumerate(prov["files"]):
        role = word("scenario_file" if i == 0 else "extends")
        print(f"{role}{sep}{f['path']} (sha256 {f['sha256'][:17]}…)")
    for path, value in prov["overrides"].items():
        print(f"{word('override')}{sep}{path} = {value}")
    print(f"{word('assumptions')}{sep}{len(items)}")
    for a in items:
        print(f"  {a['path']}{sep}{a['note']}")
    return 0


# --------------------------------------------------------------------------- examples


def examples(args: argparse.Namespace) -> int:
    """List the shipped examples, or copy them into ``--out``."""
    if args.out:
        copied = copy_examples(args.out)
        print(labels.text("cli", "examples_copied", args.lang, n=len(copied), out=Path(args.out)))
        for p in copied:
            print(f"  {p}")
        return 0
    for p in example_files():
        print(p.name)
    print(labels.text("cli", "examples_where", args.lang, folder=folder("scenarios")))
    return 0
