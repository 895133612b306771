"""Counting people from files: one population file, or a folder of partitions (one file per
county or town), tallied chunk by chunk and added (issue 16 items 2 and 3).

A file is read → checked → resolved → tallied → dropped one chunk at a time
(:class:`.population.PopulationFile`), so memory does not grow with its length, and the
tally is the same to the fen whatever the chunk size: tallies add, and no rule looks at a
household (household identities are written on each member's row, see DESIGN.md columns),
so a household split across two chunks is counted exactly as a whole one. A folder's
partitions are tallied independently (anywhere: a worker process or a Dask worker gets the
path, not the data) and merged here by village name, in the order of their paths.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import PopulationError
from ..vocabulary import CANONICAL, Vocabulary
from .behaviour import behaviour_rng
from .engine import Compiled, Tally, respond, tally
from .population import PopulationFile, Villages


@dataclass(frozen=True)
class Responses:
    """The behavioural response's fixed inputs (``engine.respond``): the seed, and who never
    drops out (identity bits of the full-participation groups, and the disabled or not)."""

    seed: int = 0
    full_mask: int = 0
    disabled_full: bool = False


@dataclass
class FileTally:
    """One file's count: the tally over its villages (``village_ids``, in the order its
    tally uses), rows read and rejected; or the one-line error that stopped it (``error``),
    returned rather than raised so that the first error in the files' order is the one named
    (it pickles with its zh texts: SimulateError.__reduce__)."""

    path: str
    tally: Tally | None
    village_ids: tuple[str, ...] = ()
    rows_read: int = 0
    rows_rejected: int = 0
    error: PopulationError | None = None
    #: its person-id hashes, sorted (uint64), when it is one of a folder's partitions
    id_hashes: np.ndarray | None = None


def partition_files(path: str | Path) -> list[Path]:
    """The files to read for ``--population PATH``: the file itself, or a folder's
    population files (any depth, e.g. ``county=思南县/part-0.parquet``) sorted by path."""
    p = Path(path)
    if not p.is_dir():
        return [p]
    # what a folder of partitions may hold (other files, and names starting with . or _ such
    # as Spark's ``_SUCCESS``, are left alone); the file reader's module loads only here
    from ..io.tabular import PARQUET_SUFFIXES, XLSX_SUFFIXES

    suffixes = PARQUET_SUFFIXES + (".csv",) + XLSX_SUFFIXES
    files = sorted(
        f
        for f in p.rglob("*")
        if f.suffix.lower() in suffixes
        and not any(part.startswith((".", "_")) for part in f.relative_to(p).parts)
        and f.is_file()
    )
    if not files:
        raise PopulationError(str(path), "is a directory with no population files (.parquet, .csv or .xlsx) in it")
    return files


def tally_file(
    comp: Compiled,
    path: str | Path,
    villages: Villages | None,
    index: int = 0,
    responses: Responses = Responses(),
    chunk_bytes: int = 4 << 20,
    vocab: Vocabulary = CANONICAL,
    with_ids: bool = False,
) -> FileTally:
    """Tally one population file chunk by chunk (strict: the first bad row stops it).

    ``index`` is the file's place among a folder's partitions: its behavioural responses
    draw from ``behaviour_rng(seed, index)``, one stream across its chunks, so the draws and
    the result do not depend on the chunk size. ``chunk_bytes`` of CSV (about 90,000 rows
    at 4 MiB) bounds the working memory: larger chunks are no faster. Identities are read
    with ``vocab`` (the scenario's). ``with_ids``: hand on the person-id hashes (8 bytes a
    person), which :func:`merge` checks across a folder's partitions.
    """
    source = PopulationFile(path, villages, chunk_bytes=chunk_bytes, keep_ids=False, vocab=vocab)
    source.stream.collect_ids = with_ids
    total: Tally | None = None
    rng = _rng(comp, responses, index)
    try:
        for chunk in source:
            if chunk is None:  # read again from the start: forget what was counted
                total, rng = None, _rng(comp, responses, index)
                continue
            if rng is not None:
                chunk = respond(comp, chunk, rng, responses.full_mask, responses.disabled_full)
            t = tally(comp, chunk)
            total = t if total is None else total.widened(len(chunk.villages)) + t
    except PopulationError as exc:
        return FileTally(str(path), None, error=exc)
    vills = source.villages()
    if total is None:
        total = Tally.zeros(len(comp.tables.tier_ids), len(vills), len(comp.groups))
    ids = source.stream.id_hashes
    return FileTally(str(path), total.widened(len(vills)), vills.ids, source.rows_read, len(source.rejected), None, ids)


def _rng(comp: Compiled, responses: Responses, index: int) -> np.random.Generator | None:
    return None if comp.retention is None else behaviour_rng(responses.seed, index)


def merge(parts: list[FileTally], villages: Villages | None) -> tuple[Tally, Villages]:
    """The partitions' tallies added, and the villages they share: the scenario's when it
    names them, else every village met, in order of first appearance across the partitions
    (as if the files were one). Raises the first partition's error, if any, a person id
    used in an earlier partition counting as one (its row named, as in one file)."""
    from .popcross import duplicate_across

    bad = next((k for k, p in enumerate(parts) if p.error is not None), len(parts))
    clean = parts[:bad]  # the partitions before the first error: ids used twice among them come first
    hashes = [p.id_hashes for p in clean if p.id_hashes is not None]
    if len(clean) > 1 and len(hashes) == len(clean):
        across = duplicate_across([p.path for p in clean], hashes)
        if across is not None:
            raise across[1]
    error = parts[bad].error if bad < len(parts) else None
    if error is not None:
        raise error
    ids: dict[str, int] = {}
    for part in parts:
        for v in part.village_ids:
            ids.setdefault(v, len(ids))
    fixed = villages is not None and villages.ids == tuple(ids)
    if not fixed:
        names = tuple(ids)
        villages = Villages(names, names, names, np.zeros(len(names), np.int64), np.zeros(len(names), np.int64))
    assert villages is not None
    total: Tally | None = None
    for part in parts:
        assert part.tally is not None
        placed = _placed(part.tally, np.array([ids[v] for v in part.village_ids], np.int64), len(ids))
        total = placed if total is None else total + placed
    assert total is not None
    return total, villages


def _placed(t: Tally, index: np.ndarray, n_villages: int) -> Tally:
    """``t`` over ``n_villages`` villages, its village ``k`` becoming ``index[k]``."""
    if np.array_equal(index, np.arange(n_villages)):
        return t

    def place(a: np.ndarray) -> np.ndarray:
        out = np.zeros(a.shape[:-1] + (n_villages,), a.dtype)
        out[..., index] = a
        return out

    return Tally(
        place(t.counts),
        place(t.refused),
        place(t.not_enrolled),
        place(t.group_members),
        place(t.group_enrolled),
        place(t.group_on_time),
        t.ties,
        None if t.cells is None else place(t.cells),
    )
