"""A person-level file read as a stream of column chunks (issue 16 item 2, DESIGN.md columns).

One reader for CSV (UTF-8, BOM, GBK), Parquet and xlsx: Arrow batches where Arrow reads the
file exactly as the per-row contract would (:mod:`.popfast`), else the per-row path, both
in chunks. Each chunk is checked, its bad rows rejected with the one-line reasons of
:func:`parse_row`, and handed on; only what later chunks must know is kept: the villages
met so far and a set of 64-bit person-id hashes (8 bytes a person, the one part of memory
that grows with the file). Clean chunks' hashes are checked against one another at once,
before a chunk read row by row and at the end; a repeat found then has the file read again,
chunks checked one by one from the first holding it, so the error and the rejected rows are
those of the per-row reader. The row of an earlier duplicate is found by reading the file
again, only when a duplicate is met.
"""

from __future__ import annotations

import contextvars
import queue
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from ..errors import PopulationError
from ..io import safeio
from ..io.idmask import mask_ids_in_text
from ..io.tabular import NotFast, population_batches, population_rows
from ..vocabulary import ACTIVE, CANONICAL, Vocabulary, using
from .poprows import CSV_COLUMNS, check_header, parse_row, village_name
from .seenids import SeenIds

#: The columns of a chunk (numpy arrays): identity mask, age, sex, disability grade, village
#: index, household key (uint64 hash of the household id, or of the person id when empty),
#: enrolled, timing code, person id (str objects), 户籍 code and contribution grade (str
#: objects, checked by ``model.standards``). The mask is of the vocabulary in use's width.
KEYS = ("ids", "age", "sex", "dis", "vil", "hh", "enr", "tim", "pid", "hukou", "grade")
_DTYPES: dict[str, Any] = {
    "age": np.uint8,
    "sex": np.uint8,
    "dis": np.uint8,
    "vil": np.uint16,
    "hh": np.uint64,
    "enr": bool,
    "tim": np.uint8,
    "pid": object,
    "hukou": np.uint8,
    "grade": object,
}
Columns = dict[str, np.ndarray]
#: Columns with few distinct values: the CSV reader dictionary-encodes them as it parses.
_FEW = frozenset(CSV_COLUMNS) - {"person_id", "household_id"}
_T = TypeVar("_T")


