"""Hostile and damaged files: ``xn.load`` and ``load_safetensors`` raise ``CheckpointError``
naming the file, whatever is wrong, and allocate nothing a file only claims to hold."""

from __future__ import annotations

import json
import os
import struct
import zipfile

import numpy as np
import pytest

import xpnet as xn
from xpnet import nn


def _small_checkpoint(path):
    xn.manual_seed(0)
    m = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4))
    xn.save({"model": m.state_dict(), "step": 3, "lr": (0.1, float("nan"))}, path)
    return xn.load(path)


def _same(a, b):
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, xn.Tensor):
        return a.dtype == b.dtype and np.array_equal(a.numpy(), b.numpy(), equal_nan=True)
    return a == b or (a != a and b != b)


def _loads_or_refuses(path, original, loader=xn.load):
    """A damaged file either raises CheckpointError or (damage in a field nobody reads,
    such as a ZIP timestamp) loads exactly the original."""
    try:
        got = loader(path)
    except xn.CheckpointError as e:
        assert os.fspath(path) in str(e)
        return False
    assert _same(got, original)
    return True


def test_every_single_bit_flip_is_refused_or_harmless(tmp_path):
    good = tmp_path / "good.xn"
    original = _small_checkpoint(good)
    raw = good.read_bytes()
    bad = tmp_path / "bad.xn"
    refused = 0
    for i in range(len(raw)):
        for bit in (0, 7):
            bad.write_bytes(raw[:i] + bytes([raw[i] ^ (1 << bit)]) + raw[i + 1 :])
            refused += not _loads_or_refuses(bad, original)
    assert refused > len(raw)  # most flips are caught by a checksum or a check


def test_every_truncation_is_refused(tmp_path):
    good = tmp_path / "good.xn"
    _small_checkpoint(good)
    raw = good.read_bytes()
    bad = tmp_path / "bad.xn"
    for n in range(0, len(raw), 7):
        bad.write_bytes(raw[:n])
        with pytest.raises(xn.CheckpointError):
            xn.load(bad)


def _rewrite(path, out, change=None, compress=zipfile.ZIP_STORED, meta_text=None):
    """Copy the archive, optionally changing meta.json and the members' compression."""
    with zipfile.ZipFile(path) as z:
        members = {n: z.read(n) for n in z.namelist()}
    meta = json.loads(members["meta.json"])
    if change is not None:
        change(meta)
        from xpnet._checkpoint import _manifest_digest

        meta["manifest_sha256"] = _manifest_digest(meta)  # a consistent, deliberate edit
    members["meta.json"] = meta_text if meta_text is not None else json.dumps(meta).encode()
    with zipfile.ZipFile(out, "w", compression=compress) as z:
        for n, data in members.items():
            z.writestr(n, data)


def _damaged(tmp_path, **rewrite):
    """A good small checkpoint, rewritten (``_rewrite``'s options) into bad.xn."""
    good, bad = tmp_path / "good.xn", tmp_path / "bad.xn"
    _small_checkpoint(good)
    _rewrite(good, bad, **rewrite)
    return bad


@pytest.mark.parametrize("version", [4, 2.0, True, "2", None])
def test_an_unknown_format_version_is_refused(tmp_path, version):
    bad = _damaged(tmp_path, change=lambda m: m.update(version=version))
    with pytest.raises(xn.CheckpointError, match="format version"):
        xn.load(bad)


def test_compressed_members_are_refused_before_inflating(tmp_path):
    # a 100 MB meta.json that deflates to about 100 KB: refused from the directory alone
    bomb = _damaged(tmp_path, compress=zipfile.ZIP_DEFLATED, meta_text=b" " * 100_000_000)
    assert bomb.stat().st_size < 1_000_000
    with pytest.raises(xn.CheckpointError, match="is compressed"):
        xn.load(bomb)


def test_an_encrypted_member_is_refused(tmp_path):
    good = tmp_path / "good.xn"
    _small_checkpoint(good)
    raw = bytearray(good.read_bytes())
    at = raw.find(b"PK\x01\x02")  # the first central directory entry: set "encrypted"
    raw[at + 8] |= 1
    bad = tmp_path / "bad.xn"
    bad.write_bytes(bytes(raw))
    with pytest.raises(xn.CheckpointError, match="encrypted"):
        xn.load(bad)


def test_deeply_nested_meta_is_refused(tmp_path):
    bad = _damaged(tmp_path, meta_text=b"[" * 200_000 + b"]" * 200_000)
    with pytest.raises(xn.CheckpointError, match=r"nested too deeply|not JSON"):
        xn.load(bad)


def test_a_huge_npy_header_is_refused_before_allocating(tmp_path):
    bad = tmp_path / "bad.xn"
    header = {"descr": "<f4", "fortran_order": False, "shape": (10**12,)}
    npy = b"\x93NUMPY\x01\x00"
    text = repr(header).encode()
    text += b" " * (-(len(text) + 11) % 64) + b"\n"
    npy += struct.pack("<H", len(text)) + text + b"\0" * 64
    meta = {"format": "xpnet-checkpoint", "version": 2,
            "tree": {"__tensor__": "a0", "dtype": "float32"},
            "arrays": {"a0": {"dtype": "<f4", "shape": [10**12], "sha256": "0" * 64}}}  # fmt: skip
    from xpnet._checkpoint import _manifest_digest

    meta["manifest_sha256"] = _manifest_digest(meta)
    with zipfile.ZipFile(bad, "w") as z:
        z.writestr("meta.json", json.dumps(meta))
        z.writestr("a0.npy", npy)
    with pytest.raises(xn.CheckpointError, match="declares 4000000000000 bytes"):
        xn.load(bad)  # a MemoryError (3.6 TiB) before


