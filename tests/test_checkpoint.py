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


def _rewrite_meta(path, edit, *, redigest):
    """Rewrite meta.json of a checkpoint with ``edit(meta)`` (and a recomputed digest if asked)."""
    from xpnet._checkpoint import _manifest_digest

    with zipfile.ZipFile(path) as z:
        entries = {n: z.read(n) for n in z.namelist()}
    meta = json.loads(entries["meta.json"])
    edit(meta)
    if redigest:
        meta["manifest_sha256"] = _manifest_digest(meta)
    entries["meta.json"] = json.dumps(meta).encode()
    with zipfile.ZipFile(path, "w") as z:
        for n, data in entries.items():
            z.writestr(n, data)


def _first_tensor(meta):
    return meta["tree"]["__dict__"][0][1]  # {"w": tensor} -> the tensor node


# (what the edit does, the edit, what the error says once the digest is made to match)
EDITS = [
    (
        "dtype changed to int64",
        lambda m: _first_tensor(m).update(dtype="int64"),
        "says dtype 'int64'",
    ),
    ("unknown dtype", lambda m: _first_tensor(m).update(dtype="float33"), "says dtype 'float33'"),
    ("missing array", lambda m: _first_tensor(m).update(__tensor__="a9"), "array 'a9'"),
    (
        "requires_grad not a bool",
        lambda m: _first_tensor(m).update(requires_grad="yes"),
        "requires_grad 'yes'",
    ),
    (
        "dict entry not a pair",
        lambda m: m["tree"]["__dict__"].append([1, 2, 3]),
        "not a \\[key, value\\] pair",
    ),
    (
        "bad non-finite float",
        lambda m: m["tree"]["__dict__"].append(["f", {"__float__": "nan2"}]),
        "non-finite float",
    ),
    (
        "unknown node",
        lambda m: m["tree"]["__dict__"].append(["s", {"__pickle__": []}]),
        "unknown node",
    ),
    (
        "malformed set",
        lambda m: m["tree"]["__dict__"].append(["s", {"__set__": []}]),
        "malformed set",
    ),
    (
        "reference to nothing",
        lambda m: m["tree"]["__dict__"].append(["r", {"__ref__": "a7"}]),
        "refers to 'a7', which the file does not define before it",
    ),
    (
        "parameter flag not a bool",
        lambda m: _first_tensor(m).update(parameter=1),
        "parameter 1, not booleans",
    ),
    ("malformed array table", lambda m: m["arrays"].update(a0=[1, 2]), "malformed entry"),
    ("tree not a node", lambda m: m.update(tree={"__tuple__": 3}), "malformed tuple"),
    ("extra tensor field", lambda m: _first_tensor(m).update(shape=[2]), "unknown fields"),
]


@pytest.mark.parametrize("edit", EDITS, ids=[e[0] for e in EDITS])
def test_an_edited_manifest_is_a_checkpoint_error(tmp_path, edit):
    _, change, says = edit
    path = tmp_path / "a.xpn"
    xn.save({"w": xn.arange(0, 4, dtype="float32")}, path)
    _rewrite_meta(path, change, redigest=False)
    with pytest.raises(xn.CheckpointError, match=r"manifest .* fails its checksum"):
        xn.load(path)
    # The same edit with a matching digest (a bug, or a deliberate edit) is still caught.
    xn.save({"w": xn.arange(0, 4, dtype="float32")}, path)
    _rewrite_meta(path, change, redigest=True)
    with pytest.raises(xn.CheckpointError, match=says):
        xn.load(path)


def test_version_1_files_still_load(tmp_path):
    path = tmp_path / "v1.xpn"
    xn.save({"w": xn.arange(0, 3, dtype="float32"), "n": 5}, path)

    def downgrade(meta):
        meta["version"] = 1
        del meta["manifest_sha256"]

    _rewrite_meta(path, downgrade, redigest=False)
    got = xn.load(path)
    assert got["w"].tolist() == [0.0, 1.0, 2.0] and got["n"] == 5


def test_arrays_of_other_libraries_are_saved_as_their_values(tmp_path):
    torch = pytest.importorskip("torch")
    path = tmp_path / "foreign.xpn"
    xn.save({"t": torch.arange(3, dtype=torch.float32), "n": np.ones(2, np.int32)}, path)
    back = xn.load(path, backend="numpy")
    assert back["t"].numpy().tolist() == [0.0, 1.0, 2.0] and back["t"].dtype == np.float32
    assert back["n"].dtype == np.int32


