"""In-place updates inside differentiated code (``x[key] = v``, ``y *= w``), recorded as
PyTorch records them, with PyTorch as the oracle; stale uses refused."""

from __future__ import annotations

import numpy as np
import pytest

import xpnet as xn

torch = pytest.importorskip("torch")


def _f1(x, w):
    y = x * 2
    y[1:3] = x[0] * w
    y *= w
    return y


def _f2(x, w):
    y = x**2
    y *= w
    y -= x
    y /= w + 1
    y += 1
    return y


def _f3(x, w):
    y = x.exp()
    z = y * 1
    z /= w
    z[0] = y[1]
    z[z > 20] = 0.5 * w
    return z * y


def _f4(x, w):
    z = x * 0  # a graph tensor, then written through boolean masks
    z[x > 2] = w
    z[z < 1] = x[3]
    return z * x


def _f5(x, w):
    z = x * 1  # integer index arrays (repeated: the last write wins)
    idx = (
        xn.tensor([0, 2, 0], backend=x.backend)
        if isinstance(x, xn.Tensor)
        else torch.tensor([0, 2, 0])
    )
    z[idx] = w * x[3]
    return z * x


def _f6(x, w):
    """PyTorch's differentiable-physics example (a mass-spring step, twice): ``forces[i] +=``,
    ``forces[:, 1] -=``, and a velocity written in place after ``v * dt`` used it, which no
    rule reads (the product's rule for v reads dt only)."""
    lib = xn if isinstance(x, xn.Tensor) else torch
    kw = {"backend": x.backend} if lib is xn else {}
    positions = lib.stack([x[:2], x[2:]])
    velocities = lib.zeros((2, 2), **kw)
    for _ in range(2):
        forces = lib.zeros_like(positions)
        dir_vec = positions[1] - positions[0]
        dist = (dir_vec * dir_vec).sum() ** 0.5
        force = w * (dist - 1.0) * dir_vec / (dist + 1e-6)
        forces[0] += force
        forces[1] -= force
        forces[:, 1] -= 9.81
        velocities = velocities + forces * 0.01
        positions = positions + velocities * 0.01
        positions[0] = lib.zeros(2, **kw)
        velocities[0] = lib.zeros(2, **kw)
    return positions


@pytest.mark.parametrize(
    "f", [_f1, _f2, _f3, _f4, _f6], ids=["setitem-slice", "arith", "mixed", "masks", "physics"]
)
def test_in_place_updates_differentiate_as_pytorch(backend, f):
    data = np.array([1.0, 2.0, 3.0, 4.0], np.float32)
    x = xn.tensor(data, backend=backend, requires_grad=True)
    w = xn.tensor(1.5, backend=backend, requires_grad=True)
    out = f(x, w)
    out.sum().backward()
    xt, wt = torch.tensor(data, requires_grad=True), torch.tensor(1.5, requires_grad=True)
    ref = f(xt, wt)
    ref.sum().backward()
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), rtol=1e-6)
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(w.grad.numpy(), wt.grad.numpy(), rtol=1e-5, atol=1e-6)


def test_a_value_written_into_a_constant_tensor_gets_its_gradient():
    z = xn.zeros(3)
    w = xn.tensor(2.0, requires_grad=True)
    z[0] = w * w
    z.sum().backward()
    assert float(w.grad) == 4.0 and z.requires_grad and z.grad_fn is not None


def test_stale_uses_and_leaves_are_refused():
    x = xn.tensor([1.0, 2.0], requires_grad=True)
    y = x * 1
    z = y * y  # keeps y's values for its gradient
    y *= 2
    with pytest.raises(xn.GraphError, match="modified in place after it was used"):
        z.sum().backward()
    w = xn.tensor(3.0, requires_grad=True)
    v = x * 1
    z = v * w  # w's rule reads v
    v[0] = 0.0
    with pytest.raises(xn.GraphError, match=r"input 0 of shape \(2,\) was modified in place"):
        z.sum().backward()
    v = x * 1
    z = v * 3.0  # no rule reads v: changing it afterwards is fine, as in PyTorch
    v[0] = 0.0
    z.sum().backward()
    with pytest.raises(xn.GraphError, match="leaf tensor that requires grad"):
        x[0] = 5.0
    with pytest.raises(xn.GraphError, match="leaf tensor that requires grad"):
        x += 1
    with xn.no_grad():  # as optimizers do
        x -= 0.5
    assert x.tolist() == [0.5, 1.5] and x.grad_fn is None
