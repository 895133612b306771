"""report.pdf's printer (simulate/report/pdf.py): the Chromium started before the page exists
must print over DevTools itself, not fall back to a second, one-shot Chromium (issue 16 item 1)."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulate.report import pdf


def _page(path: Path, rows: int) -> Path:
    cells = "".join(f"<tr><td>village {i}</td><td>{i * 1234.5:,.2f}</td></tr>" for i in range(rows))
    path.write_text(
        f'<!DOCTYPE html><html lang="en"><meta charset="utf-8"><h1>fen</h1><table>{cells}</table></html>', "utf-8"
    )
    return path


@pytest.fixture()
def page(tmp_path: Path) -> Path:
    return _page(tmp_path / "page.html", 3)


def test_started_printer_prints_over_devtools_and_stays_up(page: Path, tmp_path: Path, monkeypatch) -> None:
    if pdf.find_chromium()[0] is None:
        pytest.fail("the test machine has Chromium: no silent skip")
    fallbacks: list[Path] = []
    one_shot = pdf.print_pdf

    def counted(html: Path, out: Path, timeout: float = 180.0) -> str | None:
        fallbacks.append(html)
        return one_shot(html, out, timeout)

    monkeypatch.setattr(pdf, "print_pdf", counted)
    printer = pdf.Printer()
    try:
        assert printer.print(page, tmp_path / "a.pdf") is None
        other = _page(tmp_path / "other.html", 40)  # a longer page in between, as in a sweep
        assert printer.print(other, tmp_path / "other.pdf") is None
        assert printer.print(page, tmp_path / "b.pdf") is None  # the kept page prints again
        assert printer.alive and not fallbacks
    finally:
        printer.close()
    assert (tmp_path / "a.pdf").read_bytes().startswith(b"%PDF")
    assert (tmp_path / "a.pdf").read_bytes() == (tmp_path / "b.pdf").read_bytes()
    assert pdf.print_pdf(page, tmp_path / "once.pdf") is None
    assert (tmp_path / "b.pdf").read_bytes() == (tmp_path / "once.pdf").read_bytes()


def test_devtools_print_equals_the_one_shot_print(page: Path, tmp_path: Path) -> None:
    printer = pdf.Printer()
    try:
        assert printer.print(page, tmp_path / "kept.pdf") is None
    finally:
        printer.close()
    assert pdf.print_pdf(page, tmp_path / "once.pdf") is None
    assert (tmp_path / "kept.pdf").read_bytes() == (tmp_path / "once.pdf").read_bytes()
