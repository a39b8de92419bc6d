"""Tensor.register_post_accumulate_grad_hook (PyTorch's): called once per backward() after
a leaf's .grad holds that pass's whole gradient (DistributedDataParallel starts its bucket
all-reduces there)."""

from __future__ import annotations

import gc

import numpy as np
import pytest

import xpnet as xn


def test_the_hook_sees_the_accumulated_gradient_once_per_backward(backend):
    w = xn.tensor([1.0, 2.0], backend=backend, requires_grad=True)
    seen = []
    handle = w.register_post_accumulate_grad_hook(lambda t: seen.append(t.grad.numpy().copy()))
    (w * w + 3.0 * w).sum().backward()  # w reached twice: one call, with the sum
    (w * 2.0).sum().backward()  # accumulates onto the first .grad
    np.testing.assert_allclose(seen[0], [5.0, 7.0])
    np.testing.assert_allclose(seen[1], [7.0, 9.0])
    assert len(seen) == 2
    handle.remove()
    (w * 2.0).sum().backward()
    assert len(seen) == 2
    # xn.grad returns cotangents without writing .grad: no call
    w.register_post_accumulate_grad_hook(lambda t: seen.append(None))
    xn.grad(lambda v: (v * v).sum())(w)
    assert len(seen) == 2


def test_only_leaves_that_require_grad_take_the_hook():
    w = xn.tensor([1.0], requires_grad=True)
    with pytest.raises(xn.GraphError, match="computed by an op"):
        (w * 2.0).register_post_accumulate_grad_hook(print)
    with pytest.raises(xn.GraphError, match="a leaf without requires_grad"):
        xn.tensor([1.0]).register_post_accumulate_grad_hook(print)


def test_a_collected_leaf_leaves_no_hook_behind():
    from xpnet.autodiff._tensor_base import GRAD_READY

    before = len(GRAD_READY)
    w = xn.tensor([1.0], requires_grad=True)
    w.register_post_accumulate_grad_hook(print)
    assert len(GRAD_READY) == before + 1
    del w
    gc.collect()
    assert len(GRAD_READY) == before
