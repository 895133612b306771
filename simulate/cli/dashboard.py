"""``simulate dashboard [SCENARIO]``: the what-if notebook served by Voilà (see :mod:`simulate.dashboard`)."""

from __future__ import annotations

import argparse

from ..dashboard import serve


def dashboard(args: argparse.Namespace) -> int:
    """Serve until Ctrl-C; a broken scenario is one line before Voilà starts."""
    return serve(args.scenario, args.port)