def test_paths_that_cannot_be_read():
    with pytest.raises(xn.CheckpointError, match="cannot read"):
        xn.load("a\0b.xn")
    with pytest.raises(xn.CheckpointError, match="cannot read"):
        xn.load("/nonexistent/dir/file.xn")
    with pytest.raises(xn.CheckpointError, match="cannot read"):
        xn.load_safetensors("/nonexistent/dir/file.safetensors")


def test_other_formats_are_named(tmp_path):
    torch = pytest.importorskip("torch")
    pt = tmp_path / "m.pt"
    torch.save(torch.nn.Linear(2, 2).state_dict(), pt)
    with pytest.raises(xn.CheckpointError, match=r"PyTorch file \(torch.save\).*torch.load"):
        xn.load(pt)
    npz = tmp_path / "a.npz"
    np.savez(npz, a=np.ones(3))
    with pytest.raises(xn.CheckpointError, match=r"NumPy \.npz"):
        xn.load(npz)


# -- safetensors -----------------------------------------------------------------------


def _st(header, data=b""):
    h = json.dumps(header).encode()
    return struct.pack("<Q", len(h)) + h + data


def _hostile_headers():
    """Headers of every wrong shape the fields can take."""
    good = {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}
    wrong = [None, True, -1, 1.5, "x", [], [1], [0, 8, 9], {}, [[]], 2**70, ["0", "8"]]
    out = []
    for field in good:
        for w in wrong:
            out.append({"w": {**good, field: w}})
        out.append({"w": {k: v for k, v in good.items() if k != field}})
    out += [{"w": w} for w in wrong]
    out += [{"__metadata__": w} for w in wrong if not isinstance(w, dict)]
    out += [
        {"__metadata__": {"a": 1}},
        {"__metadata__": {"a": None}},
        {"__metadata__": {"a": ["b"]}},
    ]
    out += [{"w": {**good, "extra": 1}}, {"w": {**good, "shape": [3]}},
            {"w": {**good, "data_offsets": [8, 16]}}, {"w": {**good, "data_offsets": [4, 12]}}]  # fmt: skip
    return out


@pytest.mark.parametrize("header", _hostile_headers(), ids=lambda h: json.dumps(h)[:40])
def test_hostile_safetensors_headers_are_checkpoint_errors(tmp_path, header):
    path = tmp_path / "bad.safetensors"
    path.write_bytes(_st(header, b"\0" * 8))
    with pytest.raises(xn.CheckpointError, match=r"bad\.safetensors"):
        xn.load_safetensors(path)
    if "__metadata__" in header:
        with pytest.raises(xn.CheckpointError, match="__metadata__"):
            xn.safetensors_metadata(path)


def test_duplicate_names_and_deep_nesting(tmp_path):
    path = tmp_path / "bad.safetensors"
    h = b'{"w":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"w":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}'
    path.write_bytes(struct.pack("<Q", len(h)) + h + b"\0")
    with pytest.raises(xn.CheckpointError, match="names 'w' twice"):
        xn.load_safetensors(path)
    h = b"[" * 100_000 + b"]" * 100_000
    path.write_bytes(struct.pack("<Q", len(h)) + h)
    with pytest.raises(xn.CheckpointError, match=r"nested too deeply|not valid JSON"):
        xn.load_safetensors(path)


def test_safetensors_bit_flips_and_truncations(tmp_path):
    good = tmp_path / "good.safetensors"
    xn.manual_seed(0)
    xn.save_safetensors(nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4)), good)
    original = xn.load_safetensors(good)
    raw = good.read_bytes()
    bad = tmp_path / "bad.safetensors"
    (n,) = struct.unpack("<Q", raw[:8])
    for i in range(8 + n):  # the header: flips are refused, or change nothing that is read
        bad.write_bytes(raw[:i] + bytes([raw[i] ^ 0x20]) + raw[i + 1 :])
        try:
            got = xn.load_safetensors(bad)
        except xn.CheckpointError:
            continue
        assert list(got) == list(original) or sorted(got) != sorted(original)  # renamed key
    for cut in range(0, len(raw), 5):
        bad.write_bytes(raw[:cut])
        with pytest.raises(xn.CheckpointError):
            xn.load_safetensors(bad)


def test_batchnorm_round_trips_with_0d_buffers(tmp_path):
    path = tmp_path / "bn.safetensors"
    xn.manual_seed(0)
    m = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4))
    m(xn.randn(8, 3))  # move the running statistics and the counter
    xn.save_safetensors(m, path)
    loaded = xn.load_safetensors(path)
    assert loaded["1.num_batches_tracked"].shape == ()
    twin = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4))
    twin.load_state_dict(loaded)  # strict: every key and shape
    for k, v in m.state_dict().items():
        np.testing.assert_array_equal(twin.state_dict()[k].numpy(), v.numpy())
    torch = pytest.importorskip("torch")
    st = pytest.importorskip("safetensors.torch")
    tm = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4))
    tm.load_state_dict(st.load_file(path))  # PyTorch reads it too (strict)
    assert int(tm[1].num_batches_tracked) == 1


def test_keys_come_in_file_order_and_metadata_must_be_strings(tmp_path):
    path = tmp_path / "o.safetensors"
    xn.save_safetensors({"z": xn.ones(2), "a": xn.zeros(3), "m": xn.ones(())}, path,
                        metadata={"step": "3"})  # fmt: skip
    assert list(xn.load_safetensors(path)) == ["z", "a", "m"]
    assert xn.safetensors_metadata(path) == {"step": "3"}
    with pytest.raises(xn.ArgumentTypeError, match="metadata"):
        xn.save_safetensors({"a": xn.ones(2)}, path, metadata={"step": 3})
