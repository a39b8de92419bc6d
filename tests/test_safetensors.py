"""Weights through safetensors both ways with PyTorch (MLP and CNN with BatchNorm), bad files."""

from __future__ import annotations

import json
import struct

import numpy as np
import pytest

import xpnet as xn
from xpnet import nn

pytest.importorskip("safetensors")


def _mlp_xn():
    return nn.Sequential(nn.Linear(6, 16), nn.Tanh(), nn.Linear(16, 3))


def _mlp_torch(torch):
    T = torch.nn
    return T.Sequential(T.Linear(6, 16), T.Tanh(), T.Linear(16, 3))


def _cnn_xn():
    return nn.Sequential(
        nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(4 * 4 * 4, 10), nn.BatchNorm1d(10),
    )  # fmt: skip


def _cnn_torch(torch):
    T = torch.nn
    return T.Sequential(
        T.Conv2d(1, 4, 3, padding=1), T.BatchNorm2d(4), T.ReLU(), T.MaxPool2d(2),
        T.Flatten(), T.Linear(4 * 4 * 4, 10), T.BatchNorm1d(10),
    )  # fmt: skip


def _trained_torch(torch, model, x):
    # A few training steps so the BatchNorm running statistics are not their defaults.
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    for _ in range(3):
        opt.zero_grad()
        model(x).square().mean().backward()
        opt.step()
    return model.eval()


CASES = [("mlp", _mlp_xn, _mlp_torch, (5, 6)), ("cnn-bn", _cnn_xn, _cnn_torch, (5, 1, 8, 8))]


@pytest.mark.parametrize("name, make_xn, make_torch, shape", CASES, ids=[c[0] for c in CASES])
def test_pytorch_weights_load_into_xpnet(tmp_path, name, make_xn, make_torch, shape):
    torch = pytest.importorskip("torch")
    from safetensors.torch import save_file

    torch.manual_seed(0)
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    tm = _trained_torch(torch, make_torch(torch), torch.tensor(x))
    path = tmp_path / "torch.safetensors"
    save_file(tm.state_dict(), str(path))
    model = make_xn()
    model.load_state_dict(xn.load_safetensors(path))
    model.eval()
    with torch.no_grad():
        expected = tm(torch.tensor(x)).numpy()
    np.testing.assert_allclose(model(xn.tensor(x)).numpy(), expected, rtol=1e-5, atol=1e-5)
    if name == "cnn-bn":  # buffers too, the integer counter included
        assert model[1].num_batches_tracked.item() == 3
        np.testing.assert_allclose(model[1].running_var.numpy(), tm[1].running_var.numpy())


@pytest.mark.parametrize("name, make_xn, make_torch, shape", CASES, ids=[c[0] for c in CASES])
def test_xpnet_weights_load_into_pytorch(tmp_path, name, make_xn, make_torch, shape):
    torch = pytest.importorskip("torch")
    from safetensors.torch import load_file

    xn.manual_seed(0)
    model = make_xn()
    x = np.random.default_rng(1).standard_normal(shape).astype(np.float32)
    opt = xn.optim.SGD(model.parameters(), lr=0.1)
    for _ in range(2):
        opt.zero_grad()
        (model(xn.tensor(x)) ** 2).mean().backward()
        opt.step()
    model.eval()
    path = xn.save_safetensors(model, tmp_path / "xpnet.safetensors", metadata={"by": "xpnet"})
    tm = make_torch(torch)
    tm.load_state_dict(load_file(str(path)))  # strict: every key and shape matches
    tm.eval()
    with torch.no_grad():
        expected = tm(torch.tensor(x)).numpy()
    np.testing.assert_allclose(model(xn.tensor(x)).numpy(), expected, rtol=1e-5, atol=1e-5)
    assert xn.safetensors_metadata(path) == {"by": "xpnet"}


def test_round_trip_keeps_dtypes_on_each_backend(tmp_path, backend):
    state = {
        "f32": xn.tensor([1.5, -2.0], dtype="float32"),
        "i64": xn.tensor([1, 2, 3], dtype="int64"),
        "i32": xn.tensor([7], dtype="int32"),
        "u8": xn.tensor([255], dtype="uint8"),
        "b": xn.tensor([True, False]),
        "f16": np.array([0.5], np.float16),
        "f64": np.array([0.1], np.float64),
    }
    path = xn.save_safetensors(state, tmp_path / "d.safetensors")
    kept = {k: v for k, v in state.items() if k not in ("f16", "f64")}
    extra = [k for k, dt in (("f16", "float16"), ("f64", "float64")) if _has(backend, dt)]
    if len(extra) < 2:  # a dtype this backend lacks is refused, naming the tensor
        with pytest.raises(xn.CheckpointError, match=r"which .* cannot hold"):
            xn.load_safetensors(path, backend=backend, device=backend.device)
        path = xn.save_safetensors({**kept, **{k: state[k] for k in extra}}, path)
    back = xn.load_safetensors(path, backend=backend, device=backend.device)
    assert sorted(back) == sorted([*kept, *extra])
    for k, v in back.items():
        want = np.asarray(state[k])
        assert v.backend is backend and backend.dtype_name(v.dtype) == want.dtype.name
        np.testing.assert_array_equal(v.numpy(), want)


def _has(backend, dtype):
    try:
        backend.dtype(dtype)
    except xn.DTypeError:
        return False
    return True


