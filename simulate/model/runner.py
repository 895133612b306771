"""Running a scenario over a population: chunks, local workers or a Dask cluster.

A synthetic population is a stream of fixed blocks (``synth.BLOCK`` persons, each with its
own generator); a chunk is a run of blocks, and tallies add up, so the result is the same
to the fen whatever the chunk size, the number of workers or the engine.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import signal
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import PopulationError, SimulateError
from ..policy import Scenario, load_scenario
from ..vocabulary import CANONICAL, Vocabulary
from .behaviour import behaviour_rng
from .engine import Compiled, Tally, compile_for_engine, resolve_tiers, respond, tally
from .pool import Jobs, local_pool
from .population import Population, Villages, read_villages
from .standards import cell_codes
from .synth import SyntheticPopulation, default_spec, synthesize

if TYPE_CHECKING:  # loaded where a file or folder is read: a synthetic run does not need it
    from .filetally import FileTally, Responses

_MALLOC_TUNED = False

#: Work of the caller's own to do in this process while local workers count (the modules
#: that read the results): called once they are working, or not at all without them.
Meanwhile = Callable[[], object] | None


def _keep_freed_memory() -> None:
    """Ask glibc to keep freed block-sized arrays for reuse instead of returning them to the
    system: otherwise every block's arrays are fresh pages, and page faults cost about a
    third of the engine's time. Memory stays bounded by one chunk's working set. No-op
    where glibc is not the allocator."""
    global _MALLOC_TUNED
    if _MALLOC_TUNED or not sys.platform.startswith("linux"):
        return
    _MALLOC_TUNED = True
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6")
        m_trim_threshold, m_mmap_threshold = -1, -3
        libc.mallopt(m_mmap_threshold, 256 << 20)
        libc.mallopt(m_trim_threshold, 512 << 20)
    except (OSError, AttributeError):
        pass


def _tally_blocks(comp: Compiled, pop: SyntheticPopulation, first: int, stop: int) -> Tally:
    """The chunk function: tally blocks ``first`` … ``stop - 1`` (run in any process)."""
    _keep_freed_memory()
    total: Tally | None = None
    for b, block in zip(range(first, stop), pop.blocks(first, stop, households=False)):
        if comp.retention is not None:  # behavioural response (simulate.behaviour)
            block = respond(
                comp, block, behaviour_rng(pop.seed, b), pop.spec.full_participation_mask, pop.spec.disabled_full
            )
        t = tally(comp, block)
        total = t if total is None else total + t
    assert total is not None  # first < stop: at least one block
    return total


def _chunks(n_blocks: int, chunk_blocks: int, n_workers: int = 1) -> list[tuple[int, int]]:
    """Runs of at most ``chunk_blocks`` blocks, as many as a multiple of ``n_workers`` and the
    longer first, so that no worker is left with a last chunk while the others wait (10
    blocks on 2 workers: 3+2 and 3+2, not 4+2 and 4)."""
    n = -(-n_blocks // chunk_blocks)
    if n_workers > 1:
        n = min(-(-n // n_workers) * n_workers, n_blocks)
    edges = [0]
    for k in range(n):
        edges.append(edges[-1] + n_blocks // n + (k < n_blocks % n))
    return list(zip(edges[:-1], edges[1:], strict=True))


class _NoBar:
    def update(self, n: int = 1) -> None:
        pass

    def close(self) -> None:
        pass


def _in_notebook() -> bool:
    shell = sys.modules.get("IPython")
    ip = shell.get_ipython() if shell is not None else None
    return type(ip).__name__ == "ZMQInteractiveShell"


def _progress(total: int, enabled: bool | None, desc: str) -> Any:
    """A progress bar for runs of more than 16 chunks (64 M persons): on stderr in a
    terminal, as a widget in a notebook; ``enabled`` forces it on or off."""
    notebook = _in_notebook()
    if enabled is None:
        enabled = total > 16 and (sys.stderr.isatty() or notebook)
    if not enabled:
        return _NoBar()  # tqdm is not even imported: it costs ~50 ms at start-up
    if notebook:
        from tqdm.auto import tqdm

        return tqdm(total=total, desc=desc, unit="chunk", leave=False)
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, unit="chunk", leave=False, file=sys.stderr)


def _run_jobs(
    jobs: Jobs, n_workers: int, engine: str, scheduler: str | None, bar: Any, meanwhile: Meanwhile = None
) -> list[Any]:
    """Results of every job, in order: in this process, local workers or on Dask (``meanwhile``:
    :func:`~simulate.model.pool.local_pool`'s, called only there)."""
    if engine == "dask":
        return _dask_map(jobs, n_workers, scheduler, bar)
    if engine != "local":
        raise SimulateError("--engine", f"unknown engine {engine!r} (local or dask)")
    fn, shared, each = jobs
    if n_workers == 1 or len(each) == 1:
        results = []
        for own in each:
            results.append(fn(*shared, *own))
            bar.update()
        return results
    return local_pool(jobs, n_workers, bar, meanwhile)


def _workers(workers: int | None) -> int:
    n_workers = workers if workers is not None else (os.cpu_count() or 1)
    if n_workers < 1:
        raise SimulateError("--workers", "must be at least 1")
    return n_workers


def tally_population(
    comp: Compiled,
    pop: SyntheticPopulation,
    *,
    workers: int | None = None,
    chunk_blocks: int = 4,
    engine: str = "local",
    scheduler: str | None = None,
    progress: bool | None = None,
    meanwhile: Meanwhile = None,
) -> Tally:
    """Tally a synthetic population chunk by chunk, in this process, local workers or Dask
    (``meanwhile``: see :data:`Meanwhile`)."""
    if chunk_blocks < 1:
        raise SimulateError("--chunk-blocks", "must be at least 1")
    n_workers = _workers(workers)
    if engine == "local" and n_workers > 1:
        # local workers claim chunks as they get free: four or more each even out a late
        # start (the forked child) or a busier core; the tally is the same whatever the chunks
        chunk_blocks = min(chunk_blocks, max(1, pop.n_blocks // (4 * n_workers)))
    chunks = _chunks(pop.n_blocks, chunk_blocks, n_workers)
    bar = _progress(len(chunks), progress, pop.villages.en[0] if len(pop.villages) == 1 else "chunks")
    try:
        jobs = (_tally_blocks, (comp, pop), chunks)
        tallies: list[Tally] = _run_jobs(jobs, n_workers, engine, scheduler, bar, meanwhile)
    finally:
        bar.close()
    total = tallies[0]
    for t in tallies[1:]:
        total = total + t
    return total


def _file_job(
    comp: Compiled,
    villages: Villages | None,
    responses: Responses,
    vocab: Vocabulary,
    with_ids: bool,
    path: str,
    index: int,
) -> FileTally:
    """The job for one file of a folder (run in any process; a path travels, not data; the
    person-id hashes come back when there are several, to be checked against one another)."""
    from .filetally import tally_file

    return tally_file(comp, path, villages, index, responses, vocab=vocab, with_ids=with_ids)


def tally_files(
    comp: Compiled,
    path: str | Path,
    villages: Villages | None,
    *,
    seed: int = 0,
    workers: int | None = None,
    engine: str = "local",
    scheduler: str | None = None,
    progress: bool | None = None,
    vocab: Vocabulary = CANONICAL,
) -> tuple[Tally, Villages, dict[str, Any]]:
    """Tally a population file, or a folder of partitions (one file per county or town, each
    read where it is tallied), streamed: the tally, the villages and what was read
    (identities read with ``vocab``, the scenario's)."""
    from .filetally import Responses, merge, partition_files

    files = partition_files(path)
    responses = Responses(seed, default_spec().full_participation_mask, default_spec().disabled_full)
    each = [(str(f), k) for k, f in enumerate(files)]
    n_workers = _workers(workers)
    bar = _progress(len(files), progress, "partitions")
    try:
        parts: list[FileTally] = _run_jobs(
            (_file_job, (comp, villages, responses, vocab, len(files) > 1), each), n_workers, engine, scheduler, bar
        )
    finally:
        bar.close()
    total, vills = merge(parts, villages)
    meta: dict[str, Any] = {
        "population_file": str(path),
        "rows_read": sum(p.rows_read for p in parts),
        "rows_rejected": sum(p.rows_rejected for p in parts),
    }
    if Path(path).is_dir():
        meta["partitions"] = len(files)
    return total, vills, meta


#: The Dask clients of the open :func:`dask_session` blocks (innermost last).
_SESSIONS: list[Any] = []


@contextlib.contextmanager
def dask_session(workers: int | None = None, scheduler: str | None = None) -> Iterator[Any]:
    """One Dask client (``scheduler`` address, or a LocalCluster of ``workers`` processes)
    for every run inside the block: a region's counties share one cluster.

    Ctrl-C reaches only this process (a LocalCluster's workers are forked ignoring SIGINT),
    which closes the cluster with distributed's shutdown logging silenced: one line, no
    tracebacks.
    """
    cluster = None
    try:
        client, cluster = _dask_connect(_workers(workers), scheduler)
        _SESSIONS.append(client)
        try:
            with client:
                yield client
        finally:
            _SESSIONS.pop()
    except BaseException:
        _silence_dask()  # closing early makes distributed log and warn about lost work
        _close_dask_clusters()
        raise
    if cluster is not None:
        cluster.close()


def _refused_at_once(scheduler: str) -> None:
    """One line now when nothing listens at a ``tcp://host:port`` scheduler address (a mistyped
    port): Dask's client would retry for its whole 10 s timeout before saying so."""
    import socket
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(scheduler)
        host, port = parts.hostname, parts.port
    except ValueError:
        return  # not host:port: the client says what is wrong with it
    if parts.scheme != "tcp" or not host or port is None:
        return
    try:
        socket.create_connection((host, port), timeout=10).close()
    except ConnectionRefusedError as exc:
        raise SimulateError("--scheduler", f"cannot reach Dask scheduler {scheduler}: {exc}") from None
    except OSError:
        return  # slow or unreachable network: the client's own timeout and message apply


def _dask_connect(n_workers: int, scheduler: str | None) -> tuple[Any, Any]:
    """A client of the cluster at ``scheduler``, or of a new LocalCluster (and that cluster)."""
    dist: Any = importlib.import_module("dask.distributed")  # untyped: called through Any
    if scheduler:
        _refused_at_once(scheduler)
        try:
            return dist.Client(scheduler, timeout="10s"), None
        except OSError as exc:
            raise SimulateError("--scheduler", f"cannot reach Dask scheduler {scheduler}: {exc}") from None
    import logging

    import dask

    _forkserver_ignoring_sigint()
    with dask.config.set({"distributed.worker.multiprocessing-method": "forkserver"}):
        # no dashboard; the scheduler's small HTTP server on a free port, not on
        # 8787 (taken by any other cluster: a warning on every run)
        cluster = dist.LocalCluster(
            n_workers=n_workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=logging.ERROR,
            scheduler_kwargs={"dashboard": False, "dashboard_address": "127.0.0.1:0"},
        )
    return dist.Client(cluster), cluster


def _dask_map(jobs: Jobs, n_workers: int, scheduler: str | None, bar: Any) -> list[Any]:
    """The jobs on a Dask cluster (the open session's, or one for these jobs alone); the
    shared arguments are sent to every worker once, results come back in job order."""
    if not _SESSIONS:
        with dask_session(n_workers, scheduler) as client:
            return _dask_submit(client, jobs, bar)
    return _dask_submit(_SESSIONS[-1], jobs, bar)


def _dask_submit(client: Any, jobs: Jobs, bar: Any) -> list[Any]:
    dist: Any = importlib.import_module("dask.distributed")
    fn, shared, each = jobs
    sent = [x if x is None else client.scatter(x, broadcast=True) for x in shared]
    futures = [client.submit(fn, *sent, *own, pure=False) for own in each]
    where = {f.key: i for i, f in enumerate(futures)}
    results: list[Any] = [None] * len(futures)
    for f in dist.as_completed(futures):
        results[where[f.key]] = f.result()
        bar.update()
    return results


def _forkserver_ignoring_sigint() -> None:
    """Start multiprocessing's fork server with SIGINT ignored: the Dask workers it forks
    inherit that, so Ctrl-C reaches only this process and no worker prints a traceback."""
    import threading
    from multiprocessing import forkserver

    if threading.current_thread() is not threading.main_thread():
        forkserver.ensure_running()  # signal dispositions can only be set in the main thread
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        forkserver.ensure_running()
    finally:
        signal.signal(signal.SIGINT, previous)


def _close_dask_clusters() -> None:
    """Close this process's local clusters, even half-started ones, without a word (else
    distributed's exit hook prints tracebacks for them)."""
    from distributed.deploy.spec import SpecCluster

    for cluster in list(SpecCluster._instances):  # the set distributed's exit hook closes
        with contextlib.suppress(Exception):
            cluster.close(timeout=10)
        SpecCluster._instances.discard(cluster)


def _silence_dask() -> None:
    import logging
    import warnings

    for name in ("distributed", "dask", "tornado", "asyncio"):
        logging.getLogger(name).setLevel(logging.CRITICAL + 1)
    warnings.filterwarnings("ignore", module="distributed")


@dataclass(frozen=True)
class RunTally:
    """What one run counted, before it is read as money (``results.run`` makes the Outlay):
    the scenario, its compiled tables, the tally, the villages and where the people came from."""

    scenario: Scenario
    compiled: Compiled
    tally: Tally
    villages: Any
    meta: dict[str, Any]


def run_tally(
    scenario: Scenario | str | Path,
    population: Population | SyntheticPopulation | str | Path | None = None,
    *,
    size: int | None = None,
    seed: int = 0,
    overrides: dict[str, Any] | None = None,
    workers: int | None = None,
    chunk_blocks: int = 4,
    engine: str = "local",
    scheduler: str | None = None,
    progress: bool | None = None,
    counts: dict[str, int] | None = None,
    meanwhile: Meanwhile = None,
) -> RunTally:
    """Count a scenario over a population (the arguments of :func:`simulate.results.run.run`;
    ``meanwhile``: see :data:`Meanwhile`, for a synthetic population)."""
    sc = scenario if isinstance(scenario, Scenario) else load_scenario(scenario, overrides)
    if isinstance(scenario, Scenario) and overrides:
        sc = sc.with_overrides(overrides)
    comp = compile_for_engine(sc.policy)
    meta: dict[str, Any] = {}
    villages: Any = None
    if isinstance(population, (str, Path)):  # streamed, chunk by chunk (one file or a folder)
        if sc.policy.area.villages_file:
            villages = read_villages(sc.data_path(sc.policy.area.villages_file))
        t, villages, meta = tally_files(
            comp,
            population,
            villages,
            seed=seed,
            workers=workers,
            engine=engine,
            scheduler=scheduler,
            progress=progress,
            vocab=sc.policy.vocab,
        )
        return RunTally(sc, comp, t, villages, meta)
    if population is None:
        population = synthesize(sc, size, seed, counts=counts)
    if isinstance(population, SyntheticPopulation):
        t = tally_population(
            comp,
            population,
            workers=workers,
            chunk_blocks=chunk_blocks,
            engine=engine,
            scheduler=scheduler,
            progress=progress,
            meanwhile=meanwhile,
        )
        meta.update({"size": population.size, "seed": population.seed, "population": "synthetic"})
        villages = population.villages
    elif isinstance(population, Population):
        t = _tally_in_memory(comp, population, seed)
        villages = population.villages
    else:
        raise PopulationError("population", f"cannot run on a {type(population).__name__}")
    return RunTally(sc, comp, t, villages, meta)


def _tally_in_memory(comp: Compiled, pop: Population, seed: int) -> Tally:
    """A population already in memory, tallied whole (behavioural responses drawn as for
    the first file of a folder, ``behaviour_rng(seed, 0)``)."""
    if comp.retention is not None:
        spec = default_spec()
        pop = respond(comp, pop, behaviour_rng(seed, 0), spec.full_participation_mask, spec.disabled_full)
    return tally(comp, pop)


def person_results(scenario: Scenario, pop: Population) -> Any:
    """Person-level tier and payments (fen) for audits; one row per person."""
    comp = compile_for_engine(scenario.policy)
    t = comp.tables
    cell = None if t.cells is None else cell_codes(t.cells, pop)
    tier, _ = resolve_tiers(comp, pop.identities, pop.age, pop.sex, pop.disability, pop.timing, pop.hukou, cell)
    acc = t.accepted[tier, pop.timing] & pop.enrolled
    c_pays = t.pays[None] if cell is None or t.cell_pays is None else t.cell_pays
    c_fiscal = t.fiscal[None] if cell is None or t.cell_fiscal is None else t.cell_fiscal
    c = np.zeros(len(pop), np.int64) if cell is None else cell
    pays = np.where(acc[:, None], c_pays[c, tier, pop.timing], 0)
    frame = pop.to_frame(vocab=scenario.policy.vocab)
    frame["tier"] = np.array(t.tier_ids, dtype=object)[tier]
    for j, s in enumerate(t.sources):
        frame[f"{s}_fen"] = pays[:, j]
    frame["fiscal_subsidy_fen"] = np.where(acc, c_fiscal[c, tier, pop.timing], 0)
    return frame


def by_household(scenario: Scenario, pop: Population) -> Any:
    """Outlay by household (fen per source), for households read from a file or built."""
    frame = person_results(scenario, pop)
    money = [c for c in frame.columns if c.endswith("_fen")]
    grouped = frame.groupby("household_id", sort=True)
    out = grouped[money].sum()
    out.insert(0, "persons", grouped.size())
    return out.reset_index()
