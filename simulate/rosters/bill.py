"""The exact bill for departments' rosters (花名册): who pays what, and for whom (issue 7).

:func:`roster_bill` reads each roster (:func:`simulate.rosters.roster.read_roster`), merges them
into one person per ID number (:func:`simulate.rosters.merge.merge_rosters`), turns the persons
into a :class:`~simulate.model.population.Population` and runs the cost engine on it. The result,
a :class:`RosterBill`, holds:

* the exact outlay by source, tier and village (an :class:`~simulate.results.outlay.Outlay`);
* the people with several identities or on several lists, the tiers they qualify for and
  the one they get (one subsidy under the county's rule, never two);
* one payment list (代缴名单) per paying source: the persons whose subsidy it pays, with
  name, **full ID number**, village, tier and amount;
* every roster row either used or rejected with its file, row, masked ID and reason:
  ``rows_read == rows_used + rows_rejected``.

Decisions (also in docs/rosters.md):

* **Ages** are whole years on ``as_of``, by default 1 January of the scenario's benefit
  year (the first day of cover; an age rule such as "60 and over" is read on that day).
* **Everyone on a roster enrolls** in the collection period (``timing`` regular): a roster
  is a list of people the departments pay for, so late payers are not modelled here.
* **Villages** come from the rosters (the village column, else the town column, else
  "（未填）"). When the scenario has a villages file, a roster village whose name matches
  a village there (its id, zh or en name, with or without a trailing 村/社区/居委会) takes
  that village's id and names; others keep the roster's name. Residents and task figures
  are not used: a roster is not a whole village, so there is no participation rate.
* **Households**: each person is their own household (rosters do not carry reliable
  household ids).

Privacy: full ID numbers appear only in ``RosterBill.persons`` (in memory) and in the
payment lists (:meth:`RosterBill.payment_list`, ``payment_lists/*.xlsx``). Every other
table, ``bill.json``, ``bill.xlsx`` and every message holds masked numbers only: every text
cell, header, file name and reason goes through :func:`~simulate.io.idmask.mask_ids_in_text`
(a number hidden in a name or village cell included), and :func:`simulate.io.leakscan.refuse_leaks`
checks the finished folder before it is moved into place.
"""

from __future__ import annotations

import contextlib
import datetime
import functools
import gc
import io
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import SimulateError
from ..io.digest import written_sha256
from ..io.idmask import mask_ids_in_text
from ..io.safeio import MAX_VILLAGES
from ..policy import Scenario, load_scenario
from ..results.outlay import Outlay, col
from ..results.run import run
from ..vocabulary import Lang, using
from .bill_folder import write_bill
from .bill_json import (
    SEVERAL,
    bill_json,
    json_pieces,
    multi_columns,
    multi_people,
    rejected_json,
    several_list,
    several_parts,
)
from .bill_people import NO_VILLAGE, add_payments, build_villages, roster_population, scenario_villages
from .bill_sheets import payment_sheet, persons_sheet
from .bill_tables import MASKED, README_NAME, bill_column, bill_word, masked_frame, object_frame
from .either import judge_for
from .grade_note import first_grade_column, ungraded, ungraded_note, with_ungraded_row
from .mapping import RosterError, RosterMapping, as_mapping
from .merge import RosterMerge, merge_rosters
from .roster import read_roster

__all__ = ["RosterBill", "roster_bill", "default_as_of", "NO_VILLAGE", "README_NAME"]

#: Files a previous bill output holds; only such a directory is replaced by ``write``.


def _with_reason(frame: pd.DataFrame, cols: list[str], lang: str) -> pd.DataFrame:
    """``cols`` of a rejected/duplicates frame plus the reason in ``lang``, columns labelled."""
    out = frame[cols].rename(columns={k: bill_column(k, lang) for k in cols})
    out[bill_column("reason", lang)] = frame["reason_zh" if lang == "zh" else "reason"]
    return out


def default_as_of(scenario: Scenario) -> datetime.date:
    """1 January of the scenario's benefit year: the day ages are read on by default."""
    return datetime.date(int(scenario.policy.benefit_year), 1, 1)


def _masking(method: Any) -> Any:
    """A table method whose result has every ID-like number masked (names, villages and
    file names come from the rosters and may hide one)."""

    @functools.wraps(method)
    def masked(self: Any, lang: str = "zh") -> pd.DataFrame:
        return masked_frame(method(self, lang))

    return masked


