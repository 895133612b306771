"""The one place that finds data/, notebooks/ and the examples, and ``simulate examples``."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulate.cli import main
from simulate.examples import copy_examples, example_files
from simulate.resources import data_path, example_path, folder, notebook_path

ROOT = Path(__file__).resolve().parent.parent


def test_a_checkout_reads_its_own_folders():
    assert folder("data") == ROOT / "data"
    assert data_path("household-size.csv").read_bytes() == (ROOT / "data" / "household-size.csv").read_bytes()
    assert notebook_path("what_if.py") == ROOT / "notebooks" / "what_if.py"
    assert example_path("sinan-2021.yaml").is_file()
    with pytest.raises(ValueError):
        folder("tests")


def test_examples_copy_all_and_keep_identical_files(tmp_path, capsys):
    assert main(["examples", "--out", str(tmp_path / "ex")]) == 0
    names = {p.name for p in (tmp_path / "ex").iterdir()}
    assert names == {p.name for p in example_files()} and "langxi-2024.yaml" in names
    assert copy_examples(tmp_path / "ex")  # again: same bytes, nothing refused


def test_examples_never_replace_a_different_file(tmp_path, capsys):
    out = tmp_path / "ex"
    out.mkdir()
    mine = out / "sinan-2021.yaml"
    mine.write_text("id: mine\n", "utf-8")
    assert main(["examples", "--out", str(out), "--lang", "en"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "sinan-2021.yaml" in err[0] and "already exists" in err[0]
    assert mine.read_text("utf-8") == "id: mine\n"
    assert [p.name for p in out.iterdir()] == ["sinan-2021.yaml"]  # nothing copied


def test_examples_out_must_be_a_folder(tmp_path, capsys):
    f = tmp_path / "file"
    f.write_text("x", "utf-8")
    assert main(["examples", "--out", str(f), "--lang", "en"]) == 2
    assert "not a folder" in capsys.readouterr().err


def test_write_whole_replaces_at_once_and_never_through_a_link(tmp_path, monkeypatch):
    """resources.write_whole (the package's YAML cache and the scenario cache): the file comes
    whole with the mode asked, a leftover or a link at its temporary name is replaced, not
    written through, and a failed write leaves neither the temporary file nor a new target."""
    import os

    from simulate.resources import write_whole

    target = tmp_path / "entry"
    target.write_bytes(b"old")
    tmp = tmp_path / f".entry.{os.getpid()}.tmp"
    victim = tmp_path / "victim"
    victim.write_bytes(b"victim")
    tmp.symlink_to(victim)
    write_whole(target, b"new", mode=0o600)
    assert target.read_bytes() == b"new" and target.stat().st_mode & 0o777 == 0o600
    assert victim.read_bytes() == b"victim" and not tmp.exists() and not tmp.is_symlink()

    def refuse(src, dst):
        raise OSError("no")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(OSError, match="no"):
        write_whole(target, b"newer")
    assert target.read_bytes() == b"new" and not tmp.exists()