def test_load_state_dict_takes_torch_tensors_and_numpy_arrays():
    torch = pytest.importorskip("torch")
    tm = _mlp_torch(torch)
    model = _mlp_xn()
    model.load_state_dict(tm.state_dict())  # torch tensors, through DLPack
    np.testing.assert_array_equal(model[0].weight.numpy(), tm[0].weight.detach().numpy())
    assert model[0].weight.data is not None and model[0].weight.backend.name == "numpy"
    model.load_state_dict({k: v.detach().numpy() * 2 for k, v in tm.state_dict().items()})
    np.testing.assert_array_equal(model[2].bias.numpy(), tm[2].bias.detach().numpy() * 2)
    bad = dict(tm.state_dict())
    bad["2.weight"] = torch.zeros(4, 16)
    before = model[0].weight.numpy().copy()
    with pytest.raises(xn.ShapeError, match=r"2\.weight: checkpoint \(4, 16\) vs model \(3, 16\)"):
        model.load_state_dict(bad)
    np.testing.assert_array_equal(model[0].weight.numpy(), before)  # nothing was written


def _file(header: dict, data: bytes) -> bytes:
    h = json.dumps(header).encode()
    return struct.pack("<Q", len(h)) + h + data


@pytest.mark.parametrize(
    "content, pattern",
    [
        (b"abc", "too short for a safetensors file"),
        (struct.pack("<Q", 500) + b"{}", "header claims 500 bytes"),
        (struct.pack("<Q", 4) + b"{no}", "not valid JSON"),
        (_file({"w": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}}, b"\0" * 8),
         "'w' .* needs 16 bytes but its offsets are \\[0, 16\\) in a data section of 8 bytes"),
        (_file({"w": {"dtype": "F32", "shape": [3], "data_offsets": [0, 16]}}, b"\0" * 16),
         "needs 12 bytes"),
        (_file({"w": {"dtype": "BF16", "shape": [2], "data_offsets": [0, 4]}}, b"\0" * 4),
         "'w' is bfloat16, which Backend\\('numpy'.*pass dtype='float32'"),
        (_file({"w": {"dtype": "F8_E4M3", "shape": [2], "data_offsets": [0, 2]}}, b"\0" * 2),
         "'w' has dtype F8_E4M3, which xpnet cannot represent"),
        (_file({"a": {"dtype": "U8", "shape": [4], "data_offsets": [0, 4]},
                "b": {"dtype": "U8", "shape": [4], "data_offsets": [2, 6]}}, b"\0" * 6),
         "tensor 'b' overlaps the tensor before it"),
        (_file({"w": {"dtype": "F32"}}, b""), "malformed header entry"),
    ],
    ids=["short", "truncated-header", "bad-json", "truncated-data", "mismatched-shape", "bf16",
         "f8", "overlap", "malformed"],
)  # fmt: skip
def test_bad_files_are_clear_errors(tmp_path, content, pattern):
    path = tmp_path / "bad.safetensors"
    path.write_bytes(content)
    with pytest.raises(xn.CheckpointError, match=pattern):
        xn.load_safetensors(path)


def test_a_truncated_real_file_loads_nothing(tmp_path):
    path = xn.save_safetensors(_mlp_xn(), tmp_path / "m.safetensors")
    path.write_bytes(path.read_bytes()[:-10])
    with pytest.raises(xn.CheckpointError, match="truncated"):
        xn.load_safetensors(path)


def test_save_is_atomic_and_refuses_bad_values_before_writing(tmp_path, monkeypatch):
    path = xn.save_safetensors({"a": xn.ones(2)}, tmp_path / "w.safetensors")
    good = path.read_bytes()
    with pytest.raises(xn.ArgumentTypeError, match=r"'b' is a builtins\.str"):
        xn.save_safetensors({"a": xn.ones(3), "b": "text"}, path)
    with pytest.raises(xn.DTypeError, match="'c' has dtype complex64"):
        xn.save_safetensors({"c": np.ones(2, np.complex64)}, path)
    import xpnet._atomic as A

    def crash(*a, **k):
        raise OSError("disk full")

    monkeypatch.setattr(A.os, "fsync", crash)  # the new bytes are written, then the sync fails
    with pytest.raises(OSError, match="disk full"):
        xn.save_safetensors({"a": xn.zeros(5)}, path)
    assert path.read_bytes() == good and list(tmp_path.iterdir()) == [path]


def test_bfloat16_round_trips_and_reads_in_pytorch(tmp_path):
    torch = pytest.importorskip("torch")
    from safetensors.torch import load_file, save_file

    values = torch.tensor([[1.5, -2.0, 3.140625], [0.0, 1e-3, 65504.0]]).to(torch.bfloat16)
    path = tmp_path / "bf16.safetensors"
    xn.save_safetensors({"w": xn.asarray(values)}, path)
    np.testing.assert_array_equal(load_file(path)["w"].float().numpy(), values.float().numpy())
    back = xn.load_safetensors(path, backend="torch")["w"]
    assert back.backend.dtype_name(back.dtype) == "bfloat16"
    np.testing.assert_array_equal(back.float().numpy(), values.float().numpy())
    save_file({"w": values}, tmp_path / "torch.safetensors")  # a checkpoint from the hub
    host = xn.load_safetensors(tmp_path / "torch.safetensors", dtype="float32")["w"]
    assert host.backend.name == "numpy" and host.dtype == np.float32
    np.testing.assert_array_equal(host.numpy(), values.float().numpy())
