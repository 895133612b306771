"""The one line a command prints (on stderr, after its work) for ``--population FILE`` columns it does not use (issue 15
item 6): a county's 姓名, 身份证号, 备注 … are ignored, never silently."""

from __future__ import annotations

import argparse
import os

from .. import labels
from ..errors import SimulateError


def population_note(args: argparse.Namespace) -> str | None:
    """The line naming the ignored columns of ``args.population`` (None for a folder of
    partitions, a missing file, a file whose header the command will refuse itself, or a
    file whose every column is used)."""
    path = getattr(args, "population", None)
    if not path or not os.path.isfile(path):
        return None
    from ..io.tabular import population_header  # here: a synthetic run never loads the file reader

    lang = "en" if getattr(args, "lang", None) == "en" else "zh"
    try:
        header = population_header(path, str(path), SimulateError)
    except SimulateError:
        return None  # the command reads the file and reports the problem in its own words
    note = header.note(labels.text("cli", "list_sep", lang)) if header is not None else None
    if not note:
        return None
    line = labels.text("cli", "population_ignored", lang).format(file=path, columns=note)
    from ..io.idmask import mask_ids_in_text  # only when there is a note: not loaded at every start

    return f"simulate {args.command}: {mask_ids_in_text(line)}"
