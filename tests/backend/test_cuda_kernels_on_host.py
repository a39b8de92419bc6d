"""xpnet's CuPy kernels run on the CPU: their CUDA C compiled by g++ inside an emulation
of CuPy's kernel classes (``cuda_on_host.py``), called through their real Python
wrappers from a host backend that registers them as CuPy does, and compared with the
generic Array API path: every spec of a primitive with a CuPy kernel (values and
gradients), the optimizer updates, and the losses at their edges (clamps, NaN, labels
out of range or ignored, empty batches); the Philox generator against its NumPy
reference, bit for bit. A GPU runner compares the real kernels too
(``test_native_kernels.py``, ``test_cupy.py``); this shows the kernels' logic on every
machine with a C++ compiler.
"""

from __future__ import annotations

import sys
import warnings

import numpy as np
import pytest

import xpnet as xn
from xpnet.backend import _cupy_kernels as K
from xpnet.backend._numpy import NumpyBackend

from ..ops.spec import SPECS, make_inputs
from . import cuda_on_host
from .test_native_kernels import run_spec, without_kernels

WHY = cuda_on_host.have_compiler()
pytestmark = pytest.mark.skipif(WHY is not None, reason=WHY or "")


class HostCudaBackend(NumpyBackend):
    """NumPy arrays, with the CuPy backend's kernels registered in place of NumPy's."""

    name = "numpy_cuda_host_test"
    __slots__ = ()

    def native_kernels(self):
        return dict(K.KERNELS)

    def device_pointer(self, arr):
        return arr.ctypes.data  # the multi-tensor kernels' pointer tables hold host addresses


xn.backend.register_backend(HostCudaBackend)


@pytest.fixture
def b(monkeypatch):
    for name, module in cuda_on_host.fake_cupy().items():
        monkeypatch.setitem(sys.modules, name, module)
    monkeypatch.setattr(K, "_CACHE", {})  # kernel objects of this emulation stay here
    monkeypatch.setattr(K, "_BROKEN", {})
    monkeypatch.setattr(K, "_TABLES", {})  # host addresses: not for a real GPU
    backend = xn.get_backend("numpy_cuda_host_test")
    assert set(backend.kernels) == set(K.KERNELS)
    return backend


CASES = [s for s in SPECS if s.prim in K.KERNELS]


def test_every_cupy_kernel_has_a_host_comparison():
    updates = {"adam_update", "sgd_update", "adam_update_foreach", "sgd_update_foreach"}
    fused = {"linear_relu", "linear_sigmoid", "linear_tanh"}
    compared = {s.prim for s in CASES} | updates | fused | {"outside", "out_of_range"}
    assert set(K.KERNELS) <= compared, sorted(set(K.KERNELS) - compared)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("spec", CASES, ids=[s.id for s in CASES])
def test_kernel_matches_the_generic_path(spec, dtype, b, rng):
    host = make_inputs(spec, rng)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a kernel that does not compile warns: fail on it
        fast, fast_grads = run_spec(spec, host, b, dtype)
    slow, slow_grads = without_kernels(b, lambda: run_spec(spec, host, b, dtype))
    tol = {"rtol": 2e-6, "atol": 1e-7} if dtype == "float32" else {"rtol": 1e-12, "atol": 0}
    assert fast.dtype == slow.dtype and fast.shape == slow.shape
    np.testing.assert_allclose(fast, slow, **tol)
    for f, s in zip(fast_grads, slow_grads, strict=True):
        assert (f is None) == (s is None)
        if f is not None:
            np.testing.assert_allclose(f, s, **tol)


