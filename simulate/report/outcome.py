"""What a report run leaves and how it ends: the folder's file names, :class:`ReportError`,
:class:`RunResult`, and :func:`write_results`, which a notebook calls to write ``results.json``."""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

NOTEBOOK_NAME = "report.ipynb"
HTML_NAME = "report.html"
PDF_NAME = "report.pdf"
PDF_SKIPPED_NAME = "report.pdf-SKIPPED.txt"
RESULTS_NAME = "results.json"
INDEX_NAME = "index.html"
FAILED_DIR = "failed"
OUTPUT_DIR_PARAMETER = "output_dir"
LANG_PARAMETER = "lang"
KERNEL_NAME = "python3"
DEFAULT_TIMEOUT = 600.0
DEFAULT_START_TIMEOUT = 60.0


class ReportError(RuntimeError):
    """A report could not be rendered; the message is one line meant for the user."""

    def __init__(self, message: str, failed_notebook: Path | None = None) -> None:
        super().__init__(message)
        self.failed_notebook = failed_notebook
        self.runs: list[RunResult] = []  # a failed sweep's runs (render_folder)

    def __reduce__(self):
        return (type(self), (str(self), self.failed_notebook))


@dataclass(frozen=True)
class RunResult:
    """The outcome of one report run: where it is, what it computed, how long it took (s)."""

    name: str
    out_dir: Path
    parameters: dict[str, Any]
    seconds: float
    results: dict[str, Any] = field(default_factory=dict)
    artifacts: tuple[str, ...] = ()
    error: str | None = None
    failed_notebook: Path | None = None
    pdf_skipped: str | None = None  # why report.pdf was not printed (no Chromium, …)
    timings: dict[str, float] = field(default_factory=dict)  # stage -> seconds (see timings_text)

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def html(self) -> Path:
        return self.out_dir / HTML_NAME

    @property
    def notebook(self) -> Path:
        return self.out_dir / NOTEBOOK_NAME

    @property
    def headline(self) -> dict[str, str]:
        value = self.results.get("headline", {})
        return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}


def skip_slow_validators() -> None:
    """Keep jsonschema (imported by nbformat, papermill, nbconvert) from loading rfc3987_syntax,
    whose import compiles 38 Lark grammars (1.5-4 s on this machine) for the "iri" format
    checks that notebook validation never uses; jsonschema skips those checks on ImportError."""
    sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]


def one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


def write_results(output_dir: Path | str, results: Mapping[str, Any]) -> None:
    """Write ``results.json`` for the runner (call from the notebook).

    ``results["headline"]`` should map labels to formatted figures for the index page.
    Decimals and numpy numbers are written as JSON numbers, Paths as text. Returns None,
    so a call ending a cell shows nothing in the report.
    """
    path = Path(output_dir) / RESULTS_NAME
    text = json.dumps(results, ensure_ascii=False, indent=2, default=_json_default, allow_nan=False)
    path.write_text(text + "\n", encoding="utf-8")


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, Path):
        return str(value)
    if hasattr(value, "item") and callable(value.item):  # numpy scalars
        item = value.item()
        if isinstance(item, float) and not math.isfinite(item):
            raise ValueError(f"non-finite number in results: {item}")
        return item
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    raise TypeError(f"cannot write {type(value).__name__} to {RESULTS_NAME}: {value!r}")
