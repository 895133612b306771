"""``simulate region FILE.csv``: every county of a region file under its own policy."""
from __future__ import annotations

import argparse

from .cli import _COMMANDS, _EXTRA_PARSERS, _print_json
from .commands import _seed, add_engine_args


def _region_parser(sub) -> None:
    p = sub.add_parser("region", help="run many counties (a CSV: county, scenario, population) "
                                      "and total by county, city and province")
    p.add_argument("file", metavar="FILE.csv")
    p.add_argument("--seed", type=_seed, default=0,
                   help="random seed; each county draws from its own seed derived from it (default 0)")
    add_engine_args(p)
    p.add_argument("--lang", choices=["zh", "en"], default="zh")
    p.add_argument("--json", action="store_true")


def _region(args: argparse.Namespace) -> int:
    from .errors import SimulateError
    from .results.region import run_region
    if args.scheduler and args.engine != "dask":
        raise SimulateError("--scheduler", "only used with --engine dask")
    result = run_region(args.file, seed=args.seed, workers=args.workers, chunk_blocks=args.chunk_blocks,
                        engine=args.engine, scheduler=args.scheduler, progress=args.progress)
    if args.json:
        _print_json(result.to_json())
    else:
        print(result.text(args.lang))
    return 0


_EXTRA_PARSERS.append(_region_parser)
_COMMANDS["region"] = _region
