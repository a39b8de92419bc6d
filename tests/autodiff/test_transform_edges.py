"""Edge points and bad calls of the transforms: norms at zero (PyTorch's subgradient 0, not
NaN), argnums out of range, vmap over a size-0 axis, keyword arguments to jacfwd/vmap, a
tuple output to jvp."""

from __future__ import annotations

import numpy as np
import pytest

import xpnet as xn


def test_norms_at_zero_have_gradient_zero(backend):
    z = xn.zeros(3, backend=backend)
    assert xn.grad(lambda x: xn.linalg.vector_norm(x))(z).tolist() == [0.0, 0.0, 0.0]
    m = xn.zeros((2, 2), backend=backend)
    assert xn.grad(lambda x: xn.linalg.matrix_norm(x))(m).tolist() == [[0.0, 0.0]] * 2
    g = xn.grad(lambda x: xn.linalg.vector_norm(x))(xn.tensor([3.0, 4.0], backend=backend))
    np.testing.assert_allclose(g.numpy(), [0.6, 0.8], rtol=1e-6)


def test_transform_misuse_is_a_clear_error():
    with pytest.raises(xn.ArgumentError, match=r"argnums \[1\] for a call with 1"):
        xn.grad(lambda x: x.sum(), argnums=1)(xn.ones(2))
    with pytest.raises(xn.ArgumentError, match="argnums"):
        xn.jacfwd(lambda x: x * 2, argnums=2)(xn.ones(2))
    with pytest.raises(xn.ArgumentTypeError, match="must return one tensor, got a tuple"):
        xn.jvp(lambda x: (x * 2, x * 3), (xn.ones(2),), (xn.ones(2),))


def test_keyword_arguments_pass_through_jacfwd_and_vmap():
    j = xn.jacfwd(lambda x, scale=1.0: x * scale)(xn.ones(2), scale=2.0)
    assert j.tolist() == [[2.0, 0.0], [0.0, 2.0]]
    v = xn.vmap(lambda x, scale=1.0: x.sum() * scale)(xn.ones((2, 3)), scale=2.0)
    assert v.tolist() == [6.0, 6.0]


def test_vmap_over_a_size_zero_axis_returns_an_empty_stack():
    assert xn.vmap(lambda x: x.sum())(xn.ones((0, 3))).shape == (0,)
    out = xn.vmap(lambda x: (x * 2, x.sum()))(xn.ones((0, 3)))
    assert out[0].shape == (0, 3) and out[1].shape == (0,)
    assert xn.vmap(lambda x: x * 2, out_axes=1)(xn.ones((0, 3))).shape == (3, 0)
