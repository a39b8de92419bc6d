"""The backends' native kernels (``Backend.native_kernels``: NumPy's, and CuPy's where a
GPU is there) against the generic, standard-only implementations of the same
primitives: every spec whose primitive has a kernel runs twice, with the kernels and
without, and the values, dtypes, shapes and gradients must agree."""

from __future__ import annotations

import numpy as np
import pytest

import xpnet as xn
from xpnet.backend._base import METHOD_KERNELS
from xpnet.backend._cupy_kernels import KERNELS as CUDA_KERNELS
from xpnet.ops import _reduce

from ..ops.spec import SPECS, make_inputs

NUMPY = xn.get_backend("numpy")
# CuPy's kernel names, known without importing CuPy
CUPY_KERNELS = {"erf", "matmul", *METHOD_KERNELS, *CUDA_KERNELS}
CASES = [s for s in SPECS if s.prim in set(NUMPY.kernels) | CUPY_KERNELS]


@pytest.fixture(params=["numpy", "cupy"])
def kernel_backend(request):
    try:
        b = xn.get_backend(request.param)
    except xn.BackendUnavailableError as e:
        pytest.skip(f"{request.param} unavailable: {e}")
    if b.name == "cupy":  # the names above are the ones CuPy registers
        assert set(b.kernels) >= CUPY_KERNELS
    return b


def without_kernels(b, fn):
    """``fn()`` with ``b``'s kernels unregistered: the generic implementations."""
    saved = dict(b.kernels)
    b.kernels.clear()
    try:
        return fn()
    finally:
        b.kernels.update(saved)


def run_spec(spec, host, b, dtype="float32"):
    """The spec's output and its inputs' gradients (of the output's squared sum), on ``b``."""
    ts = [
        xn.tensor(a, backend=b)
        if i in spec.ints
        else xn.tensor(a, dtype=dtype, backend=b, requires_grad=True)
        for i, a in enumerate(host)
    ]
    out = spec.fn(*ts)
    floats = [t for i, t in enumerate(ts) if i not in spec.ints]
    grads = []
    if out.requires_grad and floats:
        (out * out).sum().backward()
        grads = [None if t.grad is None else t.grad.numpy() for t in floats]
    return out.numpy(), grads


REDUCTIONS = ("any", "all")  # not differentiable: no spec entry; compared below
UPDATES = ("sgd_update_foreach",)  # optimizer updates: compared below by training steps
CHECKS = ("outside", "out_of_range")  # input checks: no gradient, no spec entry; compared below
FUSED = ("linear_relu", "linear_sigmoid", "linear_tanh")  # pairs xn.compile fuses: below


def test_every_kernel_is_compared():
    missing = (
        set(NUMPY.kernels)
        - {s.prim for s in CASES}
        - set(REDUCTIONS)
        - set(UPDATES)
        - set(CHECKS)
        - set(FUSED)
    )
    assert not missing, f"NumPy kernels compared with nothing: {sorted(missing)}"


