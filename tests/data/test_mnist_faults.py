"""Damaged or hostile MNIST files and downloads: a DatasetError that names the file, and
memory bounded by what the IDX header promises (a gzip bomb stops there)."""

from __future__ import annotations

import gzip
import http.client
import resource
import shutil
import zlib

import pytest

from xpnet.datasets._mnist import FILES, DatasetError, _read, load_mnist

from .test_datasets import SHARED, needs_mnist

LABELS, LABELS_MD5 = FILES["test_labels"]


@needs_mnist
def test_bit_flips_in_the_gzip_are_dataset_errors(tmp_path):
    raw = (SHARED / f"{LABELS}.gz").read_bytes()
    bad = tmp_path / f"{LABELS}.gz"
    for i in range(0, len(raw), 3):
        bad.write_bytes(raw[:i] + bytes([raw[i] ^ 0x10]) + raw[i + 1 :])
        try:
            _read(bad, LABELS_MD5)
        except DatasetError as e:
            assert str(bad) in str(e)
        # (a flip in the gzip header's name or time fields changes nothing that is read)
    good = tmp_path / "good.gz"
    shutil.copy(SHARED / f"{LABELS}.gz", good)
    assert _read(good, LABELS_MD5).shape == (10000,)


def test_a_gzip_bomb_stops_at_the_header_size(tmp_path):
    # a valid label header for 10,000 labels, then 1 GiB of zeros: about 1 MiB compressed
    bomb = tmp_path / f"{LABELS}.gz"
    c = zlib.compressobj(9, zlib.DEFLATED, 31)
    with open(bomb, "wb") as f:
        f.write(c.compress(b"\0\0\x08\x01" + (10000).to_bytes(4, "big")))
        chunk = b"\0" * (1 << 20)
        for _ in range(1024):
            f.write(c.compress(chunk))
        f.write(c.flush())
    assert bomb.stat().st_size < 2 << 20
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(DatasetError, match="more bytes than shape"):
        _read(bomb, LABELS_MD5)
    grown_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert grown_kib < 200_000  # not the 1 GiB the bomb inflates to


def test_truncated_and_not_gzip(tmp_path):
    f = tmp_path / f"{LABELS}.gz"
    f.write_bytes(gzip.compress(b"\0\0\x08\x01" + (10000).to_bytes(4, "big") + b"\0" * 100)[:-30])
    with pytest.raises(DatasetError, match=r"cannot be read as gzip|truncated"):
        _read(f, LABELS_MD5)
    f.write_bytes(b"not gzip at all")
    with pytest.raises(DatasetError, match="cannot be read as gzip"):
        _read(f, LABELS_MD5)


def test_a_download_cut_short_is_a_dataset_error(tmp_path, monkeypatch):
    class Cut:
        def __enter__(self):
            return self

        def __exit__(self, *a):
            return False

        def read(self):
            raise http.client.IncompleteRead(b"\x1f\x8b partial", 1000)

    monkeypatch.setattr("urllib.request.urlopen", lambda url, timeout: Cut())
    with pytest.raises(DatasetError, match="IncompleteRead"):
        load_mnist(tmp_path, download=True, url="http://example.invalid/")
    assert not any(tmp_path.iterdir())  # nothing half-written
