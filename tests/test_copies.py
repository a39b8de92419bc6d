"""copy.deepcopy and pickle of what users copy (PyTorch's rules): backends (the same
object), leaf tensors and parameters (their own array, requires_grad, a copy of .grad),
modules (a best-model snapshot, an EMA or target network), optimizers and their state
dicts, and a compiled step's scalar slots. A tensor computed by an op refuses, as in
PyTorch."""

from __future__ import annotations

import copy
import pickle

import numpy as np
import pytest

import xpnet as xn
from xpnet import nn

from .compile.steps import train_step


def _roundtrip(obj, how):
    return copy.deepcopy(obj) if how == "deepcopy" else pickle.loads(pickle.dumps(obj))


HOW = ["deepcopy", "pickle"]


@pytest.mark.parametrize("how", HOW)
def test_a_backend_copies_as_itself(backend, how):
    assert copy.copy(backend) is backend
    assert _roundtrip(backend, how) is backend


def _dtypes(backend):
    names = ["float32", "int64", "bool", "float16", "bfloat16", "float64", "complex64"]
    return [n for n in names if n in backend.dtypes and (n != "float64" or backend.float64)]


@pytest.mark.parametrize("how", HOW)
def test_a_leaf_tensor_copies_its_values_dtype_device_and_grad(backend, how, rng):
    for name in _dtypes(backend):
        host = rng.standard_normal((2, 3)) * 3
        t = xn.tensor(host, dtype=name, backend=backend)
        c = _roundtrip(t, how)
        assert type(c) is xn.Tensor and c.backend is backend and c.device == t.device
        assert c.dtype == t.dtype and c.shape == t.shape and not c.requires_grad
        np.testing.assert_array_equal(c.numpy(), t.numpy())
        if backend.mutable:  # its own memory: an in-place change of one leaves the other
            t.copy_(xn.zeros_like(t))
            assert not np.array_equal(c.numpy(), t.numpy())

    p = nn.Parameter(xn.tensor(rng.standard_normal(3), dtype="float32", backend=backend))
    (p * p).sum().backward()
    c = _roundtrip(p, how)
    assert type(c) is nn.Parameter and c.requires_grad and c.is_leaf
    np.testing.assert_array_equal(c.grad.numpy(), p.grad.numpy())
    assert c.grad is not p.grad and c.grad.backend is backend
    (c * 3).sum().backward()  # the copy trains on its own
    np.testing.assert_allclose(c.grad.numpy(), p.grad.numpy() + 3, rtol=1e-6)


@pytest.mark.parametrize("how", HOW)
def test_a_tensor_computed_by_an_op_refuses_and_names_the_op(how):
    x = xn.ones(3, requires_grad=True)
    y = x * 2
    with pytest.raises(
        xn.GraphError, match=r"computed by an op \(multiply, shape \(3,\)\).*detach"
    ):
        _roundtrip(y, how)
    np.testing.assert_array_equal(_roundtrip(y.detach(), how).numpy(), [2.0, 2.0, 2.0])


def test_copy_copy_of_a_tensor_owns_its_array():
    t = xn.ones(2, requires_grad=True)
    c = copy.copy(t)
    assert c.requires_grad and c is not t
    with xn.no_grad():
        c.copy_(xn.zeros(2))
    assert t.tolist() == [1.0, 1.0]
    with pytest.raises(xn.GraphError, match=r"copy\.copy of a tensor computed by an op"):
        copy.copy(t * 2)


def test_deepcopy_keeps_shared_tensors_shared():
    p = xn.ones(2, requires_grad=True)
    a, b = copy.deepcopy([p, p])
    assert a is b and a is not p


def _model(backend):
    xn.manual_seed(0)
    return nn.Sequential(
        nn.Conv2d(1, 4, 3, padding=1, backend=backend), nn.BatchNorm2d(4, backend=backend),
        nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Dropout(0.2),
        nn.Linear(4 * 4 * 4, 3, backend=backend),
    )  # fmt: skip


