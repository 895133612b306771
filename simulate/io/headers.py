"""Population file headers and cell words as counties write them (issue 15 item 6).

A county's file says 人员编号, 村（社区）, 是否参保 and 是/否 where DESIGN.md says
``person_id``, ``village``, ``enrolled`` and 1/0. :func:`read_header` turns the header record
into the English column names and notes the columns it does not use (a name, an ID number, a
remark: ignored, and said so); :func:`rows` and :func:`batches` give the reader only the used
columns, with cell words turned into the values it takes. The aliases and words are data
(``population_headers.yaml``); identities go through :func:`simulate.vocabulary.identity_by_name`.
"""

from __future__ import annotations

import difflib
import functools
import hashlib
import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .. import labels
from ..errors import SimulateError
from ..lang import zh_text
from ..numtext import shorten
from ..resources import package_yaml
from ..vocabulary import IDENTITIES, IdentityNameError, identity_by_name

ErrorType = type[SimulateError]


def _load() -> dict[str, Any]:
    raw: dict[str, Any] = package_yaml(Path(__file__).with_name("population_headers.yaml"))
    return raw


_DATA = _load()
#: The population columns in DESIGN.md order (``model.population.CSV_COLUMNS``).
COLUMNS: tuple[str, ...] = tuple(_DATA["columns"])
_REQUIRED = ("person_id", "age", "sex")
_PAREN = re.compile(r"\([^()]*\)")
#: What separates identities in one cell (``;`` is the file format's; the rest are how people list).
_ID_SEP = re.compile(r"[;；、，,]")


def header_key(text: str) -> str:
    """A header compared by meaning: NFKC (（） as ()), no spaces, no leading *, lower case."""
    key = unicodedata.normalize("NFKC", text.replace("\ufeff", ""))
    return "".join(key.split()).lstrip("*").lower()


def _alias_table() -> dict[str, str]:
    table = {c: c for c in COLUMNS}
    for column, aliases in _DATA["columns"].items():
        table.update({header_key(a): column for a in aliases})
    return table


_ALIASES = _alias_table()
_NOT_USED = {header_key(k): v for k, v in _DATA["not_used"].items()}
_ID_HEADERS = frozenset(header_key(h) for h in _DATA["id_number"])


def _values() -> dict[str, dict[str, str]]:
    words = {c: {str(k).lower(): str(v) for k, v in table.items()} for c, table in _DATA["values"].items()}
    for timing, (zh, _) in labels.pairs("timing").items():  # 集中征缴期内缴费 etc., one catalog
        words["timing"].setdefault(zh, timing)
    return words


_WORDS = _values()


@dataclass(frozen=True)
class Header:
    """A population file's header read: ``names`` (English column names of the used columns,
    in file order) at ``keep`` (their places in the file's ``width`` fields); ``ignored`` the
    headers of the columns not used; ``given`` the used columns' headers as written. Cell
    words are read in the columns given by another name than the English one (a county's
    是否参保 holds 是/否; an ``enrolled`` column keeps 1/0), and identities by name in any."""

    names: tuple[str, ...]
    keep: tuple[int, ...]
    width: int
    ignored: tuple[str, ...]
    given: tuple[str, ...]
    from_id: bool = False  # person_id is an ID-number column, read as its hash (id_number)

    def note(self, sep: str = ", ") -> str | None:
        """The ignored columns' headers joined by ``sep``, or None when every column is used."""
        return sep.join(self.ignored) if self.ignored else None

    def whole(self) -> bool:
        """Every column of the file is used."""
        return len(self.keep) == self.width

    def worded(self) -> list[tuple[int, str]]:
        """(place among the used columns, name) of the columns whose cell words are read."""
        out = [
            (k, name)
            for k, (name, given) in enumerate(zip(self.names, self.given))
            if name == "identities" or (header_key(given) != name and _has_words(name))
        ]
        return out + [(self.names.index("person_id"), "id_number")] if self.from_id else out


