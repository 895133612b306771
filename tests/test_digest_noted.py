"""A file hashed as it was written is not read again (issue 16 item 4): the manifest and
``roster --json`` use the digest noted at close (simulate.io.digest.note_sha256 /
written_sha256) only while the file is that very one, unchanged; a file changed after it
was proved clean is hashed again, so its new bytes are scanned before anything is published."""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path

import pytest
from test_leakscan_fast import VALID

from simulate.io import digest, leakscan
from simulate.io.digest import digest_text, file_sha256, note_sha256, written_sha256
from simulate.io.leakscan import LeakError, ProvedFile
from simulate.report.publish import publishing, write_manifest
from simulate.rosters.bill_folder import _Proving

CLEAN = b'{"name": "520624********0316", "n": 12345678901}\n' * 50


def _changed(path: Path, data: bytes) -> None:
    """Write ``data`` over ``path`` (same inode) until its ctime differs from before: a change
    the stat can see (a change within the same clock tick is the documented limit)."""
    before = os.stat(path).st_ctime_ns
    while True:
        with open(path, "r+b") as fh:
            fh.write(data)
            fh.truncate()
        if os.stat(path).st_ctime_ns != before:
            return
        time.sleep(0.002)


def test_a_noted_digest_is_used_only_while_the_file_is_unchanged(tmp_path, monkeypatch) -> None:
    path = tmp_path / "a" / "f.json"
    path.parent.mkdir()
    path.write_bytes(CLEAN)
    fake = digest_text("ab" * 32)  # not the file's: shows when the noted digest is used
    assert not note_sha256(path, fake, len(CLEAN) - 1)  # not the bytes hashed: nothing noted
    assert written_sha256(path) == file_sha256(path)
    assert note_sha256(path, fake, len(CLEAN))
    assert written_sha256(path) == fake
    os.rename(tmp_path / "a", tmp_path / "b")  # the folder published: still that file
    path = tmp_path / "b" / "f.json"
    assert written_sha256(path) == fake
    stamp = os.stat(path)
    _changed(path, CLEAN.replace(b"12345678901", b"12345678902"))  # same size and ...
    os.utime(path, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))  # ... mtime put back: ctime moved
    assert os.stat(path).st_size == stamp.st_size and os.stat(path).st_mtime_ns == stamp.st_mtime_ns
    assert written_sha256(path) == file_sha256(path) != fake
    with pytest.raises(OSError):
        written_sha256(tmp_path / "missing")


def test_noted_and_proved_digests_are_bounded(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(digest, "_NOTED_KEPT", 3)
    monkeypatch.setattr(digest, "_TICK_NS", 0)
    monkeypatch.setattr(leakscan, "_PROVED_KEPT", 3)
    for k in range(6):
        path = tmp_path / f"{k}.txt"
        path.write_bytes(b"x" * (k + 1))
        assert ProvedFile().proved(path)
    assert len(digest._NOTED) == 3 and len(leakscan._PROVED) == 3
    assert file_sha256(tmp_path / "5.txt") in leakscan._PROVED
    assert file_sha256(tmp_path / "0.txt") not in leakscan._PROVED  # the oldest went first


def test_the_proving_writer_hashes_what_it_writes(tmp_path, monkeypatch) -> None:
    reads = []
    monkeypatch.setattr(digest, "file_sha256", lambda p: reads.append(p) or file_sha256(p))
    path = tmp_path / "bill.json"
    with _Proving(path) as out:
        for k in range(0, len(CLEAN), 37):
            out.write(CLEAN[k : k + 37])
    assert out.proof.clean and out.proof.digest == digest_text(hashlib.sha256(CLEAN).hexdigest())
    assert written_sha256(path) == out.proof.digest and reads == []  # never read back
    with pytest.raises(RuntimeError), _Proving(tmp_path / "failed.json") as out:
        out.write(CLEAN)
        raise RuntimeError("the bill failed half way")
    assert out.proof.digest is None  # not proved


def test_a_file_changed_after_it_was_proved_is_scanned_again(tmp_path, monkeypatch) -> None:
    """Proved clean as written, then an ID put in (same size, mtime put back): the manifest
    hashes it again, its digest is not a proved one, and the publisher's scan refuses it."""
    out = tmp_path / "out"
    leaky = CLEAN.replace(b"520624********0316", VALID[0].encode(), 1)
    assert len(leaky) == len(CLEAN)
    with pytest.raises(LeakError, match="bill.json"), publishing(out, "roster") as work:
        with _Proving(work / "bill.json") as proving:
            proving.write(CLEAN)
        assert proving.proof.digest in leakscan._PROVED
        stamp = os.stat(work / "bill.json")
        _changed(work / "bill.json", leaky)
        os.utime(work / "bill.json", ns=(stamp.st_atime_ns, stamp.st_mtime_ns))
    assert not out.exists()
    reads: list[str] = []
    monkeypatch.setattr(digest, "file_sha256", lambda p: reads.append(Path(p).name) or file_sha256(p))
    with publishing(out, "roster") as work:  # unchanged: the noted digest goes in the manifest
        with _Proving(work / "bill.json") as proving:
            proving.write(CLEAN)
        (work / "README.txt").write_text("x")
        manifest = write_manifest(work, "roster")
        assert reads == ["README.txt"]  # bill.json is not read to be hashed, README.txt is
        assert manifest["files"]["bill.json"]["sha256"] == file_sha256(work / "bill.json") == proving.proof.digest
    assert (out / "bill.json").read_bytes() == CLEAN


def test_a_file_changed_while_it_is_read_back_is_not_noted(tmp_path, monkeypatch) -> None:
    path = tmp_path / "bill.xlsx"
    path.write_bytes(CLEAN)
    real = digest.file_sha256

    def changing(p):
        found = real(p)
        _changed(path, CLEAN[::-1])  # another writer, while the file was being hashed
        return found

    monkeypatch.setattr(digest, "file_sha256", changing)
    stale = digest.noted_file_sha256(path)
    monkeypatch.setattr(digest, "file_sha256", real)
    assert stale == digest_text(hashlib.sha256(CLEAN).hexdigest())
    assert written_sha256(path) == digest_text(hashlib.sha256(CLEAN[::-1]).hexdigest())  # not the stale one
    path.write_bytes(CLEAN)
    assert digest.noted_file_sha256(path) == written_sha256(path) == stale


def test_a_ctime_ahead_of_the_clock_is_not_noted(tmp_path, monkeypatch) -> None:
    """A file whose ctime is ahead of this machine's clock (a network file system with a
    skewed clock) has no tick to wait out: nothing is noted, and the file is read again."""
    path = tmp_path / "f.json"
    path.write_bytes(CLEAN)
    ctime = os.stat(path).st_ctime_ns
    monkeypatch.setattr(time, "time_ns", lambda: ctime - 5 * digest._TICK_NS)  # the clock behind the file
    monkeypatch.setattr(time, "sleep", lambda s: pytest.fail(f"waited {s} s for a tick that cannot come"))
    sha = digest_text(hashlib.sha256(CLEAN).hexdigest())
    assert note_sha256(path, sha, len(CLEAN)) is False
    reads = []
    monkeypatch.setattr(digest, "file_sha256", lambda p: reads.append(p) or file_sha256(p))
    assert written_sha256(path) == sha and reads == [path]
