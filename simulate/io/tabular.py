"""Rows of a person-level table from CSV, Parquet or xlsx, as text, with the same contract.

One population reader (:func:`simulate.model.population.read_population`) parses the rows;
this module only turns each file format into a header and text records, so a new input
format is one function here (DESIGN.md "Interfaces": the population CSV columns). Parquet
and workbook cells are written as the CSV would hold them: whole numbers without ``.0``,
booleans as 1/0, empty cells as "".
"""

from __future__ import annotations

import datetime
import numbers
import os
from collections.abc import Collection, Iterator
from pathlib import Path
from typing import Any

from ..errors import SimulateError
from . import headers, safeio, xlsxguard

ErrorType = type[SimulateError]

#: File name endings read as Parquet and as workbooks; anything else is read as CSV text.
PARQUET_SUFFIXES = (".parquet", ".pq")
XLSX_SUFFIXES = (".xlsx", ".xlsm")

#: A population workbook: one sheet of person rows (openpyxl streams it in read-only mode).
POPULATION_XLSX = safeio.XlsxLimits(
    "population workbook",
    max_file_bytes=256 * safeio.MiB,
    max_member_bytes=2048 * safeio.MiB,
    max_total_bytes=2048 * safeio.MiB,
    max_rows=2_000_000,
    max_columns=64,
    max_cells=64_000_000,
)
_PARQUET_BATCH = 65_536


def table_format(path: str | os.PathLike[str]) -> str:
    """``"parquet"``, ``"xlsx"`` or ``"csv"``, by the file name's ending."""
    suffix = Path(path).suffix.lower()
    if suffix in PARQUET_SUFFIXES:
        return "parquet"
    if suffix in XLSX_SUFFIXES:
        return "xlsx"
    return "csv"