@pytest.mark.parametrize("how", HOW)
def test_a_model_copy_computes_the_same_and_trains_on_its_own(how, rng):
    b = xn.get_backend("numpy")
    model = _model(b)
    x = xn.tensor(rng.standard_normal((5, 1, 8, 8)).astype(np.float32), backend=b)
    model(x)  # BatchNorm's running statistics move: buffers to copy
    snapshot = _roundtrip(model, how)
    model.eval(), snapshot.eval()
    np.testing.assert_array_equal(snapshot(x).numpy(), model(x).numpy())
    assert snapshot.state_dict().keys() == model.state_dict().keys()
    for (k, v), w in zip(model.state_dict().items(), snapshot.state_dict().values(), strict=True):
        np.testing.assert_array_equal(v.numpy(), w.numpy(), err_msg=k)
    before = [p.numpy() for p in model.parameters()]
    snapshot.train()
    opt = xn.optim.SGD(snapshot.parameters(), lr=0.5)
    nn.functional.cross_entropy(snapshot(x), xn.tensor([0, 1, 2, 0, 1], backend=b)).backward()
    opt.step()
    for p, was in zip(model.parameters(), before, strict=True):
        np.testing.assert_array_equal(p.numpy(), was)  # the original did not move
    assert any(
        not np.array_equal(p.numpy(), q.numpy())
        for p, q in zip(model.parameters(), snapshot.parameters(), strict=True)
    )


def _train(model, opt, x, y, steps=3, step_fn=None):
    step = train_step(model, opt)
    f = step_fn(step) if step_fn else step
    return [f(x, y).item() for _ in range(steps)]


@pytest.mark.parametrize("compiled", [False, True], ids=["eager", "compiled"])
@pytest.mark.parametrize("how", HOW)
def test_a_model_and_its_optimizer_copied_together_resume_as_the_original(how, compiled, rng):
    """copy.deepcopy((model, opt)): the copy's optimizer updates the copy's parameters
    with the copied moments; both then train to the same values. Compiled, the original
    made its scalar slots first: the copy gets fresh ones."""
    b = xn.get_backend("numpy")
    xn.manual_seed(0)
    model = nn.Sequential(nn.Linear(6, 8, backend=b), nn.Tanh(), nn.Linear(8, 3, backend=b))
    opt = xn.optim.Adam(model.parameters(), lr=0.05)
    x = xn.tensor(rng.standard_normal((10, 6)).astype(np.float32), backend=b)
    y = xn.tensor(rng.integers(0, 3, 10), backend=b)
    wrap = xn.compile if compiled else None
    _train(model, opt, x, y, step_fn=wrap)
    model2, opt2 = _roundtrip((model, opt), how)
    assert {id(p) for g in opt2.param_groups for p in g["params"]} == {
        id(p) for p in model2.parameters()
    }
    assert opt2.state_dict()["state"][0]["step"] == opt.state_dict()["state"][0]["step"] == 3
    a = _train(model, opt, x, y, step_fn=wrap)
    c = _train(model2, opt2, x, y, step_fn=wrap)
    assert a == c
    for p, q in zip(model.parameters(), model2.parameters(), strict=True):
        np.testing.assert_array_equal(p.numpy(), q.numpy())


def test_a_deep_copied_state_dict_holds_tensors_that_load_into_a_new_optimizer(rng):
    b = xn.get_backend("numpy")
    model = nn.Linear(4, 2, backend=b)
    opt = xn.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    x = xn.tensor(rng.standard_normal((3, 4)).astype(np.float32), backend=b)
    model(x).sum().backward()
    opt.step()
    saved = copy.deepcopy(opt.state_dict())
    buf = saved["state"][0]["momentum_buffer"]
    assert isinstance(buf, xn.Tensor)
    opt.step()  # the saved copy does not follow
    assert not np.array_equal(buf.numpy(), opt.state_dict()["state"][0]["momentum_buffer"].numpy())
    fresh = xn.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    fresh.load_state_dict(saved)
    np.testing.assert_array_equal(
        fresh.state_dict()["state"][0]["momentum_buffer"].numpy(), buf.numpy()
    )
