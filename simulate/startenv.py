"""Environment settings the command line makes for its own start-up only, taken out again for
the processes it starts on the user's behalf (report kernels, the dashboard's voila), which
must see the user's environment: e.g. a user's pydantic plugin loads in a report kernel, and
numpy there gets the OpenBLAS threads the user's machine gives it."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping

#: Names this process (or a parent simulate) set, as ``NAME=VALUE`` joined by ``;``: kept in
#: the environment itself so worker processes started by spawn or forkserver know it too.
MARK = "SIMULATE_OWN_ENV"
PYDANTIC = "PYDANTIC_DISABLE_PLUGINS"
OPENBLAS = "OPENBLAS_NUM_THREADS"


def _own(name: str, value: str) -> None:
    """Set ``name`` for this process and the workers it starts, unless the user set it, and
    mark it as simulate's own so :func:`user_environ` takes it out again."""
    if name in os.environ:
        return
    os.environ[name] = value
    own = [x for x in os.environ.get(MARK, "").split(";") if x]
    os.environ[MARK] = ";".join(own + [f"{name}={value}"])


def quiet_pydantic() -> None:
    """No pydantic plugin discovery in this process (it reads every installed package's
    metadata, ~10 ms of each start; the command line uses none), unless the user set it; with
    plugins off, not even the loader's import of importlib.metadata."""
    _own(PYDANTIC, "__all__")
    _no_plugin_search()


def plugins_off() -> bool:
    """Whether pydantic's plugins are off in this process (PYDANTIC_DISABLE_PLUGINS as
    pydantic reads it: ``__all__``, ``1`` or ``true``)."""
    return os.environ.get(PYDANTIC) in ("__all__", "1", "true")


def _no_plugin_search() -> None:
    """With plugins off, pydantic still imports its plugin loader, which imports
    importlib.metadata (email, zipfile, csv, …: ~20 ms of CPU at every start) only to look
    for entry points it then ignores: a stand-in answers "no plugins" (``get_plugins``, the
    one name pydantic takes from it) and loads the real loader for any other name."""
    name = "pydantic.plugin._loader"
    if not plugins_off() or name in sys.modules:
        return
    import types

    def real(attr: str) -> object:
        if attr.startswith("__"):  # the import system asking what kind of module this is
            raise AttributeError(attr)
        import importlib

        sys.modules.pop(name, None)  # the stand-in steps aside for good
        return getattr(importlib.import_module(name), attr)

    stand_in = types.ModuleType(name)
    stand_in.get_plugins = tuple  # type: ignore[attr-defined]  # get_plugins() -> ()
    stand_in.__getattr__ = real  # type: ignore[method-assign]
    sys.modules[name] = stand_in


def quiet_openblas() -> None:
    """One OpenBLAS thread, unless the user set it: numpy starts a thread per core at import and
    they spin for ~0.1 s of CPU at every start, taken from a worker's core on a busy machine;
    no command multiplies matrices large enough to need them (the engine counts in integers)."""
    _own(OPENBLAS, "1")


def user_environ(env: Mapping[str, str] | None = None) -> dict[str, str]:
    """``env`` (default this process's) without the settings simulate made for itself, where
    they still hold the value simulate gave them: what the user's own processes should see."""
    out = dict(os.environ if env is None else env)
    for item in out.pop(MARK, "").split(";"):
        name, _, value = item.partition("=")
        if name and out.get(name) == value:
            del out[name]
    return out