@dataclass(eq=False)
class RosterBill:
    """The bill for a set of rosters under one scenario (see the module docstring).

    ``persons`` (full ID numbers; never printed) has one row per person with the tier and
    what each source pays in fen (``<source>_fen``). ``outlay`` is the engine's result.
    """

    scenario: Scenario
    files: tuple[str, ...]
    as_of: datetime.date
    merge: RosterMerge = field(repr=False)
    persons: pd.DataFrame = field(repr=False)  # full ID numbers
    outlay: Outlay = field(repr=False)
    mapping_source: str = "roster_default.yaml"

    # ------------------------------------------------------------------ figures

    @property
    def rows_read(self) -> int:
        return self.merge.rows_read

    @property
    def rows_used(self) -> int:
        return self.merge.rows_used

    @property
    def rows_rejected(self) -> int:
        return self.merge.rows_rejected

    def source_fen(self) -> dict[str, int]:
        """Fen by source (non-zero only, the individual included), from the engine."""
        return {s: int(f) for s, f in zip(self.outlay.sources, self.outlay.source_fen()) if f}

    def paying_sources(self) -> list[str]:
        """Sources other than the individual that pay for at least one person."""
        return [s for s in self.outlay.sources if s != "individual" and (self.persons[f"{s}_fen"] > 0).any()]

    def rejected_records(self) -> list[dict[str, Any]]:
        """Every rejected row: file, sheet, row, masked ID, reason in English and in 简体中文
        (``reason_zh``); no full numbers."""
        return rejected_json(self.merge.rejected)

    # ------------------------------------------------------------------ JSON

    def to_json(self, several: bool = True) -> dict[str, Any]:
        """The ``simulate roster --json`` contract; masked details only, yuan numbers (a new
        top-level dict each call). ``several=False`` leaves out the one long list,
        ``people_with_several_tiers`` (empty): what a summary needs, without a dict for each
        of several hundred thousand people (the rest is worked out once)."""
        if "_json" not in self.__dict__:
            self.__dict__["_json"] = bill_json(self)
        out = dict(self.__dict__["_json"])
        if several:
            out[SEVERAL] = several_list(self)
        return out

    def json_text(self, extra: dict[str, Any] | None = None, first: tuple[str, ...] = ()) -> str:
        """``json.dumps(to_json() | extra, ensure_ascii=False, indent=2)`` with the keys in
        ``first`` put first."""
        return self.json_bytes(extra, first).decode("utf-8")

    def json_bytes(self, extra: dict[str, Any] | None = None, first: tuple[str, ...] = ()) -> bytes:
        """:meth:`json_text` in UTF-8, as bill.json holds it."""
        buffer = io.BytesIO()
        self.write_json(buffer, extra, first)
        return buffer.getvalue()

    def write_json(
        self,
        fh: Any,
        extra: dict[str, Any] | None = None,
        first: tuple[str, ...] = (),
        *,
        layout: dict[str, tuple[int, int]] | None = None,
    ) -> None:
        """Write :meth:`json_bytes` to the binary file ``fh`` piece by piece: the long list
        encoded a block of people at a time, so that neither it nor the JSON is ever whole in
        memory (a million-person bill: several hundred MB of each, issue 16 item 4). Once
        bill.json is written (:meth:`write`), its items are copied from it, unchanged (same
        sha256), not encoded again. ``layout`` gets each item's (start, end) byte in ``fh``."""
        if "_json_pieces" not in self.__dict__:
            self.__dict__["_json_pieces"] = json_pieces(self.to_json(several=False))
        pieces = self.__dict__["_json_pieces"]
        pieces = {k: pieces[k] for k in first} | {k: v for k, v in pieces.items() if k not in first}
        pieces |= json_pieces(extra or {})
        written = _written_json(self.__dict__.get("_json_file"))
        pos = 0

        def put(data: bytes) -> None:
            nonlocal pos
            fh.write(data)
            pos += len(data)

        put(b"{\n")
        for k, (key, piece) in enumerate(pieces.items()):
            if k:
                put(b",\n")
            start = pos
            if written is not None and key in written[1] and key not in (extra or {}):
                for part in _file_range(written[0], *written[1][key]):
                    put(part)
            elif key == SEVERAL:
                for part in several_parts(self):
                    put(part)
            else:
                put(piece)
            if layout is not None:
                layout[key] = (start, pos)
        put(b"\n}" if pieces else b"}")

    # ------------------------------------------------------------------ tables (masked)

    def by_source_frame(self, lang: str = "zh") -> pd.DataFrame:
        frame = self.outlay.by_source(lang).drop(columns=["source"])
        return frame

    def by_tier_frame(self, lang: str = "zh") -> pd.DataFrame:
        frame = self.outlay.by_tier(lang)
        frame = frame[frame[self.outlay_col("enrolled", lang)] > 0]
        drop = ["tier", col("late", lang), col("refused", lang), col("not_enrolled", lang)]
        frame = frame.drop(columns=[c for c in drop if c in frame.columns])
        return frame.rename(columns={col("enrolled", lang): bill_column("persons", lang)}).reset_index(drop=True)

    @staticmethod
    def outlay_col(key: str, lang: str) -> str:
        return col(key, lang)

    @_masking
    def by_village_frame(self, lang: str = "zh") -> pd.DataFrame:
        frame = self.outlay.by_village(lang)
        drop = ["village", col("task", lang), col("enrolled", lang), col("participation", lang), col("met", lang)]
        frame = frame.drop(columns=[c for c in drop if c in frame.columns])
        return frame.rename(columns={col("residents", lang): bill_column("persons", lang)})

    @_masking
    def multi_identity_frame(self, lang: Lang = "zh") -> pd.DataFrame:
        """People on several lists or qualifying for several tiers: tiers considered, tier got
        (one subsidy under the scenario's rule, never two). Masked."""
        columns = multi_columns(self, lang)
        unit = bill_word("yuan_suffix", lang)
        frame = object_frame(columns) if len(multi_people(self, lang)[0]) else pd.DataFrame([])
        for s in self.outlay.sources[1:]:  # keep only the sources that pay someone here
            column = self.outlay.vocab.label(s, lang) + unit
            if column in frame.columns and not frame[column].any():
                frame = frame.drop(columns=[column])
        frame.attrs[MASKED] = [c for c in frame.columns if c != bill_column("n_lists", lang)]  # built masked
        return frame

    @_masking
    def rejected_frame(self, lang: str = "zh") -> pd.DataFrame:
        return _with_reason(self.merge.rejected, ["file", "sheet", "row", "id_masked", "name"], lang)

    @_masking
    def duplicates_frame(self, lang: str = "zh") -> pd.DataFrame:
        return _with_reason(self.merge.duplicates, ["file", "sheet", "row", "id_masked", "name", "first_row"], lang)

    @_masking
    def name_conflicts_frame(self, lang: str = "zh") -> pd.DataFrame:
        cols = ["group", "id_masked", "name", "kept", "used", "file", "sheet", "row"]
        frame = self.merge.name_conflicts[cols].copy()
        yes, no = bill_word("yes_word", lang), bill_word("no_word", lang)
        for c in ("kept", "used"):
            frame[c] = [yes if v else no for v in frame[c]]
        return frame.rename(columns={k: bill_column(k, lang) for k in cols})

    @_masking
    def by_file_frame(self, lang: str = "zh") -> pd.DataFrame:
        cols = ["file", "rows_read", "rows_used", "rows_rejected", "duplicates", "skipped_blank"]
        frame = self.merge.by_file[cols].copy()
        total: dict[str, Any] = {"file": bill_word("total", lang)}
        total.update({c: int(frame[c].sum()) for c in cols[1:]})
        frame = pd.concat([frame, pd.DataFrame([total])], ignore_index=True).rename(
            columns={k: bill_column(k, lang) for k in cols}
        )
        note = ungraded_note(self.scenario, int(self.outlay.meta.get("ungraded", 0)), lang)
        return with_ungraded_row(frame, note, bill_column("file", lang))

    @_masking
    def persons_frame(self, lang: Lang = "zh") -> pd.DataFrame:
        """Every person with tier and amounts, ID numbers masked (for checking the bill)."""
        return persons_sheet(self, lang)

    # ------------------------------------------------------------------ payment lists (full IDs)

    def payment_list(self, source: str, lang: str = "zh") -> pd.DataFrame:
        """代缴名单 of one source: name, FULL ID number, village, tier, amount in yuan.

        Sorted by village (in roster order) then ID number; the only table with full numbers
        (a number hidden in a name, town, village or list name is masked, as in the file).
        """
        return payment_sheet(self, source, lang)

    # ------------------------------------------------------------------ writing

    def write(self, out_dir: str | os.PathLike[str], lang: Lang = "zh") -> Path:
        """Write bill.xlsx, bill.json, payment_lists/<source>.xlsx and README.txt
        (:func:`simulate.rosters.bill_folder.write_bill`)."""
        with gc_paused():
            return write_bill(self, out_dir, lang)