def column_of(text: str) -> str | None:
    """The English column a header means (None: not a population column)."""
    key = header_key(text)
    found = _ALIASES.get(key)
    if found is None and "(" in key:
        found = _ALIASES.get(_PAREN.sub("", key))
    return found


def read_header(cells: Sequence[str], where: str, error: ErrorType) -> Header:
    """The header record read: each used column's English name, the ignored ones noted.

    Raises ``error`` (row 1, the column, the reason) for a required column missing, two
    columns meaning the same thing, or a header that looks like a misspelt column name."""
    texts = [c.strip().replace("\ufeff", "") for c in cells]
    names: list[str] = []
    keep: list[int] = []
    ignored: list[str] = []
    first: dict[str, str] = {}
    for i, text in enumerate(texts):
        column = column_of(text)
        if column is None:
            close = difflib.get_close_matches(header_key(text), COLUMNS, n=1, cutoff=0.8) if text.isascii() else []
            if close:
                raise error(f"{where}: row 1 (header), column {text}", f"unknown column (did you mean {close[0]}?)")
            ignored.append(text or f"(column {i + 1}, no heading)")
            continue
        if column in first:
            same = first[column] == text
            raise error(
                f"{where}: row 1 (header), column {text}",
                "column appears twice" if same else f"columns {first[column]} and {text} both mean {column}; keep one",
            )
        first[column] = text
        names.append(column)
        keep.append(i)
    id_at = next((i for i, t in enumerate(texts) if "person_id" not in first and header_key(t) in _ID_HEADERS), None)
    if id_at is not None:  # 身份证号 as the key, hashed as it is read
        ignored.remove(texts[id_at])
        first["person_id"] = texts[id_at]
        at = sum(k < id_at for k in keep)
        names.insert(at, "person_id")
        keep.insert(at, id_at)
    missing = [c for c in _REQUIRED if c not in first]
    if missing:
        reason = _missing_reason(missing[0], ignored, ", ".join(COLUMNS))
        # zh: each expected column by its Chinese heading, its English name beside it
        headings = "、".join(f"{_DATA['columns'][c][0]}（{c}）" for c in COLUMNS)
        reason_zh = zh_text(_missing_reason(missing[0], ignored, headings))
        raise error(f"{where}: row 1 (header), column {missing[0]}", reason, reason_zh=reason_zh)
    given = tuple(texts[i] for i in keep)
    return Header(tuple(names), tuple(keep), len(texts), tuple(ignored), given, id_at is not None)


def _missing_reason(column: str, ignored: list[str], expected: str) -> str:
    """Why a header lacks ``column``, naming the ``expected`` columns as given (English names,
    or Chinese headings for the zh line) and what each ignored heading was taken for."""
    zh = _DATA["columns"][column][0]
    why = [f"{h}: {_NOT_USED[header_key(h)]}" for h in ignored if header_key(h) in _NOT_USED]
    return f"required column is missing ({zh} or {column}); expected {expected}" + (
        f" ({'; '.join(why)})" if why else ""
    )


def rows(header: Header, records: Iterator[list[str]]) -> Iterator[list[str]]:
    """The records with only the used columns and their cell words turned into values. A
    record of the wrong width stays wrong by as many fields (the reader rejects it by its
    width, counting the used columns)."""
    worded = [(k, functools.partial(cell_value, name)) for k, name in header.worded()]
    whole = header.whole()
    if whole and not worded:
        yield from records  # an English file: records pass untouched
        return
    for record in records:
        if len(record) != header.width:
            yield _misfit(record, header.width - len(header.keep))
            continue
        out = record if whole else [record[i] for i in header.keep]
        for k, decode in worded:
            out[k] = decode(out[k])
        yield out


def _misfit(record: list[str], ignored: int) -> list[str]:
    """A record of the wrong width as the reader will refuse it: as many fields too many or
    too few against the used columns as the file has against its header, blank only if the
    record is (its cells are joined, never shown)."""
    k = len(record) - ignored
    if k < 1:
        return ["".join(record)]
    return [*record[: k - 1], "".join(record[k - 1 :])]


