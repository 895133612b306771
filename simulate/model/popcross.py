"""Person ids used in two partitions of a population folder (one person counted twice): each
file's sorted person-id hashes, from its own duplicate pass (:class:`.popstream.Stream`,
``collect_ids``), checked against one another once; only a hash two files share has their
ids read again, to name the rows (and to rule out two ids sharing a hash)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ..errors import PopulationError
from ..io.tabular import population_rows
from .poprows import check_header
from .seenids import SeenIds


def repeated_across(hashes: Sequence[np.ndarray]) -> dict[int, np.ndarray]:
    """The person-id hashes each partition shares with an earlier one (partition index →
    sorted hashes), from each partition's sorted hashes, in path order; empty when none is
    shared (the usual case: one merge of the sorted runs, 8 bytes a person)."""
    if len(hashes) < 2:
        return {}
    # bucket by bucket (the top 6 bits, as SeenIds keeps them): one 64th of the hashes is
    # copied at a time, not all of them once more
    edges = [np.concatenate([[0], np.searchsorted(h, SeenIds._CUTS), [len(h)]]) for h in hashes]
    found = []
    for b in range(64):
        both = np.concatenate([h[e[b] : e[b + 1]] for h, e in zip(hashes, edges)])
        both.sort(kind="stable")  # timsort: merges the partitions' sorted runs
        found.append(both[1:][both[1:] == both[:-1]])
    twice = np.unique(np.concatenate(found))
    if not len(twice):
        return {}
    out: dict[int, np.ndarray] = {}
    before = np.zeros(len(twice), bool)  # met in an earlier partition
    for k, h in enumerate(hashes):
        if not len(h):
            continue
        here = h[np.minimum(np.searchsorted(h, twice), len(h) - 1)] == twice
        if (here & before).any():
            out[k] = twice[here & before]
        before |= here
    return out


def duplicate_across(paths: Sequence[str], hashes: Sequence[np.ndarray]) -> tuple[int, PopulationError] | None:
    """The first partition (in path order) using a person id an earlier partition used, and
    its one-line error naming the row, column and the earlier file and row; None when there
    is none. Only the hashes of used ids are kept, so a shared hash is checked here against
    the text of both files, read again (only when a hash is shared)."""
    for k, wanted in sorted(repeated_across(hashes).items()):
        rows = _rows_with(paths[k], wanted)  # (row, person id) in file order
        pids = {p for _, p in rows}
        first: dict[str, tuple[str, int]] = {}
        for j in range(k):
            if pids - set(first):
                for n, p in _rows_with(paths[j], wanted):
                    if p in pids and p not in first:
                        first[p] = (paths[j], n)
        for n, p in rows:
            if p in first:
                path, m = first[p]
                return k, PopulationError(
                    f"{paths[k]}: row {n}, column person_id",
                    f"duplicate of row {m} of {path} (the same person in two partitions)",
                    where_zh=f"{paths[k]}：第{n}行，person_id列",
                    reason_zh=f"与{path}第{m}行重复（同一人出现在两个分区文件中）",
                )
    return None


def _rows_with(path: str, wanted: np.ndarray, batch: int = 1 << 16) -> list[tuple[int, str]]:
    """The rows of a population file whose person id hashes to one of the sorted ``wanted``,
    as (row number, person id), read again row by row (numbered as :func:`parse_row` names them)."""
    reader = population_rows(Path(path), path, PopulationError)
    out: list[tuple[int, str]] = []
    try:
        at = check_header(reader, path).index("person_id")
        n0, pids = 2, list[str]()
        for row in reader:
            pids.append(row[at].strip() if len(row) > at else "")
            if len(pids) == batch:
                out += _hits(pids, n0, wanted)
                n0, pids = n0 + len(pids), []
        out += _hits(pids, n0, wanted)
    finally:
        close = getattr(reader, "close", None)
        if close is not None:
            close()
    return out


def _hits(pids: list[str], n0: int, wanted: np.ndarray) -> list[tuple[int, str]]:
    """The (row, id) of rows ``n0`` … whose non-empty id hashes to one of ``wanted``."""
    import pyarrow as pa

    from . import popfast

    if not pids:
        return []
    h = popfast.hash_strings(pa.array(pids, pa.string()))
    hit = np.isin(h, wanted) & np.array([bool(p) for p in pids])
    return [(n0 + int(i), pids[i]) for i in np.flatnonzero(hit)]
