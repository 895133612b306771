"""Running a scenario over a population: chunks, local workers or a Dask cluster.

A synthetic population is a stream of fixed blocks (``synth.BLOCK`` persons, each with its
own generator); a chunk is a run of blocks, and tallies add up, so the result is the same
to the fen whatever the chunk size, the number of workers or the engine.
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import os
import signal
import sys
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import PopulationError, SimulateError
from ..policy import Scenario, load_scenario
from .behaviour import behaviour_rng
from .engine import Compiled, Tally, compile_for_engine, resolve_tiers, respond, tally
from .population import Population, read_population, read_villages
from .standards import cell_codes
from .synth import SyntheticPopulation, default_spec, synthesize

_MALLOC_TUNED = False


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
    total = None
    for b, block in zip(range(first, stop), pop.blocks(first, stop)):
        if comp.retention is not None:  # behavioural response (simulate.behaviour)
            block = respond(
                comp, block, behaviour_rng(pop.seed, b), pop.spec.full_participation_mask, pop.spec.disabled_full
            )
        t = tally(comp, block)
        total = t if total is None else total + t
    return total


def _chunks(n_blocks: int, chunk_blocks: int) -> list[tuple[int, int]]:
    return [(a, min(a + chunk_blocks, n_blocks)) for a in range(0, n_blocks, chunk_blocks)]


class _NoBar:
    def update(self, n: int = 1) -> None:
        pass

    def close(self) -> None:
        pass


def _in_notebook() -> bool:
    shell = sys.modules.get("IPython")
    ip = shell.get_ipython() if shell is not None else None
    return type(ip).__name__ == "ZMQInteractiveShell"


def _progress(total: int, enabled: bool | None, desc: str):
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


def _local_pool(comp: Compiled, pop: SyntheticPopulation, chunks: list[tuple[int, int]], n_workers: int, bar) -> Tally:
    """Chunks over local worker processes; on Ctrl-C or an error the workers are ended at
    once (no chunk is left running, no partial result is returned)."""
    from ..lifecycle import end_pool, quiet_child

    ctx = mp.get_context("fork" if sys.platform.startswith("linux") else "spawn")
    # workers ignore Ctrl-C (the parent alone decides to stop, then ends them) and die
    # with the parent even if it is killed outright
    ex = ProcessPoolExecutor(
        max_workers=min(n_workers, len(chunks)), mp_context=ctx, initializer=quiet_child, initargs=(os.getpid(),)
    )
    try:
        futures = [ex.submit(_tally_blocks, comp, pop, a, b) for a, b in chunks]
        total = None
        for f in futures:
            t = f.result()
            total = t if total is None else total + t
            bar.update()
    except BaseException:
        end_pool(ex)
        raise
    ex.shutdown(wait=True)
    return total


def tally_population(
    comp: Compiled,
    pop: SyntheticPopulation,
    *,
    workers: int | None = None,
    chunk_blocks: int = 4,
    engine: str = "local",
    scheduler: str | None = None,
    progress: bool | None = None,
) -> Tally:
    """Tally a synthetic population chunk by chunk, in this process, local workers or Dask."""
    if chunk_blocks < 1:
        raise SimulateError("--chunk-blocks", "must be at least 1")
    chunks = _chunks(pop.n_blocks, chunk_blocks)
    n_workers = workers if workers is not None else (os.cpu_count() or 1)
    if n_workers < 1:
        raise SimulateError("--workers", "must be at least 1")
    bar = _progress(len(chunks), progress, pop.villages.en[0] if len(pop.villages) == 1 else "chunks")
    try:
        if engine == "dask":
            return _tally_dask(comp, pop, chunks, n_workers, scheduler, bar)
        if engine != "local":
            raise SimulateError("--engine", f"unknown engine {engine!r} (local or dask)")
        if n_workers == 1 or len(chunks) == 1:
            total = None
            for a, b in chunks:
                t = _tally_blocks(comp, pop, a, b)
                total = t if total is None else total + t
                bar.update()
            return total
        return _local_pool(comp, pop, chunks, n_workers, bar)
    finally:
        bar.close()


def _tally_dask(
    comp: Compiled, pop: SyntheticPopulation, chunks: list[tuple[int, int]], n_workers: int, scheduler: str | None, bar
) -> Tally:
    """The same chunk function on a Dask cluster (``scheduler`` address or a LocalCluster).

    Ctrl-C reaches only this process (a LocalCluster's workers are forked ignoring SIGINT),
    which closes the cluster with distributed's shutdown logging silenced: one line, no
    tracebacks.
    """
    from dask.distributed import Client, LocalCluster, as_completed

    cluster = None
    try:
        if scheduler:
            try:
                client = Client(scheduler, timeout="10s")
            except OSError as exc:
                raise SimulateError("--scheduler", f"cannot reach Dask scheduler {scheduler}: {exc}") from None
        else:
            import dask

            _forkserver_ignoring_sigint()
            with dask.config.set({"distributed.worker.multiprocessing-method": "forkserver"}):
                # no dashboard; the scheduler's small HTTP server on a free port, not on
                # 8787 (taken by any other cluster: a warning on every run)
                cluster = LocalCluster(
                    n_workers=n_workers,
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=None,
                    silence_logs=logging.ERROR,
                    scheduler_kwargs={"dashboard": False, "dashboard_address": "127.0.0.1:0"},
                )
            client = Client(cluster)
        with client:
            comp_f = client.scatter(comp, broadcast=True)
            pop_f = client.scatter(pop, broadcast=True)
            futures = [client.submit(_tally_blocks, comp_f, pop_f, a, b, pure=False) for a, b in chunks]
            total = None
            for f in as_completed(futures):
                t = f.result()
                total = t if total is None else total + t
                bar.update()
            return total
    except BaseException:
        _silence_dask()  # closing early makes distributed log and warn about lost work
        _close_dask_clusters()
        raise
    if cluster is not None:
        cluster.close()


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
    import contextlib

    from distributed.deploy.spec import SpecCluster

    for cluster in list(SpecCluster._instances):  # the set distributed's exit hook closes
        with contextlib.suppress(Exception):
            cluster.close(timeout=10)
        SpecCluster._instances.discard(cluster)


def _silence_dask() -> None:
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
) -> RunTally:
    """Count a scenario over a population (the arguments of :func:`simulate.results.run.run`)."""
    sc = scenario if isinstance(scenario, Scenario) else load_scenario(scenario, overrides)
    if isinstance(scenario, Scenario) and overrides:
        sc = sc.with_overrides(overrides)
    comp = compile_for_engine(sc.policy)
    meta: dict[str, Any] = {}
    if isinstance(population, (str, Path)):
        villages = None
        if sc.policy.area.villages_file:
            villages = read_villages(sc.data_path(sc.policy.area.villages_file))
        pop = read_population(population, villages, vocab=sc.policy.vocab)
        meta.update(
            {"population_file": str(population), "rows_read": pop.rows_read, "rows_rejected": len(pop.rejected)}
        )
        population = pop
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
        )
        meta.update({"size": population.size, "seed": population.seed, "population": "synthetic"})
        villages = population.villages
    elif isinstance(population, Population):
        if comp.retention is not None:
            population = respond(
                comp,
                population,
                behaviour_rng(seed, 0),
                default_spec().full_participation_mask,
                default_spec().disabled_full,
            )
        t = tally(comp, population)
        villages = population.villages
    else:
        raise PopulationError("population", f"cannot run on a {type(population).__name__}")
    return RunTally(sc, comp, t, villages, meta)


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


def by_household(scenario: Scenario, pop: Population):
    """Outlay by household (fen per source), for households read from a file or built."""
    frame = person_results(scenario, pop)
    money = [c for c in frame.columns if c.endswith("_fen")]
    grouped = frame.groupby("household_id", sort=True)
    out = grouped[money].sum()
    out.insert(0, "persons", grouped.size())
    return out.reset_index()