def ascii_only(column: Any) -> bool:
    """Whether a string (or binary) column's bytes are all ASCII (ids need no lookup), read off its buffer."""
    data = column.buffers()[2]
    return data is None or bool(np.frombuffer(data, np.uint8).max(initial=0) < 0x80)


def _has_words(column: str) -> bool:
    return column in _WORDS or column == "identities"


def batches(header: Header, items: Iterator[Any]) -> Iterator[Any]:
    """Arrow record batches with only the used columns, cell words turned into values (each
    distinct value once; a dictionary-typed column keeps its indices)."""
    import pyarrow as pa

    worded = dict(header.worded())
    if header.whole() and not worded:
        yield from items  # an English file: batches pass untouched
        return
    for batch in items:
        columns = [
            _worded_column(worded[k], batch.column(i)) if k in worded else batch.column(i)
            for k, i in enumerate(header.keep)
        ]
        yield pa.RecordBatch.from_arrays(columns, names=list(header.names))


def _worded_column(name: str, column: Any) -> Any:
    """A string or dictionary column with its cell words as values (``cell_value``)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if pa.types.is_dictionary(column.type):
        words = column.dictionary.to_pylist()
        values = [cell_value(name, w) for w in words]
        return (
            column if values == words else pa.DictionaryArray.from_arrays(column.indices, pa.array(values, pa.string()))
        )
    if name == "identities" and ascii_only(column):
        return column  # ids only: nothing to look up
    enc = pc.dictionary_encode(column)
    words = enc.dictionary.to_pylist()
    values = [cell_value(name, w) for w in words]
    return column if values == words else pc.take(pa.array(values, pa.string()), enc.indices)


def cell_value(column: str, text: str) -> str:
    """A cell as the reader takes it: a word of ``population_headers.yaml`` (是 -> 1, 一级 ->
    1, 集中征缴期 -> regular) or identity names (特困人员；低保边缘户 -> destitute;low_income_family);
    anything else unchanged, for the reader to accept or refuse."""
    if column == "identities":
        return _identity_cell(text)  # not cached: the vocabulary in use decides
    if column == "id_number":
        return id_token(text)
    return _word(column, text)


@functools.lru_cache(maxsize=4096)
def _word(column: str, text: str) -> str:
    table = _WORDS.get(column)
    if table is None:
        return text
    return table.get(text.strip().lower(), text)


def id_token(text: str) -> str:
    """A resident ID number as a person key that does not hold it: ``id-`` and 16 hex digits
    of the SHA-256 of its digits (full width as ASCII, spaces and dashes dropped, x as X)."""
    number = "".join(ch for ch in unicodedata.normalize("NFKC", text) if ch.isalnum()).upper()
    return "id-" + hashlib.sha256(number.encode()).hexdigest()[:16] if number else ""


def _identity_cell(text: str) -> str:
    if text.isascii():
        return text  # ids (or a mistake the reader names): names are Chinese
    parts = [p.strip() for p in _ID_SEP.split(text)]
    if all(p in IDENTITIES or not p for p in parts) and not re.search("[、，,]", text):
        return text  # ids as the file format writes them: unchanged
    out = []
    for part in parts:
        try:
            out.append(identity_by_name(part) if part else part)
        except IdentityNameError:
            out.append(part)  # the reader refuses it, with identity_problem's reason
    return ";".join(out)


def identity_problem(text: str) -> str:
    """Why an identity cell part is refused: unknown or ambiguous, with the nearest names."""
    if len(text) > 40:  # a pasted paragraph is no name: shown by its head and length
        return f"unknown identity {shorten(text)!r}"
    try:
        identity_by_name(text)
    except IdentityNameError as exc:
        return str(exc)
    return f"unknown identity {text!r}"
