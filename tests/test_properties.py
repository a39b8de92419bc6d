"""Property-based tests: gradients against finite differences for random shapes, broadcasting
pairs, axes, keepdims and dtypes, and for random programs of primitives, on every backend."""

from __future__ import annotations

import os

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, mutually_broadcastable_shapes

import xpnet as xn

# derandomize: CI sees the same examples every run (a red CI must mean a change broke
# something); set XPNET_HYPOTHESIS_RANDOM=1 to explore fresh examples locally.
_FIXED = os.environ.get("XPNET_HYPOTHESIS_RANDOM") != "1"
_COMMON = dict(
    deadline=None,
    derandomize=_FIXED,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
SETTINGS = settings(max_examples=12, **_COMMON)
DTYPES = st.sampled_from(["float32", "float64"])


def _tensor(backend, shape, seed, low=None, dtype="float64"):
    rng = np.random.default_rng(seed)
    a = rng.uniform(0.5, 1.5, shape) if low == "positive" else rng.standard_normal(shape)
    if not backend.float64:
        dtype = "float32"
    return xn.tensor(a, dtype=dtype, backend=backend, device=backend.device)


BINARY = {
    "add": lambda x, y: x + y,
    "subtract": lambda x, y: x - y,
    "multiply": lambda x, y: x * y,
    "divide": lambda x, y: x / (1.5 + y * y),
    "pow": lambda x, y: (1.0 + x * x) ** y,
    "maximum": xn.maximum,
    "minimum": xn.minimum,
    "where": lambda x, y: xn.where(x > y, x * 2.0, y),
}


@SETTINGS
@given(
    shapes=mutually_broadcastable_shapes(num_shapes=2, max_dims=3, max_side=3),
    op=st.sampled_from(sorted(BINARY)),
    seed=st.integers(0, 2**16),
)
def test_binary_broadcasting_gradients(backend, shapes, op, seed):
    a, b = shapes.input_shapes
    xn.check_grad(BINARY[op], _tensor(backend, a, seed), _tensor(backend, b, seed + 1), order=1)


@SETTINGS
@given(
    shape=array_shapes(min_dims=1, max_dims=3, max_side=4),
    data=st.data(),
    seed=st.integers(0, 2**16),
    op=st.sampled_from(["sum", "mean", "max", "min", "logsumexp", "var"]),
    keepdims=st.booleans(),
)
def test_reduction_gradients(backend, shape, data, seed, op, keepdims):
    ndim = len(shape)
    axes = data.draw(
        st.lists(
            st.integers(-ndim, ndim - 1), min_size=1, max_size=ndim, unique_by=lambda a: a % ndim
        )
    )
    fn = getattr(xn, op)
    xn.check_grad(
        lambda x: fn(x, axis=tuple(axes), keepdims=keepdims), _tensor(backend, shape, seed), order=1
    )


@SETTINGS
@given(
    shape=array_shapes(min_dims=1, max_dims=3, max_side=4),
    data=st.data(),
    seed=st.integers(0, 2**16),
)
def test_shape_op_gradients(backend, shape, data, seed):
    ndim = len(shape)
    perm = data.draw(st.permutations(range(ndim)))
    axis = data.draw(st.integers(-ndim - 1, ndim))
    cat_axis = data.draw(st.integers(-ndim, ndim - 1))
    x = _tensor(backend, shape, seed)

    def program(x):
        y = xn.permute_dims(x, perm)
        y = xn.expand_dims(y, axis=axis)
        y = xn.squeeze(y, axis=axis)
        y = xn.concat([y, y * 2.0], axis=cat_axis)
        return xn.reshape(y, (-1,))[::2]

    xn.check_grad(program, x, order=1)


@SETTINGS
@given(
    shape=array_shapes(min_dims=1, max_dims=2, max_side=4),
    dtype=DTYPES,
    seed=st.integers(0, 2**16),
    op=st.sampled_from(
        ["exp", "tanh", "sigmoid", "relu", "abs", "sqrt", "log", "log1p", "negative"]
    ),
)
def test_unary_dtype_and_gradient(backend, shape, dtype, seed, op):
    if dtype == "float64" and not backend.float64:
        dtype = "float32"
    x = _tensor(backend, shape, seed, "positive" if op in ("sqrt", "log", "log1p") else None, dtype)
    y = getattr(xn, op)(x)
    assert y.dtype == x.dtype and y.backend is backend and y.shape == x.shape
    if op in ("relu", "abs"):  # keep clear of the kink at 0
        x = x + xn.where(x >= 0, 0.1, -0.1)
    xn.check_grad(getattr(xn, op), x, order=2)


# Random programs: a stack machine over (2, 3) tensors; reductions keep dims so every
# value broadcasts against every other.
def _full(x):
    """Broadcast a (2, 3), (1, 3), (2, 1) or (1, 1) value to (2, 3)."""
    return x + xn.zeros(2, 3, dtype=x.backend.dtype_name(x.dtype), backend=x.backend)


UNARY_STEPS = {
    "tanh": xn.tanh,
    "sigmoid": xn.sigmoid,
    "softplus": lambda x: xn.log1p(xn.exp(-xn.abs(x))) + xn.relu(x),
    "square": lambda x: x * x,
    "scale": lambda x: x * 0.7 - 0.2,
    "sum0": lambda x: xn.sum(x, axis=0, keepdims=True),
    "mean1": lambda x: xn.mean(x, axis=-1, keepdims=True),
    "max1": lambda x: xn.max(x, axis=1, keepdims=True),
    "softmax": lambda x: xn.softmax(_full(x), axis=1),
    "transpose_back": lambda x: _full(x).T.T,
}
BINARY_STEPS = {
    "add": lambda a, b: a + b,
    "mul": lambda a, b: a * b,
    "sub": lambda a, b: a - b,
    "div": lambda a, b: a / (1.0 + b * b),
    "matmul": lambda a, b: (_full(a) @ _full(b).T) @ _full(b) * 0.3,  # (2, 3) @ (3, 2) @ (2, 3)
}
STEP = st.one_of(
    st.tuples(st.just("u"), st.sampled_from(sorted(UNARY_STEPS)), st.integers(0, 10)),
    st.tuples(
        st.just("b"), st.sampled_from(sorted(BINARY_STEPS)), st.integers(0, 10), st.integers(0, 10)
    ),
)


def _run(program, inputs):
    stack = list(inputs)
    for step in program:
        if step[0] == "u":
            stack.append(UNARY_STEPS[step[1]](stack[step[2] % len(stack)]))
        else:
            stack.append(
                BINARY_STEPS[step[1]](stack[step[2] % len(stack)], stack[step[3] % len(stack)])
            )
    return sum(((s * s).sum() for s in stack[len(inputs) :]), stack[0].sum() * 0.0)


@settings(max_examples=15, **_COMMON)
@given(program=st.lists(STEP, min_size=1, max_size=8), seed=st.integers(0, 2**16))
def test_random_programs(backend, program, seed):
    inputs = [_tensor(backend, (2, 3), seed), _tensor(backend, (2, 3), seed + 1)]
    xn.check_grad(lambda a, b: _run(program, [a, b]), *inputs, order=1)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_float32_stays_float32_end_to_end(backend, dtype):
    if dtype == "float64" and not backend.float64:
        pytest.skip("no float64 on this device")
    kw = {"backend": backend, "device": backend.device, "dtype": dtype}
    model = xn.nn.Sequential(
        xn.nn.Linear(3, 4, **kw), xn.nn.GELU(), xn.nn.LayerNorm(4, **kw), xn.nn.Linear(4, 2, **kw)
    )
    x = xn.randn(5, 3, **kw)
    loss = xn.nn.functional.cross_entropy(
        model(x) * 2.0 + 1.0, xn.tensor([0, 1, 0, 1, 1], backend=backend)
    )
    loss.backward()
    assert backend.dtype_name(loss.dtype) == dtype
    assert all(backend.dtype_name(p.grad.dtype) == dtype for p in model.parameters())