@pytest.mark.parametrize("spec", CASES, ids=[s.id for s in CASES])
def test_kernel_matches_the_generic_implementation(spec, kernel_backend, rng):
    b = kernel_backend
    if spec.prim not in b.kernels:
        pytest.skip(f"{b.name} has no kernel for {spec.prim}")
    host = make_inputs(spec, rng)
    fast, fast_grads = run_spec(spec, host, b)
    slow, slow_grads = without_kernels(b, lambda: run_spec(spec, host, b))
    assert fast.dtype == slow.dtype and fast.shape == slow.shape
    np.testing.assert_allclose(fast, slow, rtol=1e-6, atol=1e-7)
    assert len(fast_grads) == len(slow_grads)
    for f, s in zip(fast_grads, slow_grads, strict=True):
        assert (f is None) == (s is None)
        if f is not None:
            assert f.dtype == s.dtype and f.shape == s.shape
            np.testing.assert_allclose(f, s, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("name", REDUCTIONS)
@pytest.mark.parametrize("axis", [None, (0,), (1, 2), (0, 1, 2), ()])
@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("dtype", ["bool", "float32", "int64"])
def test_reduction_kernel_matches_the_generic_implementation(name, axis, keepdims, dtype, rng):
    x = np.asarray(rng.integers(0, 3, (3, 4, 5)) * (rng.random((3, 4, 5)) < 0.9), dtype=dtype)
    x[0] = 1  # every element of some slices true, of others not
    prim = getattr(_reduce, f"{name}_op")
    fast = NUMPY.kernels[name](NUMPY, x, axis=axis, keepdims=keepdims)
    slow = prim.impl(NUMPY, x, axis=axis, keepdims=keepdims)
    assert isinstance(fast, np.ndarray) and fast.dtype == slow.dtype == np.bool_
    assert fast.shape == slow.shape
    np.testing.assert_array_equal(fast, slow)


@pytest.mark.parametrize(
    "hyper",
    [{}, {"momentum": 0.9}, {"momentum": 0.9, "dampening": 0.3},
     {"momentum": 0.9, "nesterov": True}, {"weight_decay": 0.1},
     {"momentum": 0.5, "weight_decay": 0.01, "nesterov": True}],
)  # fmt: skip
@pytest.mark.parametrize("dtype", ["float32", "float64", "float16"])
def test_sgd_multi_tensor_kernel_matches_the_generic_update(hyper, dtype, rng):
    """Three SGD steps (the first fills the momentum buffers) over parameters of several
    shapes, with the kernel and without: the same parameters and buffers, bit for bit."""
    shapes = [(3, 4), (4,), (), (2, 3, 2)]
    init = [rng.standard_normal(s).astype(dtype) for s in shapes]
    grads = [[rng.standard_normal(s).astype(dtype) for s in shapes] for _ in range(3)]

    def train():
        ps = [xn.tensor(a, backend=NUMPY, requires_grad=True) for a in init]
        opt = xn.optim.SGD(ps, lr=0.1, **hyper)
        for step in grads:
            for p, g in zip(ps, step, strict=True):
                p.grad = xn.tensor(g, backend=NUMPY)
            opt.step()
        bufs = [opt.state[p].get("momentum_buffer") for p in ps]
        return [p.numpy() for p in ps], [None if b is None else b.numpy() for b in bufs]

    assert "sgd_update_foreach" in NUMPY.kernels
    fast_p, fast_b = train()
    slow_p, slow_b = without_kernels(NUMPY, train)
    for f, s in zip(fast_p + fast_b, slow_p + slow_b, strict=True):
        assert (f is None) == (s is None)
        if f is not None:
            assert f.dtype == s.dtype == np.dtype(dtype) and f.shape == s.shape
            np.testing.assert_array_equal(f, s)


@pytest.mark.parametrize("dtypes", [("float32", "float32"), ("float64", "float32"),
                                    ("float16", "float16"), ("float32", "int64")])  # fmt: skip
def test_binary_cross_entropy_kernels_match_at_the_clamp_and_outside_the_domain(dtypes):
    """The clamped logs at 0 and 1, below the clamp (1e-45), NaN, inf and values outside
    [0, 1] (the input check keeps them from a user, not from the primitive): the kernels
    give the generic path's values and dtypes, bit for bit, and warn about nothing."""
    from xpnet.ops import _fused_losses as L

    p = np.array([0, 1, 0.5, np.nan, -1, 2, 1e-45, 1 - 1e-7, np.inf, -0.0, 0.25, 0.75])
    t = np.array([0, 1, 0.3, 1, 0, 1, 1, 0, 1, 0.5, 1, 0])
    p, t = p.astype(dtypes[0]), t.astype(dtypes[1])
    for name, generic in (
        ("binary_cross_entropy", L._bce),
        ("binary_cross_entropy_mean", L._bce_mean),
    ):
        for q, u in ((p, t), (p[:0], t[:0]), (p[[0, 1, 2, 7]], t[[0, 1, 2, 7]]), (p[0], t[0]),
                     (p[2, None], t[2])):  # fmt: skip
            q, u = np.asarray(q), np.asarray(u)  # 0-d arrays too
            fast = NUMPY.kernels[name](NUMPY, q, u)
            with np.errstate(all="ignore"):  # the generic path's log(-1) and inf - inf
                slow = generic(NUMPY, q, u)
            assert isinstance(fast, np.ndarray) and fast.dtype == slow.dtype
            assert fast.shape == slow.shape
            np.testing.assert_array_equal(fast, slow)


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64", "int64", "uint8", "bool"])
def test_outside_kernel_matches_the_generic_check(dtype):
    """Any element not in [lo, hi]: NaN, infinities, the bounds themselves, empty and 0-d
    arrays, integer and boolean inputs against float bounds."""
    from xpnet.ops._reduce import outside_p

    values = [[0.0, 0.5, 1.0], [0.5, -0.01], [1.01], [np.nan, 0.3], [np.inf], [-np.inf], [],
              [2.0, 0.0, 1.0, 0.0], [0.0]]  # fmt: skip
    for v in values:
        for x in (np.array(v), np.array(v).reshape(-1, 1)[:, :1]):
            if np.dtype(dtype).kind in "iub" and not np.all(np.isfinite(x)):
                continue
            x = x.astype(dtype)
            for lo, hi in ((0.0, 1.0), (0.5, 2.0), (-1.0, 0.0)):
                fast = NUMPY.kernels["outside"](NUMPY, x, lo=lo, hi=hi)
                slow = outside_p.impl(NUMPY, x, lo=lo, hi=hi)
                assert isinstance(fast, np.ndarray) and fast.shape == () and fast.dtype == np.bool_
                assert bool(fast) == bool(slow), (v, lo, hi)
    zero_d = np.asarray(np.nan, dtype="float32")
    assert bool(NUMPY.kernels["outside"](NUMPY, zero_d, lo=0.0, hi=1.0))


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16"])
@pytest.mark.parametrize(
    "shape", [(0,), (), (7,), (2047,), (2048,), (16384,), (3, 16384), (64, 16, 28, 28), (5, 4099)]
)
def test_relu_kernel_matches_maximum_with_zero_on_blocks_and_the_rest(shape, dtype, rng):
    """Whole blocks of zeros and a rest, arrays below the block size, 0-d and empty arrays,
    and the values whose maximum with 0 is special: NaN, infinities, -0.0."""
    x = rng.standard_normal(shape).astype(dtype)
    flat = x.reshape(-1)
    flat[: min(5, flat.size)] = [np.nan, -np.inf, np.inf, -0.0, 0.0][: min(5, flat.size)]
    if flat.size > 10:
        flat[-1] = np.nan  # in the rest after the last whole block
    fast = NUMPY.kernels["relu"](NUMPY, x)
    slow = np.maximum(x, 0)
    assert isinstance(fast, np.ndarray) and fast.dtype == slow.dtype and fast.shape == slow.shape
    np.testing.assert_array_equal(fast, slow)
    strided = x.T if x.ndim > 1 else x[::2] if x.ndim else x  # not C-contiguous: the plain path
    np.testing.assert_array_equal(NUMPY.kernels["relu"](NUMPY, strided), np.maximum(strided, 0))


@pytest.mark.parametrize("shape, kernel", [((4, 3, 8, 8), (2, 2)), ((2, 5, 7, 9), (2, 3)),
                                           ((3, 2, 6, 6), (3, 3)), ((1, 1, 1, 1), (2, 2))])  # fmt: skip
def test_max_pool_grad_kernel_shares_ties_as_the_generic_path(shape, kernel, rng):
    """ReLU outputs (windows of tied zeros), sizes past the last window, and a NaN (its
    window's maximum is NaN: no element equals it)."""
    from xpnet.ops._conv import _max_pool, max_pool_grad_p

    x = np.maximum(rng.standard_normal(shape), 0).astype(np.float32)
    x.reshape(-1)[0] = np.nan
    pooled = _max_pool(NUMPY, x, kernel=kernel)
    g = rng.standard_normal(pooled.shape).astype(np.float32)
    with np.errstate(divide="ignore", invalid="ignore"):  # the NaN window: g / 0 on both paths
        fast = NUMPY.kernels["max_pool_grad"](NUMPY, g, x, pooled, kernel=kernel)
        slow = max_pool_grad_p.impl(NUMPY, g, x, pooled, kernel=kernel)
    assert fast.dtype == slow.dtype and fast.shape == slow.shape == x.shape
    np.testing.assert_array_equal(fast, slow)


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "int64", "uint8", "bool"])
def test_where_kernel_selects_the_generic_paths_bits(dtype, rng):
    """Large and small, broadcast, 0-d and empty operands; Python scalars (0, -0.0, NaN,
    inf); NaN payloads and -0.0 in the arrays; strided views; mixed dtypes (np.where)."""
    from xpnet.ops._elementwise import where_p

    def arr(shape):
        a = rng.standard_normal(shape) * 3
        if dtype == "bool":
            return a > 0
        a = a.astype(dtype)
        if a.dtype.kind == "f" and a.size:
            a.reshape(-1)[: min(4, a.size)] = [np.nan, -0.0, np.inf, -np.inf][: min(4, a.size)]
        return a

    big, small = (64, 130), (3, 5)
    scalars = [0, 1] if dtype in ("int64", "uint8") else [True] if dtype == "bool" else [
        0.0, -0.0, float("nan"), float("inf"), 2.5]  # fmt: skip
    cases = []
    for shape in (big, small, (0, 4), ()):
        c = rng.random(shape) < 0.6
        cases += [(c, arr(shape), arr(shape)), (c, arr(shape), scalars[0])]
        cases += [(c, v, arr(shape)) for v in scalars]
    c = rng.random((64, 1)) < 0.5
    cases += [
        (c, arr(big), arr(big[1:])),
        (c.T, arr(big).T, arr(big).T[:, ::2][:, :32].copy()[:, :1]),
    ]
    cases += [(rng.random((64, 65)) < 0.5, arr(big)[:, ::2], arr((64, 65)))]  # strided
    for c, x, y in cases:
        fast = NUMPY.kernels["where"](NUMPY, c, x, y)
        slow = where_p.impl(NUMPY, c, x, y)
        assert fast.dtype == slow.dtype and fast.shape == slow.shape
        if fast.dtype.kind == "f":
            u = {2: np.uint16, 4: np.uint32, 8: np.uint64}[fast.dtype.itemsize]
            np.testing.assert_array_equal(np.asarray(fast).view(u), np.asarray(slow).view(u))
        else:
            np.testing.assert_array_equal(fast, slow)
    mixed = NUMPY.kernels["where"](NUMPY, rng.random(big) < 0.5, arr(big), np.ones(big, "float64"))
    assert mixed.dtype == np.result_type(arr(big), np.float64)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("label_dtype", ["int64", "int32", "uint8"])
