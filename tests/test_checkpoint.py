"""Checkpoints: portable round trips, atomic writes, and clear errors for damaged files."""

from __future__ import annotations

import json
import os
import zipfile

import numpy as np
import pytest

import xpnet as xn
from xpnet import nn


def _obj():
    xn.manual_seed(0)
    m = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4))
    return {
        "model": m.state_dict(),
        "epoch": 7,
        "history": [0.5, 0.25, float("inf")],
        "meta": {"name": "run", 3: (1, 2.5, None, True)},
        "array": np.arange(6).reshape(2, 3),
    }


def test_roundtrip_onto_every_backend(backend, tmp_path):
    obj = _obj()  # float32 and int64 only, so the no_float64 device takes it too
    xn.save(obj, tmp_path / "a.xpn")
    got = xn.load(tmp_path / "a.xpn", backend=backend, device=backend.device)
    assert got["epoch"] == 7 and got["history"] == [0.5, 0.25, float("inf")]
    assert got["meta"] == {"name": "run", 3: (1, 2.5, None, True)}
    np.testing.assert_array_equal(got["array"], obj["array"])
    for k, v in obj["model"].items():
        t = got["model"][k]
        assert t.backend is backend and t.dtype == backend.dtype(v.backend.dtype_name(v.dtype))
        np.testing.assert_array_equal(t.numpy(), v.numpy())


def test_load_defaults_to_the_current_backend(tmp_path):
    xn.save({"w": xn.ones(2)}, tmp_path / "a.xpn")
    with xn.use_backend("array_api_strict", "device1") as b:
        assert xn.load(tmp_path / "a.xpn")["w"].backend is b


def test_unsavable_objects_are_refused_before_writing(tmp_path):
    path = tmp_path / "a.xpn"
    xn.save({"ok": 1}, path)
    with pytest.raises(xn.CheckpointError, match=r"obj\['bad'\] is a object"):
        xn.save({"bad": object()}, path)
    with pytest.raises(xn.CheckpointError, match="key of type"):
        xn.save({(1, 2): 3}, path)
    assert xn.load(path) == {"ok": 1}
    assert sorted(os.listdir(tmp_path)) == ["a.xpn"]  # no temporary files left behind


def test_truncated_file_is_a_clear_error(tmp_path):
    path = tmp_path / "a.xpn"
    xn.save(_obj(), path)
    raw = path.read_bytes()
    for cut in (10, len(raw) // 2, len(raw) - 30):
        path.write_bytes(raw[:cut])
        with pytest.raises(xn.CheckpointError, match="corrupt or truncated"):
            xn.load(path)


def test_bit_flip_in_weights_is_caught_by_the_checksum(tmp_path):
    path = tmp_path / "a.xpn"
    xn.save({"w": xn.arange(0, 64, dtype="float32")}, path)
    raw = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as z:
        info = z.getinfo("a0.npy")
    # Flip one bit in the array payload (past the local header and the .npy header).
    pos = info.header_offset + 30 + len(info.filename) + 128 + 40
    raw[pos] ^= 0x04
    path.write_bytes(bytes(raw))
    with pytest.raises(xn.CheckpointError, match=r"checksum|corrupt"):
        xn.load(path)


def test_not_a_checkpoint(tmp_path):
    path = tmp_path / "x.zip"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("meta.json", json.dumps({"format": "other"}))
    with pytest.raises(xn.CheckpointError, match="not an xpnet checkpoint"):
        xn.load(path)
    with pytest.raises(xn.CheckpointError, match="cannot read"):
        xn.load(tmp_path / "missing.xpn")


def test_no_pickle_in_the_file(tmp_path):
    xn.save(_obj(), tmp_path / "a.xpn")
    with zipfile.ZipFile(tmp_path / "a.xpn") as z:
        for name in z.namelist():
            if name.endswith(".npy"):
                with z.open(name) as f:
                    np.lib.format.read_array(f, allow_pickle=False)