def cell_text(value: object) -> str:
    """A cell as the CSV would hold it: 45.0 -> '45', True -> '1', None -> ''."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        number = float(value)
        return str(int(number)) if number.is_integer() else repr(number)
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    return str(value)


def population_rows(
    path: str | os.PathLike[str], where: str, error: ErrorType, limits: safeio.TextLimits | None = None
) -> Iterator[list[str]]:
    """The header, then every record, of a population file as lists of text cells
    (``limits``: ``safeio.POPULATION``, looked up when called)."""
    limits = safeio.POPULATION if limits is None else limits
    kind = table_format(path)
    if kind == "parquet":
        return _named_rows(_parquet_rows(path, where, error, limits), where, error)
    if kind == "xlsx":
        return _named_rows(_xlsx_rows(path, where, error, limits), where, error)
    return _named_rows(safeio.read_csv_rows(path, limits, where, error), where, error)


def _named_rows(records: Iterator[list[str]], where: str, error: ErrorType) -> Iterator[list[str]]:
    """The header as English column names, then the records' used cells, words as values
    (:mod:`.headers`: a county's 人员编号, 是否参保 是/否 …)."""
    try:
        first = next(records)
    except StopIteration:
        return  # the reader says "file is empty"
    header = headers.read_header(first, where, error)
    yield list(header.names)
    yield from headers.rows(header, records)


def _named_batches(items: Iterator[Any], where: str, error: ErrorType) -> Iterator[Any]:
    """:func:`_named_rows` for Arrow batches: English names, used columns, words as values."""
    header = headers.read_header(next(items), where, error)
    yield list(header.names)
    yield from headers.batches(header, items)


def population_header(path: str | os.PathLike[str], where: str, error: ErrorType) -> headers.Header | None:
    """The header of a population file as :func:`population_rows` reads it (None: no rows)."""
    kind = table_format(path)
    if kind == "parquet":
        records = _parquet_rows(path, where, error, safeio.POPULATION)
    elif kind == "xlsx":
        records = _xlsx_rows(path, where, error, safeio.POPULATION)
    else:
        records = safeio.read_csv_rows(path, safeio.POPULATION, where, error)
    try:
        return headers.read_header(next(records), where, error)
    except StopIteration:
        return None
    finally:
        close = getattr(records, "close", None)
        if close is not None:
            close()


def _parquet_rows(
    path: str | os.PathLike[str], where: str, error: ErrorType, limits: safeio.TextLimits
) -> Iterator[list[str]]:
    """Parquet records, streamed batch by batch from a regular file, row count capped."""
    import pyarrow.parquet as pq  # local: heavy, and only needed for Parquet files

    fh = safeio.open_regular(path, where, error)
    try:
        parquet = pq.ParquetFile(fh)
    except Exception as exc:  # pyarrow raises several kinds for a damaged file
        fh.close()
        raise error(where, f"not a readable Parquet file ({type(exc).__name__})") from None
    header = list(parquet.schema_arrow.names)
    rows = parquet.metadata.num_rows

    def records() -> Iterator[list[str]]:
        with fh:
            if len(header) > limits.max_columns:
                raise error(where, f"{len(header):,} columns; the limit is {limits.max_columns:,}")
            if limits.max_rows is not None and rows > limits.max_rows:
                raise error(where, f"{rows:,} rows; the limit for a {limits.what} is {limits.max_rows:,}")
            yield header
            try:
                for batch in parquet.iter_batches(batch_size=_PARQUET_BATCH):
                    columns = [batch.column(i).to_pylist() for i in range(batch.num_columns)]
                    for values in zip(*columns):
                        yield [cell_text(v) for v in values]
            except error:
                raise
            except Exception as exc:
                raise error(where, f"not a readable Parquet file ({type(exc).__name__})") from None

    return records()


def _xlsx_rows(
    path: str | os.PathLike[str], where: str, error: ErrorType, limits: safeio.TextLimits
) -> Iterator[list[str]]:
    """The first sheet's rows of a workbook checked by ``xlsxguard.open_workbook``."""
    workbook = xlsxguard.open_workbook(path, POPULATION_XLSX, where, error, read_only=True)

    def records() -> Iterator[list[str]]:
        try:
            sheet = workbook.worksheets[0]
            width = None
            for count, values in enumerate(sheet.iter_rows(values_only=True)):
                cells = [cell_text(v) for v in values]
                if width is None:
                    while cells and not cells[-1].strip():
                        cells.pop()
                    width = len(cells)
                else:  # read-only sheets pad rows to the widest one: drop empty extras
                    while len(cells) > width and not cells[-1].strip():
                        cells.pop()
                    cells += [""] * (width - len(cells))
                if limits.max_rows is not None and count > limits.max_rows:
                    raise error(where, f"more than {limits.max_rows:,} rows; the limit for a {limits.what}")
                yield cells
        finally:
            workbook.close()

    return records()


class NotFast(Exception):
    """The Arrow reader cannot read this file exactly as the per-row reader would (a broken
    line, a mixed encoding, a limit reached): the caller reads it with the per-row path."""


def population_batches(
    path: str | os.PathLike[str],
    where: str,
    error: ErrorType,
    chunk_bytes: int = 16 << 20,
    limits: safeio.TextLimits | None = None,
    dictionary: Collection[str] = (),
    csv_dictionary: Collection[str] | None = None,
) -> Iterator[Any]:
    """The header (list of str), then Arrow record batches of string columns, of a CSV or
    Parquet population file, streamed (about ``chunk_bytes`` of CSV per batch); the columns
    named in ``dictionary`` (of a CSV: ``csv_dictionary``, when given) dictionary-encoded.
    Raises :class:`NotFast` where only the per-row reader gives the exact answer."""
    limits = safeio.POPULATION if limits is None else limits
    kind = table_format(path)
    if kind == "xlsx":
        raise NotFast("workbook")
    import pyarrow as pa  # local: only population files need Arrow

    fh = safeio.open_regular(path, where, error)
    with fh:
        if kind == "parquet":
            yield from _named_batches(_parquet_batches(fh, max(1, chunk_bytes // 64), limits, dictionary), where, error)
            return
        few = dictionary if csv_dictionary is None else csv_dictionary
        head, gbk = _csv_head(fh, where, error)
        reader = _csv_reader(fh, head, gbk, chunk_bytes, few, pa)
        batches = _from_gb18030(reader, pa) if gbk else reader
        yield from _named_batches(_checked(batches, [f.name for f in reader.schema], limits, pa), where, error)


def _csv_head(fh: Any, where: str, error: ErrorType) -> tuple[bytes, bool]:
    """The first 256 KiB of a CSV file and whether it is GBK (GB18030); :class:`NotFast` for
    old Mac line ends, which only the per-row reader reads."""
    from .text import sniff_encoding

    head = fh.read(256 * 1024)
    enc = sniff_encoding(head, final=len(head) < 256 * 1024, where=where, error=error)
    if b"\r" in head and b"\n" not in head:
        raise NotFast("old Mac line ends")
    return head, enc == "gb18030"


def _csv_reader(fh: Any, head: bytes, gbk: bool, chunk_bytes: int, few: Collection[str], pa: Any) -> Any:
    """An Arrow CSV reader of ``fh`` giving every column as text (GBK as bytes), the columns
    named in ``few`` dictionary-encoded; :class:`NotFast` on any Arrow failure."""
    import pyarrow.csv as pacsv

    # Arrow skips a UTF-8 BOM; GBK is read with the same codec the per-row path uses
    codec = "gb18030" if gbk else "utf8"
    parse = pacsv.ParseOptions(newlines_in_values=True, ignore_empty_lines=False)
    try:
        # the column names from the first lines alone: a second reader on the same file
        # handle would race the first one's read-ahead threads (garbled header or rows)
        lines = head if len(head) < 256 * 1024 else head[: head.rfind(b"\n") + 1]
        names = pacsv.open_csv(
            pa.BufferReader(lines),
            read_options=pacsv.ReadOptions(block_size=max(len(lines), 1), use_threads=False, encoding=codec),
            parse_options=parse,
        ).schema.names
        if gbk and lines.split(b"\n", 1)[0].count(b'"') % 2:
            raise NotFast("a line break inside the header")  # the header is skipped as one line
        fh.seek(0)
        # then every column read as text; GBK as bytes (Arrow's own transcoding runs
        # Python's codec over every byte: half the reading time), decoded per column below
        text = pa.binary() if gbk else pa.string()
        reader = pacsv.open_csv(
            fh,
            read_options=pacsv.ReadOptions(
                block_size=chunk_bytes, use_threads=True, column_names=names if gbk else (), skip_rows=int(gbk)
            ),
            parse_options=parse,
            convert_options=pacsv.ConvertOptions(
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
                column_types={n: pa.dictionary(pa.int32(), text) if _english(n) in few else text for n in names},
            ),
        )
    except NotFast:
        raise
    except Exception as exc:  # noqa: BLE001 (any Arrow failure: the per-row path decides)
        raise NotFast(type(exc).__name__) from None
    return reader


def _from_gb18030(batches: Any, pa: Any) -> Iterator[Any]:
    """GBK (GB18030) batches read as bytes, as text: a dictionary's few values decoded once,
    an all-ASCII column (ids, mostly) taken as it is, since ASCII is the same in both, other
    values one by one. The delimiters, quotes and line ends are ASCII bytes, which no GBK
    character holds, so a field decodes as in the whole text; a byte sequence that does not
    decode raises (:func:`_checked`: the per-row path names it)."""

    def text(column: Any) -> Any:
        if pa.types.is_dictionary(column.type):
            values = pa.array([v.decode("gb18030") for v in column.dictionary.to_pylist()], pa.string())
            return pa.DictionaryArray.from_arrays(column.indices, values)
        if headers.ascii_only(column):
            return column.view(pa.string())
        return pa.array([v.decode("gb18030") for v in column.to_pylist()], pa.string())

    for batch in batches:
        yield pa.RecordBatch.from_arrays([text(c) for c in batch.columns], names=batch.schema.names)


def _english(name: str) -> str:
    """A file's column heading as the reader's English name (人员编号 -> person_id), so a
    Chinese-headed file's few-valued columns are dictionary-encoded too."""
    return headers.column_of(name) or name


def _checked(batches: Any, header: list[str], limits: safeio.TextLimits, pa: Any) -> Iterator[Any]:
    import pyarrow.compute as pc

    if len(header) > limits.max_columns:
        raise NotFast("columns")
    yield header
    rows = 0
    try:
        for batch in batches:
            rows += batch.num_rows
            if limits.max_rows is not None and rows > limits.max_rows:
                raise NotFast("rows")
            for column in batch.columns:  # bytes bound characters: count those only when needed
                if pa.types.is_dictionary(column.type):
                    column = column.dictionary
                if len(column) and pc.max(pc.binary_length(column)).as_py() > limits.max_field_chars:
                    if pc.max(pc.utf8_length(column)).as_py() > limits.max_field_chars:
                        raise NotFast("field")
            yield batch
    except NotFast:
        raise
    except Exception as exc:  # a broken line, bytes not UTF-8, a line too long  # noqa: BLE001 (any Arrow failure: the per-row path decides)
        raise NotFast(type(exc).__name__) from None


def _parquet_batches(fh: Any, rows: int, limits: safeio.TextLimits, dictionary: Collection[str] = ()) -> Iterator[Any]:
    """Parquet batches as text columns; those named in ``dictionary`` dictionary-encoded
    (their few distinct values turned to text once, not once a row)."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    try:
        names = pq.ParquetFile(fh).schema_arrow.names
        fh.seek(0)
        parquet = pq.ParquetFile(
            fh, read_dictionary=[n for n in names if _english(n) in dictionary], buffer_size=1 << 20, pre_buffer=False
        )
    except Exception:  # noqa: BLE001 (any Arrow failure: the per-row path decides)
        raise NotFast("parquet") from None
    schema = parquet.schema_arrow
    for f in schema:  # text and whole numbers convert exactly; others via cell_text
        t = f.type.value_type if pa.types.is_dictionary(f.type) else f.type
        if not (pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_integer(t)):
            raise NotFast(str(f.type))

    def text(c: Any, name: str) -> Any:
        if _english(name) in dictionary and not c.null_count:
            enc = c if pa.types.is_dictionary(c.type) else pc.dictionary_encode(c)
            return pa.DictionaryArray.from_arrays(enc.indices, enc.dictionary.cast(pa.string()))
        return pc.fill_null(c.cast(pa.string()), "")

    def as_text(batch: Any) -> Any:
        cols = [text(c, name) for c, name in zip(batch.columns, batch.schema.names)]
        return pa.RecordBatch.from_arrays(cols, names=batch.schema.names)

    yield from _checked((as_text(b) for b in parquet.iter_batches(batch_size=rows)), list(schema.names), limits, pa)