def prefetched(items: Iterator[_T], depth: int = 2) -> Iterator[_T]:
    """``items`` made by a background thread, up to ``depth`` ahead: Arrow parses the next
    batch (without the GIL) while this thread checks and counts the last one. Errors reach
    the caller as they were raised; stopping early stops the thread and closes ``items``."""
    box: queue.Queue[tuple[bool, Any]] = queue.Queue(depth)
    stop = threading.Event()

    def put(item: tuple[bool, Any]) -> bool:
        while not stop.is_set():
            try:
                box.put(item, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for x in items:
                if not put((True, x)):
                    return
            put((False, None))
        except BaseException as exc:  # noqa: BLE001 (handed to the consuming thread as is)
            put((False, exc))
        finally:
            close = getattr(items, "close", None)
            if close is not None:
                close()

    # the thread decodes identity names too: it reads them with the caller's vocabulary
    ctx = contextvars.copy_context()
    worker = threading.Thread(target=ctx.run, args=(produce,), name="population-reader", daemon=True)
    worker.start()
    try:
        while True:
            more, x = box.get()
            if not more:
                if x is not None:
                    raise x
                return
            yield x
    finally:
        stop.set()
        worker.join()


def columns_of(out: dict[str, list[Any]], hh: np.ndarray) -> Columns:
    """Parsed values (lists) as chunk columns; ``hh``: the household keys already hashed."""
    cols = {k: np.array(out[k], _DTYPES[k]) for k in KEYS if k not in ("hh", "ids")}
    cols["ids"] = ACTIVE.get().mask_array(out["ids"])
    cols["hh"] = hh
    return cols


def _grades(column: Any) -> np.ndarray:
    """A grade column as stripped text (str objects), each distinct value stripped once, as
    :func:`parse_row` strips it."""
    import pyarrow as pa
    import pyarrow.compute as pc

    enc = column if pa.types.is_dictionary(column.type) else pc.dictionary_encode(column)
    values = np.array([("" if v is None else v.strip()) for v in enc.dictionary.to_pylist()] + [""], object)
    codes = pc.fill_null(enc.indices, len(values) - 1).to_numpy(zero_copy_only=False)
    grades: np.ndarray = values[codes]
    return grades


class _Repeat(Exception):
    """A person id was met twice among batches added unchecked: read the file again, each
    batch from ``row`` on checked against the earlier ones at once (the exact row named)."""

    def __init__(self, row: int) -> None:
        super().__init__(row)
        self.row = row


class Stream:
    """The chunks of one population file, in order; iterating yields each chunk's columns
    (:data:`KEYS`), or None when the file must be read again from the start by the per-row
    path (Arrow met something only that path reads exactly): drop what was counted so far.

    After the iteration: ``v_ids`` (villages met, in order of first appearance, or the fixed
    list), ``rows_read``, ``rejected`` (row and one-line reason), ``has_hukou`` and
    ``has_grade``. Identities are read with ``vocab`` (the scenario's, issue 15 item 1). Without
    ``keep_ids`` (a run that only counts) clean batches carry no person ids and household
    keys of 0: no rule reads them, and making them is a third of the reading time.
    """

    def __init__(
        self,
        path: str | Path,
        known: Sequence[tuple[str, str, str]] | None = None,
        *,
        strict: bool = True,
        chunk_bytes: int = 16 << 20,
        chunk_rows: int = 1 << 18,
        keep_ids: bool = True,
        vocab: Vocabulary = CANONICAL,
    ) -> None:
        self.keep_ids, self.vocab = keep_ids, vocab
        self.path, self.where = Path(path), str(path)
        self.known, self.strict = known, strict
        self.chunk_bytes, self.chunk_rows = chunk_bytes, chunk_rows
        self.fixed = known is not None
        #: set before iterating to keep the file's person-id hashes (sorted uint64) in
        #: ``id_hashes`` once it is read: a folder's partitions are checked against one another
        self.collect_ids = False
        self.id_hashes: np.ndarray | None = None
        #: from this row on each batch's ids are checked against the earlier ones at once
        #: (set where a first read met a repeated id; before it, once at the end)
        self.checked_from = 1 << 62
        self._reset()

    def _reset(self) -> None:
        self.v_index: dict[str, int] = {}
        self.v_ids: list[str] = []
        for i, (vid, zh, en) in enumerate(self.known or ()):
            self.v_index.update({vid: i, zh: i, en: i})
            self.v_ids.append(vid)
        self.ids = SeenIds()
        self.rejected: list[dict[str, Any]] = []
        self.rows_read = 0
        self.col: dict[str, int] = {}
        self.width = 0
        self.has_hukou = self.has_grade = False

    def __iter__(self) -> Iterator[Columns | None]:
        """Each step taken with the scenario's vocabulary in use (not left set between steps:
        the caller's own context stays its own)."""
        steps = self._steps()
        while True:
            try:
                with using(self.vocab):
                    part = next(steps)
            except StopIteration:
                return
            yield part

    def _steps(self) -> Iterator[Columns | None]:
        started = False
        try:
            while True:
                try:
                    for part in self._arrow_chunks():
                        started = True
                        yield part
                    self._settle(keep=self.collect_ids)  # the last check: kept only to hand on
                    break
                except _Repeat as again:  # read again, checking ids at once from that row
                    if started:
                        yield None
                    started = False
                    self._reset()
                    self.checked_from = again.row
        except NotFast:
            if started:
                yield None
            self._reset()
            self.checked_from = 0
            yield from self._row_chunks()
            if self.collect_ids:
                self._settle()  # row by row each repeat was named already: this keeps the last chunk's
        if self.rows_read == 0:
            raise PopulationError(self.where, "no data rows")
        if self.collect_ids:
            self.id_hashes = self.ids.take_sorted()

    def _set_header(self, header: list[str]) -> None:
        self.col = {h: i for i, h in enumerate(header)}
        self.width = len(header)
        self.has_hukou = "hukou" in self.col
        self.has_grade = "grade" in self.col

    def _arrow_chunks(self) -> Iterator[Columns]:
        """Arrow batches: by columns when the batch is clean, else row by row."""
        from .popfast import BYTE_COLUMNS

        batches = population_batches(
            self.path,
            self.where,
            PopulationError,
            self.chunk_bytes,
            dictionary=_FEW,
            csv_dictionary=_FEW - BYTE_COLUMNS,  # a CSV's one-character columns: read by their byte
        )
        self._set_header(check_header(iter([next(batches)]), self.where))
        n0 = 2
        for batch in prefetched(batches):
            raw = {h: batch.column(i) for h, i in self.col.items()}
            part = self._fast_part(raw, batch.num_rows, n0)
            if part is None:
                part = self._exact_part(list(zip(*(c.to_pylist() for c in batch.columns))), n0)
            n0 += batch.num_rows
            if len(part["ids"]):
                yield part

    def _row_chunks(self) -> Iterator[Columns]:
        """The per-row path (workbooks, and text Arrow cannot read exactly), in chunks."""
        reader = population_rows(self.path, self.where, PopulationError)
        self._set_header(check_header(reader, self.where))
        rows: list[list[str]] = []
        n0 = 2
        for row in reader:
            rows.append(row)
            if len(rows) == self.chunk_rows:
                part = self._exact_part(rows, n0)
                n0, rows = n0 + len(rows), []
                if len(part["ids"]):
                    yield part
        part = self._exact_part(rows, n0)
        if len(part["ids"]):
            yield part

    def _fast_part(self, raw: dict[str, Any], n: int, n0: int) -> Columns | None:
        """One clean batch decoded by columns, or None when any row needs the per-row path."""

        from . import popfast

        pid, bad = popfast.trimmed(raw["person_id"])
        bad |= popfast.empty(pid)
        out: Columns = {}
        for name, key in (
            ("age", "age"),
            ("sex", "sex"),
            ("disability_grade", "dis"),
            ("identities", "ids"),
            ("enrolled", "enr"),
            ("timing", "tim"),
            ("hukou", "hukou"),
        ):
            fn, absent, dtype = popfast.DECODERS[name]
            dtype = ACTIVE.get().mask_dtype if name == "identities" else dtype
            if name in raw:
                by_byte = popfast.decode_bytes(raw[name], fn, dtype) if name in popfast.BYTE_COLUMNS else None
                out[key], refused = by_byte or popfast.decode_low(raw[name], fn, dtype)
                if refused:
                    return None
            else:
                out[key] = np.full(n, absent, dtype)
        out["grade"] = _grades(raw["grade"]) if "grade" in raw else np.full(n, "", object)
        hh = self._household_keys(raw, pid, bad) if self.keep_ids else None
        if bad.any():
            return None
        hs = np.sort(popfast.hash_strings(pid))
        if (hs[1:] == hs[:-1]).any():
            return None
        if n0 + n > self.checked_from:  # a repeat was met in or before this batch: look now
            self._settle()
            if self.ids.seen(hs).any():
                return None
        vil = self._batch_villages(raw, n)
        if vil is None:
            return None
        out["vil"] = vil
        if hh is None:
            out["hh"], out["pid"] = np.zeros(n, np.uint64), np.zeros(0, object)
        else:
            out["hh"], out["pid"] = popfast.hash_strings(hh), pid.to_numpy(zero_copy_only=False)
        self.ids.add(hs, n0, ordered=True)
        self.rows_read += n
        return out

    def _household_keys(self, raw: dict[str, Any], pid: Any, bad: np.ndarray) -> Any:
        """The household id of each row, ``person:<id>`` where it is empty (Arrow strings)."""
        import pyarrow.compute as pc

        from . import popfast

        alone = pc.binary_join_element_wise("person:", pid, "")
        if "household_id" not in raw:
            return alone
        hh, b = popfast.trimmed(raw["household_id"])
        bad |= b
        return pc.if_else(pc.equal(pc.utf8_length(hh), 0), alone, hh)

    def _batch_villages(self, raw: dict[str, Any], n: int) -> np.ndarray | None:
        """Village indexes of a batch, new villages added in order of first appearance;
        None when one is refused (the per-row path then names its row)."""
        import pyarrow as pa
        import pyarrow.compute as pc

        from . import popfast

        if "village" in raw:
            column = raw["village"]
            enc = column if pa.types.is_dictionary(column.type) else pc.dictionary_encode(column)
            codes = popfast.codes(enc)
            names = [mask_ids_in_text(v.strip()) or "(none)" for v in enc.dictionary.to_pylist()]
        else:
            codes, names = np.zeros(n, np.int64), ["(none)"]
        # the dictionary may hold values no row of this batch uses (a Parquet row group's),
        # in any order: new villages are taken from the codes used, in order of first appearance
        used = np.bincount(codes, minlength=len(names)) > 0
        new: list[str] = []
        if any(used[c] and v not in self.v_index for c, v in enumerate(names)):
            seen, first = np.unique(codes, return_index=True)
            met = [names[c] for c in seen[np.argsort(first)]]
            new = [v for v in dict.fromkeys(met) if v not in self.v_index]
        if new and (self.fixed or len(self.v_ids) + len(new) > safeio.MAX_VILLAGES):
            return None
        for v in new:
            self.v_index[v] = len(self.v_ids)
            self.v_ids.append(v)
        index = np.array([self.v_index.get(v, 0) for v in names], np.uint16)  # 0: a value no row uses
        vil: np.ndarray = index[codes]
        return vil

    def _exact_part(self, rows: Sequence[Sequence[str]], n0: int) -> Columns:
        """Rows ``n0`` … one by one with :func:`parse_row`: the exact errors and rejected rows."""
        import pyarrow as pa

        from . import popfast

        self._settle()
        at = self.col["person_id"]
        pids = [r[at].strip() if len(r) > at else "" for r in rows]
        hashes = popfast.hash_strings(pa.array(pids, pa.string()))
        hit = self.ids.seen(hashes)
        earlier = self._earlier_rows({p for p, h in zip(pids, hit) if h and p}, n0) if hit.any() else {}
        out: dict[str, list[Any]] = {k: [] for k in KEYS}
        here: dict[str, int] = {}
        kept: list[int] = []
        for k, row in enumerate(rows):
            n = n0 + k
            if not any(c.strip() for c in row):
                continue
            self.rows_read += 1
            rec = self._checked_row(row, n, here, earlier)
            if rec is None:
                continue
            here[rec["pid"]] = n
            kept.append(k)
            rec["vil"] = self.v_index[rec["vil"]]
            rec["hh"] = rec["hh"] or f"person:{rec['pid']}"
            for key, v in rec.items():
                out[key].append(v)
        self.ids.add(hashes[kept], n0)
        return columns_of(out, popfast.hash_strings(pa.array(out["hh"], pa.string())))

    def _settle(self, keep: bool = True) -> None:
        """The ids added so far checked against one another; :class:`_Repeat` when one repeats
        (``keep``: see :meth:`SeenIds.settle`)."""
        row = self.ids.settle(self.checked_from, keep)
        if row is not None:
            raise _Repeat(row)

    def _checked_row(
        self, row: Sequence[str], n: int, here: dict[str, int], earlier: dict[str, int]
    ) -> dict[str, Any] | None:
        """Row ``n`` parsed, its person id new and its village known (``rec["vil"]`` the
        village's key); None when it is rejected (or the error, when strict)."""
        try:
            rec = parse_row(row, self.col, n, self.where, self.width)
            first = here.get(rec["pid"]) or earlier.get(rec["pid"], 0)
            if first:
                raise PopulationError(f"{self.where}: row {n}, column person_id", f"duplicate of row {first}")
            where = f"{self.where}: row {n}, column village"
            rec["vil"] = village_name(rec["vil"], self.v_index, self.v_ids, self.fixed, where)
        except PopulationError as exc:
            exc = PopulationError(mask_ids_in_text(exc.where), mask_ids_in_text(exc.reason))  # an ID in a wrong column
            if self.strict:
                raise exc from None
            self.rejected.append({"row": n, "reason": exc.one_line()})
            return None
        return rec

    def _earlier_rows(self, pids: set[str], stop: int) -> dict[str, int]:
        """The row (before row ``stop``) where each of ``pids`` was first used, found by
        reading the file again: only the hash of a used id is kept, so a hash met twice is
        checked against the text here (which also rules out two ids sharing a hash)."""
        rejected = {int(r["row"]) for r in self.rejected}
        at = self.col["person_id"]
        found: dict[str, int] = {}
        reader = population_rows(self.path, self.where, PopulationError)
        try:
            next(reader)
            for n, row in enumerate(reader, start=2):
                if n >= stop or len(found) == len(pids):
                    break
                p = row[at].strip() if len(row) > at else ""
                if p in pids and p not in found and n not in rejected:
                    found[p] = n
        finally:
            close = getattr(reader, "close", None)
            if close is not None:
                close()
        return found
