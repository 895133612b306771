"""Environment settings the command line makes for its own start-up only, taken out again for
the processes it starts on the user's behalf (report kernels, the dashboard's voila), which
must see the user's environment: e.g. a user's pydantic plugin loads in a report kernel."""

from __future__ import annotations

import os
from collections.abc import Mapping

#: Names this process (or a parent simulate) set, as ``NAME=VALUE`` joined by ``;``: kept in
#: the environment itself so worker processes started by spawn or forkserver know it too.
MARK = "SIMULATE_OWN_ENV"
PYDANTIC = "PYDANTIC_DISABLE_PLUGINS"


def quiet_pydantic() -> None:
    """No pydantic plugin discovery in this process (it reads every installed package's
    metadata, ~10 ms of each start; the command line uses none), unless the user set it."""
    if PYDANTIC in os.environ:
        return
    os.environ[PYDANTIC] = "__all__"
    own = [x for x in os.environ.get(MARK, "").split(";") if x]
    os.environ[MARK] = ";".join(own + [f"{PYDANTIC}=__all__"])


def user_environ(env: Mapping[str, str] | None = None) -> dict[str, str]:
    """``env`` (default this process's) without the settings simulate made for itself, where
    they still hold the value simulate gave them: what the user's own processes should see."""
    out = dict(os.environ if env is None else env)
    for item in out.pop(MARK, "").split(";"):
        name, _, value = item.partition("=")
        if name and out.get(name) == value:
            del out[name]
    return out