def test_an_unsavable_value_is_named_by_its_type(tmp_path):
    with pytest.raises(
        xn.CheckpointError,
        match=r"obj\['t'\] is a list_iterator, which a checkpoint cannot hold .its class",
    ):
        xn.save({"t": iter([1, 2])}, tmp_path / "bad.xpn")
    assert not (tmp_path / "bad.xpn").exists()


@pytest.mark.parametrize("name", ["torch", "jax"])
def test_bfloat16_tensors_save_as_their_bits_and_read_back_exactly(tmp_path, name):
    try:
        b = xn.get_backend(name)
    except xn.BackendUnavailableError as e:
        pytest.skip(f"{name} unavailable: {e}")
    values = [1.5, 2.25, -3.0e38, 1e-40, 0.0]
    t = xn.tensor(values, dtype="bfloat16", backend=b)
    host = t.numpy()  # ml_dtypes' bfloat16 (JAX's own host type), not an error
    assert host.dtype.name == "bfloat16"
    xn.save({"t": t}, tmp_path / "bf16.xpn")
    back = xn.load(tmp_path / "bf16.xpn", backend=b)["t"]
    assert b.dtype_name(back.dtype) == "bfloat16"
    np.testing.assert_array_equal(back.numpy().astype(np.float32), host.astype(np.float32))
    assert "bfloat16" in repr(back)


def test_open_files_and_buffers_like_torch_save(tmp_path):
    """PyTorch's ``torch.save(obj, f)`` / ``torch.load(f)`` with an open file (the word
    language model example's ``with open(args.save, 'wb') as f``) and an in-memory buffer."""
    import io

    xn.manual_seed(0)
    model = nn.Linear(3, 2)
    path = tmp_path / "model.pt"
    with open(path, "wb") as f:
        xn.save(model.state_dict(), f)
        assert not f.closed
    with open(path, "rb") as f:
        back = xn.load(f)
        assert not f.closed
    for k, v in model.state_dict().items():
        np.testing.assert_array_equal(back[k].numpy(), v.numpy())
    buffer = io.BytesIO()
    xn.save({"w": model.weight, "step": 3}, buffer)
    buffer.seek(0)
    assert xn.load(buffer)["step"] == 3

    class Stream(io.RawIOBase):  # a pipe or socket: no seeking
        def __init__(self, data):
            self.data = io.BytesIO(data)

        def readable(self):
            return True

        def readinto(self, b):
            return self.data.readinto(b)

    stream = io.BufferedReader(Stream(path.read_bytes()))
    assert not stream.seekable()
    assert xn.load(stream)["weight"].shape == (2, 3)


def test_an_unsavable_object_writes_nothing_to_an_open_file(tmp_path):
    import io

    buffer = io.BytesIO(b"keep")
    buffer.seek(4)
    with pytest.raises(xn.CheckpointError, match="cannot hold"):
        xn.save({"fn": lambda: 0}, buffer)
    assert buffer.getvalue() == b"keep"
    buffer = io.BytesIO(b"not a checkpoint")
    with pytest.raises(xn.CheckpointError, match="BytesIO is corrupt or truncated"):
        xn.load(buffer)


def test_load_takes_pytorchs_map_location_and_weights_only(tmp_path):
    """net.load_state_dict(torch.load(PATH, map_location='cpu', weights_only=True))."""
    xn.manual_seed(0)
    net = nn.Linear(3, 2)
    xn.save(net.state_dict(), tmp_path / "net.pt")
    sd = xn.load(tmp_path / "net.pt", map_location="cpu", weights_only=True)
    assert sd["weight"].backend.name == "numpy"
    sd = xn.load(tmp_path / "net.pt", map_location=xn.device("cpu"))
    other = nn.Linear(3, 2)
    other.load_state_dict(xn.load(tmp_path / "net.pt", weights_only=True))
    np.testing.assert_array_equal(other.weight.numpy(), net.weight.numpy())
    with pytest.raises(xn.CheckpointError, match="functions and dicts are not supported"):
        xn.load(tmp_path / "net.pt", map_location=lambda storage, loc: storage)
    with pytest.raises(xn.CheckpointError, match="map_location or backend/device"):
        xn.load(tmp_path / "net.pt", map_location="cpu", backend="numpy")
