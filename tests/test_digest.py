"""Digests simulate writes into output folders never read as ID numbers (io/digest.py)."""

from __future__ import annotations

import hashlib

from simulate.io.digest import digest_text, file_sha256, same_digest
from simulate.io.idmask import find_ids

# sha256 digests (of the texts "0".."19999") whose plain hex holds an 18-digit run passing the
# GB 11643-1999 check: the leak scan refused a folder whose manifest listed such a digest
LOOK_ALIKES = [i for i in range(20000) if find_ids(hashlib.sha256(str(i).encode()).hexdigest(), strict=True)]


def test_plain_hex_digests_can_look_like_id_numbers():
    assert LOOK_ALIKES  # the hazard is real, so the next test means something


def test_grouped_digests_never_do_and_still_compare_with_plain_hex(tmp_path):
    for i in LOOK_ALIKES:
        plain = hashlib.sha256(str(i).encode()).hexdigest()
        grouped = digest_text(plain)
        assert not find_ids(grouped) and not find_ids(grouped, strict=True)
        assert grouped.replace(":", "") == plain
        assert same_digest(plain, grouped) and same_digest(grouped, grouped)
    path = tmp_path / "f.bin"
    path.write_bytes(str(LOOK_ALIKES[0]).encode())
    assert same_digest(hashlib.sha256(path.read_bytes()).hexdigest(), file_sha256(path))
    assert not same_digest(None, file_sha256(path)) and not same_digest("0" * 64, file_sha256(path))
