"""Every bad input we know of, the error it gets, and a check that nothing changed.

The table BAD_INPUTS is also rendered to docs/errors.md (test_docs_table_is_current
fails when the doc is stale; regenerate with ``python tests/test_bad_inputs.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

import xpnet as xn
from xpnet import nn

DOC = Path(__file__).resolve().parents[1] / "docs" / "errors.md"


def _strict(*shape, device=None):
    return xn.ones(*shape, backend="array_api_strict", device=device)


def _torch_ones(*shape):
    torch = pytest.importorskip("torch")
    return torch.ones(*shape)


def _truncated_safetensors():
    import tempfile

    pytest.importorskip("safetensors")
    with tempfile.TemporaryDirectory() as d:
        path = xn.save_safetensors({"w": xn.ones(4)}, Path(d) / "w.safetensors")
        path.write_bytes(path.read_bytes()[:-4])
        xn.load_safetensors(path)


def _freed_graph():
    x = xn.ones(2, requires_grad=True)
    y = (x.exp() * 2.0).sum()
    y.backward()
    y.backward()


def _modified_in_place():
    x = xn.ones(2, requires_grad=True)
    w = xn.ones(2)
    y = (x * w).sum()
    w += 1.0
    y.backward()


def _optimizer_twice():
    p = nn.Parameter(xn.ones(2))
    xn.optim.SGD([p, p], lr=0.1)


def _load_missing():
    m = nn.Linear(2, 2)
    m.load_state_dict({"weight": xn.zeros(2, 2)})


def _load_unexpected():
    m = nn.Linear(2, 2)
    m.load_state_dict({**m.state_dict(), "extra": xn.zeros(1)})


def _load_misshaped():
    m = nn.Linear(2, 2)
    m.load_state_dict({"weight": xn.zeros(3, 2), "bias": xn.zeros(2)})


def _cupy():
    try:
        import cupy
    except ImportError:
        pass
    else:
        try:
            usable = cupy.cuda.is_available()
        except Exception:
            usable = False
        if usable:  # nothing to refuse here; pytest.skip passes through pytest.raises
            pytest.skip("this machine has a usable GPU")
    xn.get_backend("cupy")


def _set_requires_grad_on_int():
    t = xn.tensor([1, 2])
    t.requires_grad = True


def _load_wrong_kind():
    nn.Linear(2, 2).load_state_dict({"weight": np.zeros((2, 2)), "bias": np.array(["a", "b"])})


def _edited_checkpoint():
    import json
    import tempfile
    import zipfile

    with tempfile.TemporaryDirectory() as d:
        path = f"{d}/a.xpn"
        xn.save({"w": xn.ones(2)}, path)
        with zipfile.ZipFile(path) as z:
            entries = {n: z.read(n) for n in z.namelist()}
        meta = json.loads(entries["meta.json"])
        meta["tree"]["__dict__"][0][1]["dtype"] = "int64"
        entries["meta.json"] = json.dumps(meta).encode()
        with zipfile.ZipFile(path, "w") as z:
            for n, data in entries.items():
                z.writestr(n, data)
        xn.load(path)


def _foreign_array():
    import array_api_strict

    nn.Linear(3, 2)(array_api_strict.ones((4, 3)))  # a raw array, not an xpnet Tensor


def _fit_on_nan():
    from xpnet.data import ArrayDataset, DataLoader

    x = np.full((8, 2), np.nan, dtype=np.float32)
    model = nn.Linear(2, 3)
    loader = DataLoader(ArrayDataset(x, np.zeros(8, dtype=np.int64)), 4)
    xn.train.fit(model, nn.functional.cross_entropy, xn.optim.SGD(model.parameters(), lr=0.1), loader, 1,
                 progress=False, log=None)  # fmt: skip


def _label_out_of_range_on_a_device():
    b = xn.get_backend("array_api_strict", "device1")
    loss = nn.functional.cross_entropy(xn.zeros(2, 3, backend=b), xn.tensor([0, 5], backend=b))
    loss.item()  # the first read after the call reports it


# (what was wrong, the call, the exception class, a regex the message must match)
BAD_INPUTS: list[tuple[str, Callable[[], object], type[BaseException], str]] = [
    (
        "matmul of (3, 4) and (5, 2)",
        lambda: xn.ones(3, 4) @ xn.ones(5, 2),
        xn.ShapeError,
        r"matmul: shapes \(3, 4\) and \(5, 2\) do not align",
    ),
    (
        "matmul of a 0-d tensor",
        lambda: xn.matmul(xn.ones(()), xn.ones(3)),
        xn.ShapeError,
        "at least 1 dimension",
    ),
    (
        "concat of 0-d tensors (a loop's scalars, as PyTorch's BiLSTM-CRF tutorial once did)",
        lambda: xn.cat([xn.ones(()), xn.ones(())]),
        xn.ShapeError,
        r"concat: the tensor at position 0 is 0-d .* reshape it to \(1,\) first",
    ),
    (
        "an index of a 0-d tensor (old code's loss.data[0])",
        lambda: xn.ones(())[0],
        xn.OutOfRangeError,
        r"getitem: 1 indices for a tensor of 0 dimension\(s\).*its value is \.item\(\)",
    ),
    (
        "sparse matrix times a dense one that does not align",
        lambda: xn.sparse_coo_tensor([[0, 1], [1, 0]], [1.0, 2.0], (2, 2)) @ xn.ones(3, 2),
        xn.ShapeError,
        r"mm: sparse \(2, 2\) and float32\[3, 2\] .* do not align",
    ),
    (
        "sparse matrix times a dense one on another backend",
        lambda: (
            xn.sparse_coo_tensor([[0], [1]], [1.0], (2, 2), backend="array_api_strict")
            @ xn.ones(2, 2)
        ),
        xn.DeviceError,
        r"mm: the sparse operand is on array_api_strict.*, the dense operand float32\[2, 2\] on numpy",
    ),
    (
        "LazyLinear given integers (refused before it takes a shape)",
        lambda: nn.LazyLinear(2)(xn.ones(2, 3, dtype="int64")),
        xn.DTypeError,
        r"LazyLinear: the input is int64; convert it with \.float\(\)",
    ),
    (
        "scatter_reduce with an unknown reduction",
        lambda: xn.zeros(3).scatter_reduce(0, xn.tensor([0]), xn.ones(1), "max"),
        xn.ArgumentError,
        r"scatter_reduce: reduce must be 'sum', 'prod', 'mean', 'amax' or 'amin', got 'max'",
    ),
    (
        "Linear(3, 4) given 5 features",
        lambda: nn.Linear(3, 4)(xn.ones(2, 5)),
        xn.ShapeError,
        r"in Linear\(in_features=3.*has 5 features",
    ),
    (
        "Linear inside Sequential given the wrong width",
        lambda: nn.Sequential(nn.Linear(3, 4), nn.Linear(5, 1))(xn.ones(1, 3)),
        xn.ShapeError,
        r"in Sequential\(\): in Linear\(in_features=5",
    ),
    (
        "Conv2d(3, ...) given 2 channels",
        lambda: nn.Conv2d(3, 4, 3)(xn.ones(1, 2, 5, 5)),
        xn.ShapeError,
        "input has 2 channels",
    ),
    (
        "Conv2d given a 3-D input",
        lambda: nn.Conv2d(1, 1, 3)(xn.ones(1, 5, 5)),
        xn.ShapeError,
        "expected a 4-D input",
    ),
    (
        "Conv2d kernel larger than the image",
        lambda: nn.Conv2d(1, 1, 5)(xn.ones(1, 1, 3, 3)),
        xn.ShapeError,
        "smaller than",
    ),
    (
        "broadcasting (3,) with (4,)",
        lambda: xn.ones(3) + xn.ones(4),
        xn.ShapeError,
        r"add\(float32\[3\] on numpy:cpu, float32\[4\] on numpy:cpu\)",
    ),
    (
        "reshape (2, 3) to (4, 2)",
        lambda: xn.ones(2, 3).reshape(4, 2),
        xn.ShapeError,
        r"cannot reshape .* \(2, 3\)",
    ),
    (
        "sum over axis 2 of a 2-D tensor",
        lambda: xn.ones(2, 3).sum(axis=2),
        xn.ShapeError,
        "axis 2 is out of range",
    ),
    (
        "tensors on two devices",
        lambda: _strict(2) + _strict(2, device="device1"),
        xn.DeviceError,
        "add: tensors on different devices.*CPU_DEVICE.*device1",
    ),
    (
        "tensors of two backends",
        lambda: xn.ones(2) * _strict(2),
        xn.BackendError,
        "multiply: tensors of different backends.*numpy.*array_api_strict",
    ),
    (
        "full with a tensor fill that does not broadcast to the shape",
        lambda: xn.full((2, 4), xn.ones(3)),
        xn.ShapeError,
        r"full: cannot broadcast shape \(3,\) to \(2, 4\)",
    ),
    (
        "a tensor on PyTorch's meta device (no values)",
        lambda: (pytest.importorskip("torch"), xn.tensor([1.0], backend="torch", device="meta")),
        xn.DeviceError,
        r"device 'meta' for backend 'torch': meta tensors hold no values",
    ),
    (
        "model on one device, input on another",
        lambda: nn.Linear(2, 2, backend="array_api_strict")(_strict(1, 2, device="device1")),
        xn.DeviceError,
        r"Linear\(.*parameters on array_api_strict:CPU_DEVICE.*input on array_api_strict:device1",
    ),
    (
        "integer tensor asked to require grad",
        lambda: xn.tensor([1, 2], requires_grad=True),
        xn.DTypeError,
        "only floating-point and complex tensors can require grad, got int64",
    ),
    (
        "boolean tensor asked to require grad",
        lambda: xn.tensor([True]).requires_grad_(),
        xn.DTypeError,
        "got bool",
    ),
    (
        "backward() on a non-scalar without a gradient",
        lambda: (xn.ones(3, requires_grad=True) * 2.0).backward(),
        xn.GraphError,
        r"non-scalar tensor of shape \(3,\) needs a gradient",
    ),
    (
        "backward() through a freed graph",
        _freed_graph,
        xn.GraphError,
        "second time.*retain_graph=True",
    ),
    (
        "an input modified in place after use",
        _modified_in_place,
        xn.GraphError,
        "modified in place after it was used",
    ),
    (
        "in-place update of a parameter outside no_grad",
        lambda: nn.Parameter(xn.ones(2)).__isub__(1.0),
        xn.GraphError,
        "under `with xn.no_grad",
    ),
    (
        "float labels to cross_entropy",
        lambda: nn.functional.cross_entropy(xn.zeros(2, 3), xn.tensor([0.0, 1.0])),
        xn.DTypeError,
        "class-index targets must be integers",
    ),
    (
        "class index out of range in cross_entropy",
        lambda: nn.functional.cross_entropy(xn.zeros(2, 3), xn.tensor([0, 3])),
        xn.OutOfRangeError,
        "class index 3 is out of range for 3 classes",
    ),
    (
        "load_state_dict with a missing key",
        _load_missing,
        xn.KeyMismatchError,
        r"missing keys \['bias'\]",
    ),
    (
        "load_state_dict with an unexpected key",
        _load_unexpected,
        xn.KeyMismatchError,
        r"unexpected keys \['extra'\]",
    ),
    (
        "load_state_dict with a mis-shaped tensor",
        _load_misshaped,
        xn.ShapeError,
        r"weight: checkpoint \(3, 2\) vs model \(2, 2\)",
    ),
    (
        "optimizer with no parameters",
        lambda: xn.optim.Adam([]),
        xn.ArgumentError,
        "empty parameter list",
    ),
    ("optimizer given a parameter twice", _optimizer_twice, xn.ArgumentError, "appears twice"),
    (
        "item() of a tensor with more than one element",
        lambda: xn.ones(3).item(),
        xn.ShapeError,
        r"item\(\) needs a tensor of one element, got shape \(3,\)",
    ),
    (
        "unknown backend name",
        lambda: xn.get_backend("tensorflow"),
        xn.BackendError,
        "unknown backend 'tensorflow'; known backends: numpy",
    ),
    (
        "unknown device string",
        lambda: xn.get_backend("array_api_strict", "gpu7"),
        xn.DeviceError,
        "unknown device 'gpu7'",
    ),
    (
        "numpy asked for a GPU",
        lambda: xn.get_backend("numpy", "cuda:0"),
        xn.DeviceError,
        "only the 'cpu' device",
    ),
    ("CuPy with no usable GPU", _cupy, xn.BackendUnavailableError, "cupy"),
    (
        "Embedding given a negative index",
        lambda: nn.Embedding(10, 3)(xn.tensor([0, -1])),
        xn.OutOfRangeError,
        "embedding: index -1 is out of range for 10 rows",
    ),
    (
        "Embedding given an index past its table",
        lambda: nn.Embedding(10, 3)(xn.tensor([10])),
        xn.OutOfRangeError,
        "embedding: index 10 is out of range for 10 rows",
    ),
    (
        "class index out of range on a device (reported at the next read)",
        _label_out_of_range_on_a_device,
        xn.OutOfRangeError,
        "cross_entropy: a class index was out of range for 3 classes .* first read",
    ),
    (
        "Conv2d with stride 0",
        lambda: nn.Conv2d(1, 1, 3, stride=0),
        xn.ArgumentError,
        "Conv2d: stride must be an int or a pair of positive ints, got 0",
    ),
    (
        "conv2d with dilation 0",
        lambda: nn.functional.conv2d(xn.ones(1, 1, 4, 4), xn.ones(1, 1, 2, 2), dilation=0),
        xn.ArgumentError,
        "conv2d: dilation must be an int or a pair of positive ints",
    ),
    (
        "pooling padding over half the kernel",
        lambda: nn.MaxPool2d(2, padding=2)(xn.ones(1, 1, 4, 4)),
        xn.ArgumentError,
        r"max_pool2d: padding \(2, 2\) is more than half the kernel",
    ),
    (
        "requires_grad = True on an integer tensor",
        _set_requires_grad_on_int,
        xn.DTypeError,
        "only floating-point and complex tensors can require grad",
    ),
    (
        "load_state_dict with a value that is no number",
        _load_wrong_kind,
        xn.DTypeError,
        "load_state_dict into Linear: key 'bias'",
    ),
    (
        "an array of another library in an operation",
        _foreign_array,
        xn.BackendError,
        "operations take xpnet Tensors",
    ),
    (
        "a checkpoint whose meta.json was edited",
        _edited_checkpoint,
        xn.CheckpointError,
        "manifest .* fails its checksum",
    ),
    (
        "fit on data that makes the loss NaN",
        _fit_on_nan,
        xn.NonFiniteError,
        "training loss became NaN or infinite in epoch 1",
    ),
    (
        "float64 on a device without it",
        lambda: xn.zeros(2, dtype="float64", backend="array_api_strict", device="no_float64"),
        xn.DTypeError,
        "has no float64",
    ),
    (
        "unknown dtype name",
        lambda: xn.zeros(2, dtype="float33"),
        xn.DTypeError,
        "unknown dtype 'float33'",
    ),
    (
        "checkpoint of an unsupported object",
        lambda: xn.save({"f": lambda: 0}, "/nonexistent/never-written.xpn"),
        xn.CheckpointError,
        "cannot hold",
    ),
    (
        "loading a file that is not a checkpoint",
        lambda: xn.load(__file__),
        xn.CheckpointError,
        "corrupt or truncated",
    ),
    (
        "NaN produced under detect_anomaly",
        lambda: _anomaly(),
        xn.AnomalyError,
        r"log\(float32\[2\].*NaN or Inf",
    ),
    (
        "a float64 input to a float32 Linear",
        lambda: nn.Linear(3, 2)(xn.ones(4, 3, dtype="float64")),
        xn.DTypeError,
        "linear: the input is float64 but the parameters are float32",
    ),
    (
        "a torch tensor passed to a layer",
        lambda: nn.Linear(3, 2)(_torch_ones(4, 3)),
        xn.BackendError,
        r"linear: got a torch\.Tensor beside .*Convert arrays first",
    ),
    (
        "an unknown keyword on a Tensor method",
        lambda: xn.ones(2, 2).sum(dims=1),
        xn.ArgumentTypeError,
        r"sum\(\) got an unknown keyword dims=; it takes axis \(or dim\)",
    ),
    (
        "tensor.data = an array of another shape",
        lambda: setattr(xn.ones(2), "data", np.ones(3, np.float32)),
        xn.ShapeError,
        r"tensor\.data = \.\.\.: an array of shape \(3,\)",
    ),
    (
        "Sequential index out of range",
        lambda: nn.Sequential(nn.ReLU())[1],
        xn.OutOfRangeError,
        "Sequential index 1 is out of range",
    ),
    (
        "ModuleDict key that is not there",
        lambda: nn.ModuleDict({"a": nn.ReLU()})["b"],
        xn.KeyMismatchError,
        r"ModuleDict has no module 'b'; it has \['a'\]",
    ),
    (
        "fit with grad_accumulation_steps=0",
        lambda: xn.train.fit(
            nn.Linear(1, 1),
            nn.functional.mse_loss,
            xn.optim.SGD(nn.Linear(1, 1).parameters(), lr=0.1),
            [],
            1,
            grad_accumulation_steps=0,
        ),
        xn.ArgumentError,
        "grad_accumulation_steps must be a positive int",
    ),
    (
        "load_safetensors of a truncated file",
        lambda: _truncated_safetensors(),
        xn.CheckpointError,
        "truncated",
    ),
    (
        "xn.load of a file that is not there",
        lambda: xn.load("/nonexistent/model.xn"),
        xn.CheckpointError,
        "load: cannot read /nonexistent/model.xn",
    ),
    (
        "xn.load of a torch.save file",
        lambda: _torch_saved(),
        xn.CheckpointError,
        r"is a PyTorch file \(torch.save\); read it with torch.load",
    ),
    (
        "xn.load of a whole model without weights_only=False",
        lambda: _whole_model_loaded(),
        xn.CheckpointError,
        r"holds objects saved whole \(xpnet\.nn\.Linear\).*takes weights_only=False",
    ),
    (
        "fit(resume=True) from a model's state_dict",
        lambda: _resume_from_weights(),
        xn.CheckpointError,
        "is not a checkpoint written by fit",
    ),
    (
        "binary_cross_entropy of logits (values outside [0, 1])",
        lambda: nn.functional.binary_cross_entropy(xn.tensor([2.0]), xn.tensor([1.0])),
        xn.ArgumentError,
        r"input holds values outside \[0, 1\].*binary_cross_entropy_with_logits",
    ),
    (
        "binary_cross_entropy of a NaN prediction (PyTorch raises too)",
        lambda: nn.functional.binary_cross_entropy(
            xn.tensor([float("nan"), 0.5]), xn.tensor([1.0, 0.0])
        ),
        xn.ArgumentError,
        r"input holds values outside \[0, 1\] \(or NaN\)",
    ),
    (
        "load_state_dict given a module instead of its state_dict",
        lambda: nn.Linear(2, 2).load_state_dict(nn.Linear(2, 2)),  # type: ignore[arg-type]
        xn.ArgumentTypeError,
        r"takes a mapping of names to tensors, got a Linear; pass its state_dict\(\)",
    ),
    (
        "t.max(other) (PyTorch's elementwise form)",
        lambda: xn.ones(2).max(xn.ones(2)),
        xn.ArgumentTypeError,
        r"for the elementwise max of two tensors use xn.maximum\(a, b\)",
    ),
    (
        "GradScaler.update() without a step",
        lambda: xn.amp.GradScaler().update(),
        xn.ArgumentError,
        r"update\(\) without scaler.step\(optimizer\)",
    ),
    (
        "grad(has_aux=True) of a function returning one value",
        lambda: xn.grad(lambda x: (x * x).sum(), has_aux=True)(xn.ones(2)),
        xn.ArgumentTypeError,
        r"must return a pair \(value, aux\)",
    ),
]


def _torch_saved():
    torch = pytest.importorskip("torch")
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        torch.save({"w": torch.ones(2)}, Path(d) / "m.pt")
        xn.load(Path(d) / "m.pt")


def _whole_model_loaded():
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        xn.save(nn.Linear(1, 1), Path(d) / "m.pt")
        xn.load(Path(d) / "m.pt")


def _resume_from_weights():
    import tempfile

    m = nn.Linear(1, 1)
    with tempfile.TemporaryDirectory() as d:
        xn.save(m.state_dict(), Path(d) / "w.xn")
        opt = xn.optim.SGD(m.parameters(), lr=0.1)
        xn.train.fit(
            m, nn.functional.mse_loss, opt, [], 1, checkpoint=Path(d) / "w.xn", resume=True
        )


def _anomaly():
    with xn.detect_anomaly(), np.errstate(all="ignore"):
        xn.log(xn.tensor([-1.0, 1.0]))


@pytest.mark.parametrize("case", BAD_INPUTS, ids=[c[0] for c in BAD_INPUTS])
def test_bad_input(case):
    _, call, exc, pattern = case
    with pytest.raises(exc, match=pattern) as info:
        call()
    assert isinstance(info.value, xn.XpnetError), f"{type(info.value).__name__} is no XpnetError"


def render() -> str:
    lines = [
        "# Bad inputs and the errors they get",
        "",
        "Generated from `tests/test_bad_inputs.py` (each row is a test). Every xpnet error derives",
        "from `xn.XpnetError` and from the built-in exception Python code already catches.",
        "",
        "| bad input | exception | the message says (regex) |",
        "| --- | --- | --- |",
    ]
    for what, _, exc, pattern in BAD_INPUTS:
        escaped = pattern.replace("|", "\\|")
        lines.append(f"| {what} | `{exc.__name__}` | `{escaped}` |")
    return "\n".join(lines) + "\n"


def test_docs_table_is_current():
    assert DOC.read_text() == render(), (
        "docs/errors.md is stale: run python tests/test_bad_inputs.py"
    )


def test_errors_change_nothing():
    m = nn.Linear(2, 2)
    before = {k: v.numpy() for k, v in m.state_dict().items()}
    for bad in ({"weight": xn.zeros(3, 2), "bias": xn.zeros(2)}, {"weight": xn.zeros(2, 2)}):
        with pytest.raises((xn.ShapeError, KeyError)):
            m.load_state_dict(bad)
    assert all(np.array_equal(before[k], v.numpy()) for k, v in m.state_dict().items())
    opt = xn.optim.SGD(m.parameters(), lr=0.1)
    with pytest.raises(ValueError):
        opt.add_param_group({"params": [m.weight]})
    assert len(opt.param_groups) == 1


if __name__ == "__main__":
    DOC.write_text(render())
    print(f"wrote {DOC}")