def test_cross_entropy_kernels_match_the_generic_path_bit_for_bit(dtype, label_dtype, rng):
    """Plain batches (every label a class) give the generic path's bits, with large, -inf
    and NaN logits; a batch with an ignored or out-of-range label, an empty one or a
    gradient of another dtype declines to the generic path (its masks and NaN)."""
    from xpnet.ops import _fused_losses as L

    x = (rng.standard_normal((37, 6)) * 4).astype(dtype)
    x[1] = [1e4, -1e4, 0, 3, 3, -np.inf]
    x[2, 0] = np.nan
    y = rng.integers(0, 6, 37).astype(label_dtype)
    g = np.asarray(0.7, dtype=dtype)
    ce, grad = (
        NUMPY.kernels["softmax_cross_entropy_mean"],
        NUMPY.kernels["softmax_cross_entropy_mean_grad"],
    )
    for ignore in (-100, 200):
        with np.errstate(invalid="ignore"):  # the NaN row, on both paths
            pairs = [(ce(NUMPY, x, y, ignore_index=ignore), L._ce_mean(NUMPY, x, y, ignore_index=ignore)),
                     (grad(NUMPY, g, x, y, ignore_index=ignore),
                      L._ce_mean_grad(NUMPY, g, x, y, ignore_index=ignore))]  # fmt: skip
        for fast, slow in pairs:
            assert fast is not NotImplemented and fast.dtype == slow.dtype
            assert fast.shape == slow.shape
            np.testing.assert_array_equal(fast, slow)
    clean = x[3:]
    for labels, ignore in ((np.r_[y[3:-1], 2], 2), (np.r_[y[3:-1], 6], -100), (y[:0], -100)):
        labels = labels.astype(label_dtype)
        xs = clean[: labels.size] if labels.size else clean[:0]
        assert ce(NUMPY, xs, labels, ignore_index=ignore) is NotImplemented
        assert grad(NUMPY, g, xs, labels, ignore_index=ignore) is NotImplemented
    g64 = np.asarray(0.7, dtype="float64" if dtype == "float32" else "float32")
    assert grad(NUMPY, g64, clean, y[3:], ignore_index=-100) is NotImplemented


