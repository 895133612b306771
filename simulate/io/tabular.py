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
from collections.abc import Iterator
from pathlib import Path

from ..errors import SimulateError
from . import safeio

ErrorType = type[SimulateError]

#: File name endings read as Parquet and as workbooks; anything else is read as CSV text.
PARQUET_SUFFIXES = (".parquet", ".pq")
XLSX_SUFFIXES = (".xlsx", ".xlsm")

#: A population workbook: one sheet of person rows (openpyxl streams it in read-only mode).
POPULATION_XLSX = safeio.XlsxLimits("population workbook", max_file_bytes=256 * safeio.MiB,
                                    max_member_bytes=2048 * safeio.MiB,
                                    max_total_bytes=2048 * safeio.MiB, max_rows=2_000_000,
                                    max_columns=64, max_cells=64_000_000)
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


def population_rows(path: str | os.PathLike[str], where: str, error: ErrorType,
                    limits: safeio.TextLimits | None = None) -> Iterator[list[str]]:
    """The header, then every record, of a population file as lists of text cells
    (``limits``: ``safeio.POPULATION``, looked up when called)."""
    limits = safeio.POPULATION if limits is None else limits
    kind = table_format(path)
    if kind == "parquet":
        return _parquet_rows(path, where, error, limits)
    if kind == "xlsx":
        return _xlsx_rows(path, where, error, limits)
    return safeio.read_csv_rows(path, limits, where, error)


def _parquet_rows(path: str | os.PathLike[str], where: str, error: ErrorType,
                  limits: safeio.TextLimits) -> Iterator[list[str]]:
    """Parquet records, streamed batch by batch from a regular file, row count capped."""
    import pyarrow.parquet as pq  # local: heavy, and only needed for Parquet files
    fh = safeio.open_regular(path, where, error)
    try:
        parquet = pq.ParquetFile(fh)
    except Exception as exc:   # pyarrow raises several kinds for a damaged file
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


def _xlsx_rows(path: str | os.PathLike[str], where: str, error: ErrorType,
               limits: safeio.TextLimits) -> Iterator[list[str]]:
    """The first sheet's rows of a workbook checked by ``safeio.open_workbook``."""
    workbook = safeio.open_workbook(path, POPULATION_XLSX, where, error, read_only=True)

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
                else:   # read-only sheets pad rows to the widest one: drop empty extras
                    while len(cells) > width and not cells[-1].strip():
                        cells.pop()
                    cells += [""] * (width - len(cells))
                if limits.max_rows is not None and count > limits.max_rows:
                    raise error(where, f"more than {limits.max_rows:,} rows; the limit for a "
                                f"{limits.what}")
                yield cells
        finally:
            workbook.close()
    return records()