def _kernel_andwithout_kernels(b, prim, *args, **params):
    """The kernel's result (it must not decline) and the generic implementation's."""
    fast = b.kernels[prim.name](b, *args, **params)
    assert fast is not NotImplemented, prim.name
    with np.errstate(all="ignore"):
        return fast, prim.impl(b, *args, **params)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_cross_entropy_kernels_at_ignored_and_out_of_range_labels(b, dtype, rng):
    """Ignored labels count for nothing, a label outside [0, C) makes the mean NaN (the
    deferred index check reports it), a batch of only ignored labels is NaN, an empty
    batch NaN; the gradient keeps the generic path's convention for each."""
    from xpnet.ops import _fused_losses as L

    x = rng.standard_normal((6, 5)).astype(dtype)
    x[2] = [1e4, -1e4, 0, 3, 3]  # large logits: the shift keeps exp finite
    g = np.asarray(0.7, dtype=dtype)
    for labels in ([0, 4, 2, 1, 3, 0], [0, -100, 2, -100, 3, 1], [0, 5, 2, 1, -1, 0],
                   [-100] * 6, []):  # fmt: skip
        y = np.array(labels, dtype=np.int64)
        xs = x[: len(y)]
        for ignore in (-100, 2):
            fast, slow = _kernel_andwithout_kernels(b, L.softmax_cross_entropy_mean_p, xs, y,
                                             ignore_index=ignore)  # fmt: skip
            assert fast.shape == () and fast.dtype == slow.dtype
            np.testing.assert_allclose(fast, slow, rtol=2e-6)
            fast, slow = _kernel_andwithout_kernels(b, L.softmax_cross_entropy_mean_grad_p, g, xs, y,
                                             ignore_index=ignore)  # fmt: skip
            assert fast.shape == slow.shape and fast.dtype == slow.dtype
            np.testing.assert_allclose(fast, slow, rtol=2e-6, atol=1e-7)
    # int32 labels and a transposed (non-contiguous) batch of logits
    y = np.array([1, 0, 3], dtype=np.int32)
    xt = np.asfortranarray(x[:3])
    for prim, args in ((L.softmax_cross_entropy_mean_p, (xt, y)),
                       (L.softmax_cross_entropy_mean_grad_p, (g, xt, y))):  # fmt: skip
        fast, slow = _kernel_andwithout_kernels(b, prim, *args, ignore_index=-100)
        np.testing.assert_allclose(fast, slow, rtol=2e-6, atol=1e-7)


def test_cross_entropy_kernels_decline_what_they_do_not_cover(b):
    y = np.array([0, 1])
    wide = np.zeros((2, K.CE_MAX_CLASSES + 1), np.float32)
    half = np.zeros((2, 3), np.float16)
    for x in (wide, half):
        assert b.kernels["softmax_cross_entropy_mean"](b, x, y, ignore_index=-100) is NotImplemented
    g = np.asarray(1.0, np.float64)  # another dtype than the logits'
    out = b.kernels["softmax_cross_entropy_mean_grad"](b, g, np.zeros((2, 3), np.float32), y,
                                                        ignore_index=-100)  # fmt: skip
    assert out is NotImplemented


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_binary_cross_entropy_kernels_at_the_clamp_and_outside_the_domain(b, dtype):
    from xpnet.ops import _fused_losses as L

    p = np.array([0, 1, 0.5, np.nan, -1, 2, 1e-45, 1 - 1e-7, 0.25, 0.75, 1e-3, 0.999])
    t = np.array([0, 1, 0.3, 1, 0, 1, 1, 0, 1, 0, 0.5, 1])
    g = np.asarray(0.5, dtype=dtype)
    for q, u in ((p, t), (p[:0], t[:0]), (p[[0, 1, 2, 8]], t[[0, 1, 2, 8]]), (p[2], t[2])):
        q, u = np.asarray(q, dtype=dtype), np.asarray(u, dtype=dtype)  # 0-d too
        for prim, args in ((L.binary_cross_entropy_p, (q, u)),
                           (L.binary_cross_entropy_mean_p, (q, u)),
                           (L.binary_cross_entropy_mean_grad_p, (g, q, u))):  # fmt: skip
            fast, slow = _kernel_andwithout_kernels(b, prim, *args)
            assert fast.shape == slow.shape and fast.dtype == slow.dtype, prim.name
            np.testing.assert_allclose(fast, slow, rtol=2e-6, atol=0, err_msg=prim.name)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_input_checks_match_the_generic_path(b, dtype):
    from xpnet.ops._reduce import outside_p
    from xpnet.ops._shape import out_of_range_p

    for v in ([0.0, 0.5, 1.0], [0.5, -0.01], [1.01], [np.nan, 0.3], [np.inf], []):
        x = np.array(v, dtype=dtype)
        fast, slow = _kernel_andwithout_kernels(b, outside_p, x, lo=0.0, hi=1.0)
        assert fast.shape == () and bool(fast) == bool(slow), v
    for idx_dtype in ("int64", "int32", "uint8"):
        for v in ([0, 3, 1], [0, 4], [-1, 2], [0, -100, 3], [], [255]):
            if idx_dtype == "uint8" and min(v, default=0) < 0:
                continue
            idx = np.array(v).astype(idx_dtype)
            for ignore in (None, -100, 4):
                fast, slow = _kernel_andwithout_kernels(b, out_of_range_p, idx, n=4, ignore=ignore,
                                                 reduce=True)  # fmt: skip
                assert bool(fast) == bool(slow), (v, ignore)


