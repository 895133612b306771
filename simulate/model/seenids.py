"""The person ids met so far in a population file, as 64-bit hashes checked against one
another in bulk (issue 16 item 2): the duplicate-id pass of :class:`.popstream.Stream`."""

from __future__ import annotations

import numpy as np


class SeenIds:
    """Person-id hashes (uint64) met so far, split by their top 6 bits into 64 buckets of
    sorted runs (8 bytes a person). A clean batch's hashes are only *added*, sorted, in
    pieces per bucket (:meth:`add`, about 10 ns a row); they are checked against one another
    all at once, bucket by bucket, when an exact answer is needed (:meth:`settle`: before a
    batch read row by row, and at the end of the file), which says from which row a repeat
    must be looked for batch by batch. A settled bucket's runs are merged when one is no
    longer than half the one before (each hash is copied O(log settles) times)."""

    _SHIFT = np.uint64(58)
    _CUTS = np.arange(1, 64, dtype=np.uint64) << _SHIFT

    def __init__(self) -> None:
        self.buckets: list[list[np.ndarray]] = [[] for _ in range(64)]
        self.pending: list[list[np.ndarray]] = [[] for _ in range(64)]
        self.pending_rows: list[list[int]] = [[] for _ in range(64)]

    def __len__(self) -> int:
        return sum(len(r) for part in (self.buckets, self.pending) for runs in part for r in runs)

    def _edges(self, hs: np.ndarray) -> np.ndarray:
        """Where each bucket's hashes start and end in the sorted ``hs``."""
        return np.concatenate([[0], np.searchsorted(hs, self._CUTS), [len(hs)]])

    def add(self, h: np.ndarray, row: int, ordered: bool = False) -> None:
        """Keep hashes ``h`` (``ordered``: sorted already) of the batch starting at ``row``,
        unchecked against the others until :meth:`settle`."""
        hs = h if ordered else np.sort(h)
        if not len(hs):
            return
        edges = self._edges(hs)
        for b in np.flatnonzero(edges[1:] > edges[:-1]):
            self.pending[b].append(hs[edges[b] : edges[b + 1]].copy())  # a copy: a slice keeps the chunk alive
            self.pending_rows[b].append(row)

    def settle(self, checked_from: int, keep: bool = True) -> int | None:
        """Check the hashes added since the last call against one another and against those
        settled before; None when all differ (they are settled), else the first row of the
        earliest batch holding a repeat (then this set is left unusable: read again). A
        repeat in a batch from row ``checked_from`` on was checked row by row already (two
        ids sharing a hash): it is kept, not reported. Without ``keep`` (the last check, at
        the end of the file) the checked hashes are dropped, not kept as sorted copies: at
        50 M rows a second copy would be 400 MB more at the peak."""
        first: int | None = None
        for b in range(64):
            if not self.pending[b]:
                continue
            both = np.concatenate(self.pending[b])
            both.sort()
            repeat = bool((both[1:] == both[:-1]).any()) or bool(self._found(b, both).any())
            row = self._first_repeat(b) if repeat else checked_from
            if row < checked_from:
                first = row if first is None else min(first, row)
                continue
            self.pending[b], self.pending_rows[b] = [], []
            if not keep:
                continue
            runs = self.buckets[b]
            runs.append(both)
            while len(runs) > 1 and len(runs[-2]) // 2 <= len(runs[-1]):
                last, before = runs.pop(), runs.pop()
                merged = np.concatenate([before, last])
                merged.sort(kind="stable")  # timsort: two sorted runs merge in linear time
                runs.append(merged)
        return first

    def _found(self, b: int, q: np.ndarray) -> np.ndarray:
        """Whether each of the sorted ``q`` (of bucket ``b``) is among its settled hashes."""
        found = np.zeros(len(q), bool)
        for run in self.buckets[b]:
            pos = np.minimum(np.searchsorted(run, q), len(run) - 1)
            found |= run[pos] == q
        return found

    def _first_repeat(self, b: int) -> int:
        """The first row of the earliest pending batch of bucket ``b`` holding a hash met
        before it (settled, in an earlier batch, or twice in itself)."""
        pieces, rows = self.pending[b], self.pending_rows[b]
        both = np.concatenate(pieces)
        label = np.repeat(np.array(rows, np.int64), [len(p) for p in pieces])
        order = np.argsort(both, kind="stable")  # equal hashes stay in file order
        hs, at = both[order], label[order]
        later = np.flatnonzero(hs[1:] == hs[:-1]) + 1
        cands = at[later]
        old = self._found(b, hs)
        return int(min(cands.min(initial=np.iinfo(np.int64).max), at[old].min(initial=np.iinfo(np.int64).max)))

    def take_sorted(self) -> np.ndarray:
        """Every hash kept, sorted (uint64), once :meth:`settle` kept them all; the set is
        emptied bucket by bucket as the answer fills (the peak is one copy and one bucket):
        what a folder's partitions are checked against one another with."""
        assert not any(self.pending), "settle first"
        out = np.empty(len(self), np.uint64)
        at = 0
        for b in range(64):  # buckets in order of their top bits: their runs, merged, in order
            runs, self.buckets[b] = self.buckets[b], []
            if not runs:
                continue
            run = runs[0] if len(runs) == 1 else np.sort(np.concatenate(runs), kind="stable")
            out[at : at + len(run)] = run
            at += len(run)
            del runs, run
        return out

    def seen(self, h: np.ndarray) -> np.ndarray:
        """Whether each hash was met before (bool); only once :meth:`settle` found no repeat."""
        assert not any(self.pending), "settle first"
        order = np.argsort(h)
        hs = h[order]
        edges = self._edges(hs)
        found = np.zeros(len(hs), bool)
        for b in np.flatnonzero(edges[1:] > edges[:-1]):
            found[edges[b] : edges[b + 1]] = self._found(int(b), hs[edges[b] : edges[b + 1]])
        out = np.empty_like(found)
        out[order] = found
        return out
