"""sha256 digests as simulate writes them into output folders (manifests, provenance).

A plain hex digest holds 18 decimal digits in a row that pass the GB 11643-1999 check digit
about once in 5,000 digests, so the ID-number leak scan (:mod:`simulate.io.leakscan`) refused
an output folder for a digest that only looked like an ID number. Digests are written in
groups of eight hex digits joined by ':' (as key fingerprints are), so no digit run is longer
than eight; the scan itself is unchanged: every text is still checked.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

__all__ = ["digest_text", "file_sha256", "same_digest", "sha256_text"]


def digest_text(hexdigest: str) -> str:
    """``hexdigest`` in groups of eight joined by ':' (``3fdba35f:04dc8c46:…``)."""
    return ":".join(hexdigest[i : i + 8] for i in range(0, len(hexdigest), 8))


def sha256_text(data: bytes) -> str:
    """The sha256 of ``data``, grouped (:func:`digest_text`)."""
    return digest_text(hashlib.sha256(data).hexdigest())


def file_sha256(path: str | Path) -> str:
    """The sha256 of a file's bytes, read in 1 MiB blocks, grouped (:func:`digest_text`)."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest_text(digest.hexdigest())


def same_digest(written: object, digest: str) -> bool:
    """Whether a digest read back (grouped, or plain hex from an older manifest) is ``digest``."""
    return isinstance(written, str) and written.replace(":", "") == digest.replace(":", "")