OPTIMIZERS = {
    "adam": lambda ps: xn.optim.Adam(ps, lr=0.01),
    "adamw": lambda ps: xn.optim.AdamW(ps, lr=0.01, weight_decay=0.1),
    "adam-l2": lambda ps: xn.optim.Adam(ps, lr=0.01, weight_decay=0.1),
    "sgd": lambda ps: xn.optim.SGD(ps, lr=0.1),
    "sgd-wd": lambda ps: xn.optim.SGD(ps, lr=0.1, weight_decay=0.05),
    "momentum": lambda ps: xn.optim.SGD(ps, lr=0.1, momentum=0.9, dampening=0.2),
    "nesterov": lambda ps: xn.optim.SGD(ps, lr=0.1, momentum=0.9, nesterov=True),
}


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("opt", list(OPTIMIZERS))
def test_update_kernels_match_the_generic_update(b, opt, dtype, rng):
    shapes = [(3, 4), (4,), (2, 3, 2)]
    init = [rng.standard_normal(s).astype(dtype) for s in shapes]
    grads = [[rng.standard_normal(s).astype(dtype) for s in shapes] for _ in range(3)]

    def train():
        ps = [xn.tensor(a, backend=b, requires_grad=True) for a in init]
        o = OPTIMIZERS[opt](ps)
        for step in grads:
            for p, g in zip(ps, step, strict=True):
                p.grad = xn.tensor(g, backend=b)
            o.step()
        return [p.numpy() for p in ps]

    tol = 2e-6 if dtype == "float32" else 1e-12
    fast = train()
    # all three parameters in one launch of the multi-tensor kernel
    assert {"adam_mt", "sgd_mt", "sgd0_mt"} & set(K._CACHE), sorted(K._CACHE)
    for f, s in zip(fast, without_kernels(b, train), strict=True):
        np.testing.assert_allclose(f, s, rtol=tol, atol=tol)


# (update, foreach slots n, the update's scalars with a nonzero weight decay last, flags)
_WD_OFF = [
    ("adam", 5, (0.01, 1.2, 0.995, 0.9, 0.1, 0.999, 0.001, 1e-8, 0.5),
     dict(use_weight_decay=False, decoupled=False, amsgrad=False)),
    ("adamw", 5, (0.01, 1.2, 0.995, 0.9, 0.1, 0.999, 0.001, 1e-8, 0.5),
     dict(use_weight_decay=False, decoupled=True, amsgrad=False)),
    ("momentum", 3, (0.1, 0.9, 0.8, 0.5),
     dict(use_momentum=True, use_weight_decay=False, nesterov=False, first=False)),
    ("sgd", 3, (0.1, 0.0, 1.0, 0.5),
     dict(use_momentum=False, use_weight_decay=False, nesterov=False, first=False)),
]  # fmt: skip