@pytest.mark.parametrize("dtype", ["int8", "uint8", "int32", "int64"])
@pytest.mark.parametrize("ignore", [None, -100, 3, 300])
def test_index_check_kernel_matches_the_generic_check(dtype, ignore):
    from xpnet.ops._shape import out_of_range_p

    for values in ([0, 3, 1], [0, 4], [-1, 2], [0, -100, 3], [], [127], [2, 3, 300]):
        idx = np.array(values).astype(dtype)
        for n in (4, 200):
            slow = out_of_range_p.impl(NUMPY, idx, n=n, ignore=ignore, reduce=True)
            fast = NUMPY.kernels["out_of_range"](NUMPY, idx, n=n, ignore=ignore, reduce=True)
            if fast is NotImplemented:  # an index outside (ignored or not): the generic path
                assert ((idx.astype(np.int64) < 0) | (idx.astype(np.int64) >= n)).any()
                continue
            assert isinstance(fast, np.ndarray) and fast.shape == () and fast.dtype == np.bool_
            assert bool(fast) == bool(slow), (values, n, ignore)
    assert (
        NUMPY.kernels["out_of_range"](NUMPY, idx, n=4, ignore=ignore, reduce=False)
        is NotImplemented
    )


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16"])
@pytest.mark.parametrize(
    "shapes", [((7, 5), (3, 5)), ((256, 784), (512, 784)), ((2, 9, 40), (300, 40))]
)
@pytest.mark.parametrize("act", ["relu", "sigmoid", "tanh"])
def test_linear_activation_kernel_is_the_pair_bit_for_bit(act, shapes, dtype, rng):
    """The fused pair against the linear kernel then the activation's (kernel or generic):
    small and large products (ReLU in place past its block size), batched inputs, float16
    (float32 products)."""
    if f"linear_{act}" not in NUMPY.kernels:
        pytest.skip(f"no linear_{act} kernel here (SciPy missing)")
    (xs, ws) = shapes
    x, w = rng.standard_normal(xs).astype(dtype), rng.standard_normal(ws).astype(dtype)
    bias = rng.standard_normal(ws[0]).astype(dtype)
    bias[0] = np.nan
    fused = NUMPY.kernels[f"linear_{act}"](NUMPY, x, w, bias)
    prim = getattr(xn.ops.internal, f"{act}_p")
    activation = NUMPY.kernels.get(act, prim.impl)
    pair = activation(NUMPY, NUMPY.kernels["linear"](NUMPY, x, w, bias))
    assert fused.dtype == pair.dtype and fused.shape == pair.shape
    np.testing.assert_array_equal(fused, pair)


@pytest.mark.parametrize("spec", CASES, ids=[s.id for s in CASES])
def test_kernel_keeps_float16_as_the_generic_implementation_does(spec, kernel_backend, rng):
    """float16 inputs: the kernel's output and gradients have the generic path's dtypes
    (a kernel may compute in float32, as NumPy's matmul does: values to float16's precision)."""
    b = kernel_backend
    if spec.prim not in b.kernels:
        pytest.skip(f"{b.name} has no kernel for {spec.prim}")
    host = make_inputs(spec, rng)
    fast, fast_grads = run_spec(spec, host, b, "float16")
    slow, slow_grads = without_kernels(b, lambda: run_spec(spec, host, b, "float16"))
    for f, s in zip([fast, *fast_grads], [slow, *slow_grads], strict=True):
        assert (f is None) == (s is None)
        if f is not None:
            assert f.dtype == s.dtype and f.shape == s.shape
            scale = max(1.0, float(np.nanmax(np.abs(s.astype(np.float32)), initial=0.0)))
            np.testing.assert_allclose(f, s, rtol=4e-3, atol=4e-3 * scale)
