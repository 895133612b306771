"""The one line a command prints for ``--population FILE`` columns it does not use (issue 15
item 6): a county's 姓名, 身份证号, 备注 … are ignored, never silently."""

from __future__ import annotations

import argparse
import os
import sys

from .. import labels
from ..errors import SimulateError
from ..io.idmask import mask_ids_in_text
from ..io.tabular import population_header


def population_note(args: argparse.Namespace) -> None:
    """Name the ignored columns of ``args.population`` on stderr (nothing for a folder of
    partitions, a missing file or a file whose header the command will refuse itself)."""
    path = getattr(args, "population", None)
    if not path or not os.path.isfile(path):
        return
    lang = "en" if getattr(args, "lang", None) == "en" else "zh"
    try:
        header = population_header(path, str(path), SimulateError)
    except SimulateError:
        return  # the command reads the file and reports the problem in its own words
    note = header.note(labels.text("cli", "list_sep", lang)) if header is not None else None
    if note:
        line = labels.text("cli", "population_ignored", lang).format(file=path, columns=note)
        print(f"simulate {args.command}: {mask_ids_in_text(line)}", file=sys.stderr)
