"""The standard's operators on tensors: bitwise &, |, ^, ~, <<, >> (logical on bool),
//, %, __index__, __complex__; and NumPy conversion that would drop a gradient refused."""

from __future__ import annotations

import numpy as np
import pytest

import xpnet as xn


def test_integer_operators_are_bitwise(backend):
    a = xn.tensor([3, 5, 12], dtype="uint8", backend=backend)
    b = xn.tensor([6, 1, 10], dtype="uint8", backend=backend)
    na, nb = np.array([3, 5, 12], np.uint8), np.array([6, 1, 10], np.uint8)
    for got, want in [(a & b, na & nb), (a | b, na | nb), (a ^ b, na ^ nb), (~a, ~na),
                      (a << 1, na << 1), (a >> 1, na >> 1), (a // b, na // nb), (a % b, na % nb),
                      (3 & a, 3 & na), (7 // a, 7 // na)]:  # fmt: skip
        np.testing.assert_array_equal(got.numpy(), want)
        assert got.backend.dtype_name(got.dtype) == "uint8"


def test_bool_operators_stay_logical(backend):
    x = xn.tensor([1.0, 2.0, 3.0], backend=backend)
    assert ((x > 1) & (x < 3)).tolist() == [False, True, False]
    assert ((x < 2) | (x > 2)).tolist() == [True, False, True]
    assert (~(x > 1)).tolist() == [True, False, False]
    assert ((x > 1) ^ (x > 2)).tolist() == [False, True, False]


def test_float_floor_division_and_remainder_follow_python():
    x = xn.tensor([-3.5, 2.0, 7.0])
    np.testing.assert_array_equal((x // 2).numpy(), np.array([-3.5, 2.0, 7.0], np.float32) // 2)
    np.testing.assert_array_equal((x % 2).numpy(), np.array([-3.5, 2.0, 7.0], np.float32) % 2)


def test_index_and_complex():
    assert list(range(xn.tensor(3))) == [0, 1, 2]
    assert [10, 20, 30][xn.tensor(1)] == 20
    assert complex(xn.tensor(2.5)) == 2.5 + 0j
    with pytest.raises(xn.ArgumentTypeError, match="0-d integer"):
        [1, 2][xn.tensor(1.0)]


def test_numpy_conversion_of_a_tensor_that_requires_grad_is_refused():
    x = xn.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(xn.GraphError, match=r"t\.detach\(\)"):
        np.asarray(x)
    assert np.asarray(x.detach()).tolist() == [1.0, 2.0] and x.numpy().tolist() == [1.0, 2.0]


def test_namespace_asarray_keeps_the_graph():
    x = xn.tensor([1.0, 2.0], requires_grad=True)
    xp = x.__array_namespace__()
    assert xp.asarray(x) is x
    c = xp.asarray(x, copy=True)
    assert c is not x and c.requires_grad
    d = xp.asarray(x, dtype=xp.float64)
    s = xp.asarray([x[0] * 2, x[1]])  # a list of tensors is stacked, in the graph
    (c.sum() + d.sum() + s.sum()).backward()
    assert x.grad.tolist() == [4.0, 3.0]
    same = xp.astype(x, xp.float32)  # copy=True (the default) never returns x itself
    assert same is not x and xp.astype(x, xp.float32, copy=False) is x
    with pytest.raises(ValueError, match="copy=False"):
        xp.asarray(x, dtype=xp.float64, copy=False)
