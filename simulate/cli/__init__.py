"""The ``simulate`` command line: ``main`` runs one command from :data:`simulate.cli.parser.COMMANDS`.

Every command exits 2 with one line on stderr (file, field or row, reason) for a user's
mistake, 3 with one line for a bug of ours; tracebacks only with ``SIMULATE_DEBUG=1``. Every
error line passes through the ID-number mask (issue 10 item 2).
"""

from __future__ import annotations

import argparse
import gc
import os
import sys

# before the scenario models are built: pydantic would otherwise read every installed
# package's metadata looking for plugins (~10 ms of each start; the command line uses none),
# and numpy would start spinning OpenBLAS threads; kernels and the dashboard get the user's
# environment back (simulate.startenv.user_environ)
from ..startenv import quiet_openblas, quiet_pydantic  # noqa: E402

quiet_pydantic()
quiet_openblas()


# no garbage collection while modules load: they make objects that live as long as the
# process, and the collector walking them again and again was a fifth of start-up's CPU
_COLLECTING = gc.isenabled()
gc.disable()

from .. import lang  # noqa: E402
from ..errors import SimulateError  # noqa: E402
from ..lifecycle import (  # noqa: E402
    Terminated,
    end_marked_descendants,
    marked_descendants,
    quiet_resource_tracker,
    terminate_like_interrupt,
)
from .parser import BY_NAME, COMMANDS, Command, Handler, build_parser  # noqa: E402
from .population_note import population_note  # noqa: E402

# what they made moves to the oldest generation without a walk (freeze, then unfreeze):
# switching the collector back on must not start a collection of all of it at once
gc.freeze()
gc.unfreeze()
if _COLLECTING:
    gc.enable()

__all__ = ["main", "build_parser", "COMMANDS", "Command"]


def main(argv: list[str] | None = None) -> int:
    """Parse ``argv`` (default ``sys.argv[1:]``), run the command, return its exit code.

    The language of help, messages and output is decided once, here: ``--lang``, else the
    locale (:func:`simulate.lang.decide`); handlers read it as ``args.lang``."""
    program = argv is None  # the whole process is this command (not a call from Python)
    if program:
        gc.disable()  # until the command's modules are loaded (:func:`_handler`)
        quiet_resource_tracker()
    argv = sys.argv[1:] if argv is None else list(argv)
    # the command is the first word that is not an option or --lang's value (no other
    # top-level option takes one): only its parser is built in full
    words = [a for a in argv if not a.startswith("-") and a not in ("zh", "en")]
    parser, subparsers = build_parser(lang.decide(lang.flag_in(argv)), words[0] if words else None)
    args, unknown = parser.parse_known_args(argv)
    if unknown:  # reported by the command's own parser: did-you-mean and its --help
        (subparsers.get(args.command) or parser).error(f"unrecognized arguments: {' '.join(unknown)}")
    if not args.command:
        parser.print_help()
        return 0
    terminate_like_interrupt()  # SIGTERM/SIGHUP unwind like Ctrl-C: workers ended, no partial folder
    with marked_descendants():
        code = _run(args, program)
    if program and args.command in ENDS_AT_ONCE and _is_the_command():
        _end_now(code)
    return code


#: Commands whose only output is standard output: once it is written, the process ends without
#: the interpreter's teardown (every module and object freed one by one: ~30 ms after a
#: 10 M-person ``run``, measured), when nothing else waits for the exit (:func:`_end_now`).
ENDS_AT_ONCE = frozenset({"run", "region"})


def _is_the_command() -> bool:
    """Whether this process was started as the command itself (the ``simulate`` script, or
    ``python -m simulate``), not by a program of the user's that calls :func:`main` and goes on."""
    started = sys.modules.get("__main__")
    spec = getattr(started, "__spec__", None)
    if spec is not None and spec.name == "simulate.__main__":
        return True
    name = os.path.basename(getattr(started, "__file__", None) or "")
    return name in ("simulate", "simulate.exe", "simulate-script.py")


def _end_now(code: int) -> None:
    """End the process now with ``code``, its output flushed, unless something waits for the
    exit: an exit handler (Dask's, multiprocessing's, a temporary folder's, …) or another
    thread; then the interpreter's own exit, as for every other command."""
    import atexit

    threading = sys.modules.get("threading")
    handlers = getattr(atexit, "_ncallbacks", None)  # CPython's own name: elsewhere, the ordinary exit
    if handlers is None or handlers() or (threading is not None and threading.active_count() > 1):
        return
    try:
        for stream in (sys.stdout, sys.stderr):
            if stream is not None:  # None: started with that descriptor closed (``>&-``)
                stream.flush()
    except Exception:  # a reader gone, a closed or odd stream: the ordinary exit deals with it
        return
    os._exit(code)


def _handler(command: str, program: bool) -> Handler:
    """The command's handler. Run as the program (not called from Python), its modules load
    without garbage collection and then every object made so far is frozen out of the
    collector's sight (``gc.freeze``): they live as long as the process, and each later
    collection, in this process or a forked worker, would walk them all again (~0.1 s of a
    ``simulate run``)."""
    if not program:
        return BY_NAME[command].resolve()
    try:
        return BY_NAME[command].resolve()
    finally:
        gc.freeze()
        gc.enable()


def _run(args: argparse.Namespace, program: bool = False) -> int:
    """Run the parsed command; every way it can end becomes an exit code and at most one line."""
    try:
        note = population_note(args)  # a county file's unused columns, named on one line
        code = _handler(args.command, program)(args)
        if note and code == 0:  # after the work: a refused input stays one line
            print(note, file=sys.stderr)
        return code
    except SimulateError as exc:
        from ..io.idmask import mask_ids_in_text  # an error's path: not loaded at every start

        # masked again here: no error line ever shows a full ID number (issue 10 item 2)
        print(f"simulate {args.command}: {mask_ids_in_text(exc.one_line(args.lang))}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as exc:
        end_marked_descendants()  # whatever outlived its parent (workers, kernels, browsers)
        # imported here: only commands that write a folder need the report package, and
        # `simulate run` should not pay for loading it at every start (issue 16 item 5)
        from ..report.publish import interruption_note

        how = f"terminated ({exc})" if isinstance(exc, Terminated) else "interrupted"
        print(f"simulate {args.command}: {lang.in_lang(f'{how}; {interruption_note()}', args.lang)}", file=sys.stderr)
        return 128 + exc.signum if isinstance(exc, Terminated) else 130
    except BrokenPipeError:
        # the reader went away (e.g. `| head`): not an error of ours or the user's
        try:
            sys.stdout = open(os.devnull, "w")
        except OSError:
            pass
        return 0
    except Exception as exc:  # a bug of ours, not the user's: still one line unless debugging
        if os.environ.get("SIMULATE_DEBUG"):
            raise
        from ..io.idmask import mask_ids_in_text

        what = f"{type(exc).__name__}: {mask_ids_in_text(' '.join(str(exc).split()))}"
        line = lang.in_lang(f"internal error ({what}); rerun with SIMULATE_DEBUG=1 for details", args.lang)
        print(f"simulate {args.command}: {line}", file=sys.stderr)
        return 3