def _written_json(info: Any) -> tuple[Path, dict[str, tuple[int, int]]] | None:
    """(path, layout) of the bill.json a bill wrote, when it is still there with the sha256
    it had when it was proved clean of ID numbers; else None (encode again)."""
    if info is None:
        return None
    path, digest, layout = info
    try:
        return (path, layout) if digest is not None and written_sha256(path) == digest else None
    except OSError:
        return None


def _file_range(path: Path, start: int, end: int) -> Iterator[bytes]:
    """Bytes ``start`` to ``end`` of a file, 8 MiB at a time."""
    with open(path, "rb") as fh:
        fh.seek(start)
        while start < end:
            data = fh.read(min(end - start, 1 << 23))
            if not data:
                raise OSError(f"{path.name} is shorter than when it was written")
            start += len(data)
            yield data


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Python's cycle collector paused while a bill is built or written: it would walk every
    live object again each time a few hundred thousand more are made, a cost that grows
    faster than the roster (issue 16 item 4); what cycles there are go when it resumes."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


# ---------------------------------------------------------------------------------------


def roster_bill(
    scenario: Scenario | str | os.PathLike[str],
    files: list[str | os.PathLike[str]],
    mapping: RosterMapping | str | os.PathLike[str] | None = None,
    *,
    as_of: datetime.date | None = None,
) -> RosterBill:
    """Read, merge and cost departments' rosters under ``scenario`` (see the module docstring).

    ``mapping`` (a :class:`RosterMapping`, a mapping YAML path or None for the default)
    applies to every file; ``as_of`` is the day ages are read on (default: 1 January of
    the benefit year). Raises :class:`~simulate.rosters.mapping.RosterError` (``FILE: reason``, no
    full ID number) when a file or the mapping cannot be used.

    >>> bill = roster_bill("scenarios/sinan-2021.yaml",
    ...                    ["tests/rosters/minzheng_dibao.csv"], "tests/rosters/mapping.yaml")
    >>> bill.source_fen()["medical_assistance"] // 100
    1010
    """
    with gc_paused():
        return _roster_bill(scenario, files, mapping, as_of)


