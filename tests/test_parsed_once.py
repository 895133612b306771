"""``resources.parsed_once``: the package's own YAML data parsed once per change of the file
(labels.yaml, lang.yaml are read at every start), never a stale or damaged copy."""

import os
import sys

import pytest

from simulate.resources import parsed_once


@pytest.fixture
def writing(monkeypatch):
    monkeypatch.setattr(sys, "dont_write_bytecode", False)


def _parser(path, calls):
    def parse():
        calls.append(1)
        return {"text": path.read_text("utf-8"), "n": [1, 2.5, None, True]}

    return parse


def test_parsed_once_then_read_from_the_cache_until_the_file_changes(tmp_path, writing):
    data = tmp_path / "words.yaml"
    data.write_text("a: 1\n", "utf-8")
    calls = []
    first = parsed_once(data, _parser(data, calls))
    assert parsed_once(data, _parser(data, calls)) == first and len(calls) == 1
    assert list((tmp_path / "__pycache__").iterdir())[0].name.startswith("words.yaml.")
    data.write_text("a: 22\n", "utf-8")  # another size (and time): parsed again
    assert parsed_once(data, _parser(data, calls))["text"] == "a: 22\n" and len(calls) == 2
    os.utime(data, ns=(1, 1))  # same size, other time: parsed again
    assert parsed_once(data, _parser(data, calls))["text"] == "a: 22\n" and len(calls) == 3


def test_a_damaged_cache_is_parsed_over(tmp_path, writing):
    data = tmp_path / "words.yaml"
    data.write_text("a: 1\n", "utf-8")
    calls = []
    parsed_once(data, _parser(data, calls))
    (cache,) = (tmp_path / "__pycache__").iterdir()
    cache.write_bytes(b"\x00garbage")
    assert parsed_once(data, _parser(data, calls))["text"] == "a: 1\n" and len(calls) == 2
    assert parsed_once(data, _parser(data, calls))["text"] == "a: 1\n" and len(calls) == 2  # rewritten


def test_nothing_written_when_bytecode_is_not_written(tmp_path, monkeypatch):
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    data = tmp_path / "words.yaml"
    data.write_text("a: 1\n", "utf-8")
    calls = []
    parsed_once(data, _parser(data, calls))
    parsed_once(data, _parser(data, calls))
    assert len(calls) == 2 and not (tmp_path / "__pycache__").exists()


def test_a_cache_that_cannot_be_written_costs_only_the_parse(tmp_path, writing):
    data = tmp_path / "words.yaml"
    data.write_text("a: 1\n", "utf-8")
    (tmp_path / "__pycache__").write_text("a file where the folder would be", "utf-8")
    calls = []
    assert parsed_once(data, _parser(data, calls))["text"] == "a: 1\n"
    assert parsed_once(data, _parser(data, calls))["text"] == "a: 1\n" and len(calls) == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["__pycache__", "words.yaml"]  # no leftover