@pytest.mark.parametrize("k", [1, 3])
@pytest.mark.parametrize("case", _WD_OFF, ids=[c[0] for c in _WD_OFF])
def test_update_kernels_do_not_decay_when_weight_decay_is_off(b, case, k, rng):
    """Weight decay off with a nonzero weight-decay scalar (the flags select the code, as
    in the generic update, whatever value the scalar holds): single and multi-tensor."""
    from xpnet.optim._update import adam_update_p, foreach, sgd_update_p

    name, n, scalars, flags = case
    update = adam_update_p if name.startswith("adam") else sgd_update_p
    prim = foreach(update, k, n) if k > 1 else update
    # slot-major: k parameters, k gradients, k of each state (Adam's second moments >= 0)
    arrays = [rng.standard_normal((2, 3)).astype(np.float32) for _ in range(min(n, 4) * k)]
    arrays[3 * k :] = [np.abs(a) for a in arrays[3 * k :]]
    unused = [None] * k if n == 5 else []  # Adam's AMSGrad slot

    def run(impl):
        args = [a.copy() for a in arrays] + unused
        out = impl(b, *args, *scalars, **flags)
        return [np.asarray(o) for o in out if o is not None]

    fast = run(b.kernels[prim.name])
    kernel = "adam" if n == 5 else "sgd" if flags["use_momentum"] else "sgd0"
    assert set(K._CACHE) == {kernel + ("_mt" if k > 1 else "")}  # the kernel ran, and only it
    for f, s in zip(fast, without_kernels(b, lambda: run(prim.impl)), strict=True):
        np.testing.assert_allclose(f, s, rtol=1e-6, atol=1e-7)


def test_multi_tensor_updates_take_a_compiled_steps_slot_buffer_whole(b, rng):
    """The step's scalars as views of one buffer in the update's order (``Slots``): the
    kernel reads that buffer, no concatenation; out of order or mixed, it concatenates."""
    buf = np.array([0.1, 0.9, 0.8, 0.0], dtype=np.float32)
    views = tuple(buf[i, ...] for i in range(4))
    assert K._hyper(b, views, buf.dtype) is buf
    for other in (views[::-1], (*views[:3], np.float32(0.0)), views[:3]):
        got = K._hyper(b, other, buf.dtype)
        assert got is not buf and got.tolist() == [float(v) for v in other]


def test_multi_tensor_updates_decline_what_one_launch_cannot_cover(b, rng):
    """A strided gradient, a single parameter or mixed dtypes: one launch per parameter
    instead (the per-parameter kernels), with the same values."""
    from xpnet.optim._update import adam_update_p, foreach

    def arrays(dtype, n=3):
        return [rng.standard_normal((2, 3)).astype(dtype) for _ in range(n)]

    scalars = (0.01, 1.0, 1.0, 0.9, 0.1, 0.999, 0.001, 1e-8, 0.0)
    flags = dict(use_weight_decay=False, decoupled=False, amsgrad=False)
    prim = foreach(adam_update_p, 3, 5)
    strided = [a.T.copy().T for a in arrays("float32")]  # Fortran order
    for ps, gs in ((arrays("float32"), strided), (arrays("float32"), arrays("float64"))):
        args = (*ps, *gs, *arrays("float32"), *arrays("float32"), None, None, None, *scalars)
        assert b.kernels[prim.name](b, *args, **flags) is NotImplemented
    one = foreach(adam_update_p, 1, 5)
    args = (*arrays("float32", 1), *arrays("float32", 1), *arrays("float32", 1),
            *arrays("float32", 1), None, *scalars)  # fmt: skip
    assert b.kernels[one.name](b, *args, **flags) is NotImplemented


def test_a_kernel_that_does_not_compile_warns_once_and_the_generic_path_runs(b, monkeypatch):
    monkeypatch.setitem(K._DEFS, "sigmoid", ("elementwise", "T x", "T y", "y = not C++;", {}))
    x = xn.tensor([0.0, 2.0], backend=b)
    with pytest.warns(xn.PerformanceWarning, match="xpnet_sigmoid does not compile here"):
        y = xn.sigmoid(x)
    np.testing.assert_allclose(y.numpy(), 1 / (1 + np.exp(-x.numpy())), rtol=1e-6)
    assert "sigmoid" in K._BROKEN
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # once: later calls take the generic path quietly
        np.testing.assert_allclose(xn.sigmoid(x).numpy(), y.numpy())


@pytest.mark.parametrize("make_opt", [lambda ps: xn.optim.Adam(ps, lr=0.01),
                                      lambda ps: xn.optim.SGD(ps, lr=0.1, momentum=0.9)],
                         ids=["adam", "sgd-momentum"])  # fmt: skip