def _roster_bill(
    scenario: Scenario | str | os.PathLike[str],
    files: list[str | os.PathLike[str]],
    mapping: RosterMapping | str | os.PathLike[str] | None,
    as_of: datetime.date | None,
) -> RosterBill:
    """:func:`roster_bill`'s work, the cycle collector paused."""
    sc = scenario if isinstance(scenario, Scenario) else load_scenario(os.fspath(scenario))
    if not files:
        raise SimulateError("roster", "no roster files given")
    if as_of is None:
        as_of = default_as_of(sc)
    vocab = sc.policy.vocab  # local identities: their names and words in the category column
    with using(vocab):
        mapping = as_mapping(mapping).with_local(vocab)
        names = [Path(f).name for f in files]
        labels = [mask_ids_in_text(str(f) if names.count(Path(f).name) > 1 else Path(f).name) for f in files]
        judge = judge_for(sc)  # bare 低保 is taken where the scenario pays urban and rural alike
        reads = [read_roster(f, mapping, as_of=as_of, label=lab, judge=judge) for f, lab in zip(files, labels)]
        merged = merge_rosters(reads)
        del reads  # the rows read go before the bill is worked out (peak memory, issue 16 item 4)
    # copy-on-write (pandas 3): columns added to persons are not added to merged.persons
    persons = merged.persons.reset_index(drop=True)
    vlabels = [v or t or NO_VILLAGE for v, t in zip(persons["village"].tolist(), persons["town"].tolist())]
    # villages are matched once per distinct label (numbered in order of first appearance, as
    # build_villages numbers them), then given to every person
    codes, distinct = pd.factorize(np.array(vlabels, dtype=object))
    if len(distinct) > MAX_VILLAGES:  # the village index is 16-bit (safeio.MAX_VILLAGES)
        raise RosterError(
            ", ".join(labels), f"{len(distinct):,} different villages; one bill may have at most {MAX_VILLAGES:,}"
        )
    villages, vindex = build_villages(list(distinct), scenario_villages(sc))
    vindex = vindex[codes] if len(codes) else vindex
    pop = roster_population(persons, villages, vindex, merged.rows_read, vocab)
    pop.grade = first_grade_column(sc, len(pop))  # rosters record no 档次: the first, counted below
    # the rosters are the people the departments pay for: no behavioural response thins them
    if sc.policy.behaviour.model != "none":
        sc = sc.with_overrides({"behaviour.model": "none"})
    outlay = run(sc, pop)
    outlay.meta.update({"rows_read": merged.rows_read, "rows_rejected": merged.rows_rejected, "population": "rosters"})
    outlay.meta["ungraded"] = ungraded(sc, pop)  # shown in 名册统计 and the summary (grade_note)
    outlay.meta.pop("seed", None)
    add_payments(persons, sc, pop, outlay)
    persons["village_index"] = vindex.astype(np.int64)
    persons["village_label"] = pd.Series(np.array(villages.zh, dtype=object)[vindex], index=persons.index, dtype=object)
    return RosterBill(sc, tuple(labels), as_of, merged, persons, outlay, mapping.source)


def parse_as_of(text: str) -> datetime.date:
    """A YYYY-MM-DD date for ``--as-of``."""
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise SimulateError("--as-of", f"not a date YYYY-MM-DD: {mask_ids_in_text(text)!r}") from None


__all__ += ["parse_as_of", "RosterError"]