def test_a_compiled_training_step_on_the_kernels_matches_eager_generic_training(
    b, make_opt, rng, monkeypatch
):
    """The kernels inside ``xn.compile``: recorded, replayed with the optimizer's scalars as
    0-d slot arrays (the multi-tensor updates' compiled form), cross-entropy's kernels in the
    loop; the losses and parameters follow eager training on the generic path."""
    from xpnet import nn

    from ..compile.steps import train_step

    x = rng.standard_normal((32, 6)).astype(np.float32)
    y = rng.integers(0, 4, 32)

    def train(compiled):
        xn.manual_seed(0)
        model = nn.Sequential(nn.Linear(6, 16, backend=b), nn.ReLU(), nn.Linear(16, 4, backend=b))
        step = train_step(model, make_opt(list(model.parameters())))
        f = xn.compile(step) if compiled else step
        xt, yt = xn.tensor(x, backend=b), xn.tensor(y, backend=b)
        losses = [f(xt, yt).item() for _ in range(8)]
        return losses, [p.numpy() for p in model.parameters()], f

    concatenations: list[int] = []
    cupy = sys.modules["cupy"]
    monkeypatch.setattr(
        cupy, "concatenate", lambda parts: concatenations.append(1) or np.concatenate(parts)
    )
    fast_losses, fast_params, f = train(True)
    assert f.replays >= 4 and concatenations == []  # the slots' buffer went in whole
    assert {"ce_rows", "ce_mean_grad"} <= set(K._CACHE) and {"adam_mt", "sgd_mt"} & set(K._CACHE)
    assert "bias_relu" in K._CACHE and "linear_relu" in f.source()  # the fused pair ran
    slow_losses, slow_params, _ = without_kernels(b, lambda: train(False))
    np.testing.assert_allclose(fast_losses, slow_losses, rtol=1e-5)
    for fp, sp in zip(fast_params, slow_params, strict=True):
        np.testing.assert_allclose(fp, sp, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("key, counter", [((123, 456), 0), ((0xFFFFFFFF, 1), 2**32 - 3),
                                          ((7, 0xDEADBEEF), 2**40 + 5)])  # fmt: skip
def test_philox_kernel_matches_the_reference_bit_for_bit(b, monkeypatch, key, counter):
    """CuPy's Philox4x32-10 (the cupy backend's random numbers) against the NumPy reference,
    across the counter's 32-bit boundary and at full-width keys."""
    from xpnet.backend import _cupy
    from xpnet.backend import _philox as philox

    monkeypatch.setattr(_cupy, "_KERNEL", None)  # built by this emulation, not kept
    n = 4097
    w0, w1 = np.empty(n, np.uint32), np.empty(n, np.uint32)
    _cupy._philox_kernel()(np.uint32(key[0]), np.uint32(key[1]), np.uint64(counter), w0, w1)
    r0, r1 = philox.words(key, counter, n)
    np.testing.assert_array_equal(w0, r0)
    np.testing.assert_array_equal(w1, r1)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("act", ["relu", "sigmoid", "tanh"])
def test_fused_bias_activation_kernels_match_the_generic_pair(b, act, dtype, rng):
    """linear then the activation, fused (one launch after the product) against the
    generic linear and the generic activation; NaN and large values in the product."""
    from xpnet.ops import _elementwise as E
    from xpnet.ops._matmul import linear_p

    x = rng.standard_normal((9, 2, 5)).astype(dtype) * 8
    w = rng.standard_normal((7, 5)).astype(dtype)
    bias = rng.standard_normal(7).astype(dtype)
    bias[0], bias[1] = np.nan, -0.0
    fast = b.kernels[f"linear_{act}"](b, x, w, bias)
    assert fast is not NotImplemented
    slow = getattr(E, f"{act}_p").impl(b, linear_p.impl(b, x, w, bias))
    assert fast.dtype == slow.dtype and fast.shape == slow.shape
    np.testing.assert_allclose(fast, slow, rtol=2e-6 if dtype == "float32" else 1e-12, atol=1e-7)
    half = b.kernels[f"linear_{act}"](b, x.astype(np.float32), w.astype(np.float64), bias)
    assert half is NotImplemented  # mixed dtypes: the recorded pair runs
