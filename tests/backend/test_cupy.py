"""CuPy: what a GPU shows (skipped without one) and the device-context mechanism (on the CPU)."""

from __future__ import annotations

import math

import numpy as np
import pytest

import xpnet as xn
from xpnet.backend import _philox as philox
from xpnet.backend._numpy import NumpyBackend


def _cupy_backend():
    try:
        return xn.get_backend("cupy")
    except xn.BackendUnavailableError as e:
        pytest.skip(f"cupy unavailable: {e}")


class _CountingBackend(NumpyBackend):
    """NumPy, pretending to need a current device like CuPy, counting the contexts entered."""

    needs_context = True
    entered = 0

    def current(self):
        import contextlib

        type(self).entered += 1
        return contextlib.nullcontext()


def test_every_primitive_call_and_creation_runs_in_the_devices_context():
    import array_api_compat.numpy as xp

    b = _CountingBackend(xp, "cpu")
    x = xn.Tensor.__new__(xn.Tensor)
    from xpnet.autodiff.internal import wrap as _wrap

    x = _wrap(np.ones(3, dtype=np.float32), b)
    before = _CountingBackend.entered
    y = (x * 2.0).exp().sum()
    assert _CountingBackend.entered - before == 3 and y.backend is b
    before = _CountingBackend.entered
    xn.zeros(2, backend=b)
    assert _CountingBackend.entered - before == 1


def test_philox_kernel_matches_the_reference_bit_for_bit():
    b = _cupy_backend()
    state = b._rng_new(123)
    w0, w1 = b._words(state, 4097)
    r0, r1 = philox.words(state["key"], 0, 4097)
    assert (
        np.array_equal(w0.get(), r0) and np.array_equal(w1.get(), r1) and state["counter"] == 4097
    )


def test_random_draws_on_cupy():
    b = _cupy_backend()
    g = xn.Generator(0, backend=b)
    h = g.normal((1000,), dtype="float16")
    assert b.dtype_name(h.dtype) == "float16" and np.isfinite(h.get()).all()
    assert sorted(xn.randperm(50, generator=g).tolist()) == list(range(50))
    assert xn.randint(3, 7, (500,), generator=g).numpy().min() >= 3
    state = g.get_state()
    first = g.uniform((33,)).get()
    g.set_state(state)
    assert np.array_equal(g.uniform((33,)).get(), first)  # exact resume


def test_cupy_to_torch_on_the_gpu_goes_through_dlpack_not_the_host():
    b = _cupy_backend()
    torch = pytest.importorskip("torch")
    if not torch.cuda.is_available():
        pytest.skip("torch has no CUDA here")
    x = xn.arange(0, 6, dtype="float32", backend=b)
    before = xn.backend.HOST_READS[0]
    t = x.to(backend="torch", device="cuda:0")
    assert xn.backend.HOST_READS[0] == before and t.backend.name == "torch"
    assert t.tolist() == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]


def test_device_spellings():
    b = _cupy_backend()
    assert xn.get_backend("cupy", "0") is xn.get_backend("cupy", "cuda:0") is b


def test_pytorch_device_strings_move_numpy_tensors_and_models_to_the_gpu_and_back():
    b = _cupy_backend()
    assert xn.cuda.is_available() and xn.cuda.device_count() >= 1
    x = xn.tensor([1.0, 2.0], requires_grad=True)
    y = x.to("cuda")
    assert y.backend is b and x.cuda().backend is b and x.to(xn.device("cuda", 0)).backend is b
    (y.cpu() * 2.0).sum().backward()  # differentiable across the move
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 2.0])
    model = xn.nn.Linear(2, 1).cuda()
    assert model.weight.backend is b and model(y[None]).backend is b
    assert model.cpu().weight.backend is xn.get_backend("numpy")


def test_a_registered_kernel_replaces_the_generic_implementation_and_keeps_the_rule():
    import array_api_compat.numpy as xp

    b = _CountingBackend(xp, "cpu")
    from xpnet.autodiff.internal import wrap as _wrap

    calls = []

    def my_tanh(backend, x):
        calls.append(x.shape)
        return np.tanh(x)

    b.register_kernel("tanh", my_tanh)
    x = _wrap(np.array([0.5, -1.0]), b).requires_grad_()
    y = xn.tanh(x)
    y.sum().backward()
    assert calls == [(2,)]
    np.testing.assert_allclose(
        x.grad.numpy(), 1 - np.tanh([0.5, -1.0]) ** 2
    )  # the VJP rule is unchanged
    b.register_kernel("tanh", None)
    xn.tanh(x)
    assert calls == [(2,)]  # back to the generic implementation
    b.register_kernel("tanh", lambda backend, x: NotImplemented)  # a kernel may decline a call
    np.testing.assert_allclose(xn.tanh(x).numpy(), np.tanh([0.5, -1.0]))


@pytest.mark.parametrize(
    "opt",
    [
        lambda ps: xn.optim.Adam(ps, lr=1e-2, weight_decay=0.01),
        lambda ps: xn.optim.AdamW(ps, lr=1e-2),
        lambda ps: xn.optim.SGD(ps, lr=0.1),
        lambda ps: xn.optim.SGD(ps, lr=0.1, momentum=0.9, nesterov=True, weight_decay=1e-3),
        lambda ps: xn.optim.SGD(ps, lr=0.1, momentum=0.9, dampening=0.1),
    ],
    ids=["adam", "adamw", "sgd", "sgd-nesterov", "sgd-dampening"],
)
def test_fused_update_kernels_match_the_generic_path(opt):
    """One parameter (the per-parameter kernel) and three of different sizes (the
    multi-tensor kernel: one launch for all) against the generic update."""
    b = _cupy_backend()
    names = ("adam_update", "sgd_update", "adam_update_foreach", "sgd_update_foreach")
    for shapes in ([(1000,)], [(1000,), (30, 7), (5,)]):
        results = []
        for fused in (True, False):
            saved = {k: b.kernels.pop(k) for k in names} if not fused else {}
            try:
                ps = [xn.nn.Parameter(xn.tensor(np.linspace(-1, 1, math.prod(s)).reshape(s),
                                                dtype="float32", backend=b)) for s in shapes]  # fmt: skip
                o = opt(ps)
                for i in range(5):
                    for p in ps:
                        g = np.sin(np.arange(p.size) * (i + 1)).reshape(p.shape)
                        p.grad = xn.tensor(g, dtype="float32", backend=b)
                    o.step()
                results.append([p.numpy() for p in ps])
            finally:
                b.kernels.update(saved)
        for f, g in zip(*results, strict=True):
            np.testing.assert_allclose(f, g, rtol=1e-6, atol=1e-7)


def test_fused_sigmoid_matches_the_generic_path():
    b = _cupy_backend()
    x = xn.tensor(np.linspace(-60, 60, 4001), dtype="float32", backend=b)
    fused = xn.sigmoid(x).numpy()
    from xpnet.ops._elementwise import _sigmoid

    generic = b.to_numpy(_sigmoid(b, x.native()))
    np.testing.assert_allclose(fused, generic, rtol=1e-6, atol=0)


@pytest.mark.parametrize("dtype", ["float32", "float16"])
def test_fused_relu_grad_matches_the_generic_path(dtype):
    b = _cupy_backend()
    g = xn.tensor([1.0, float("nan"), -2.0, 3.0, 4.0], dtype=dtype, backend=b)
    ans = xn.tensor([0.5, 1.0, 0.0, -1.0, 2.0], dtype=dtype, backend=b)
    from xpnet.ops.internal import relu_grad_p

    fused = relu_grad_p(g, ans)
    generic = b.to_numpy(relu_grad_p.impl(b, g.native(), ans.native()))
    assert fused.dtype == g.dtype and "relu_grad" in b.kernels
    np.testing.assert_array_equal(fused.numpy(), generic)


@pytest.mark.parametrize("dtype", ["int32", "int64", "uint8"])
@pytest.mark.parametrize("ignore", [None, -100, 2])
def test_fused_index_check_matches_the_generic_path(dtype, ignore):
    b = _cupy_backend()
    from xpnet.ops._shape import out_of_range_p

    assert "out_of_range" in b.kernels
    for values in ([0, 1, 3], [0, 9, 2], [2, 2], [], [3, 255 if dtype == "uint8" else -100]):
        idx = xn.tensor(np.array(values).astype(dtype), backend=b)
        fused = out_of_range_p(idx, n=4, ignore=ignore, reduce=True)
        generic = out_of_range_p.impl(b, idx.native(), n=4, ignore=ignore, reduce=True)
        assert fused.shape == () and bool(fused.numpy()) == bool(b.to_numpy(generic)), values


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_fused_probability_check_matches_the_generic_path(dtype):
    b = _cupy_backend()
    from xpnet.ops.internal import outside_p

    assert "outside" in b.kernels
    for values in ([0.0, 0.5, 1.0], [0.5, -0.01], [1.01], [float("nan")], [float("inf")], []):
        x = xn.tensor(np.array(values, dtype=dtype), backend=b)
        fused = outside_p(x, lo=0.0, hi=1.0)
        generic = outside_p.impl(b, x.native(), lo=0.0, hi=1.0)
        assert fused.shape == () and bool(fused.numpy()) == bool(b.to_numpy(generic)), values


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_fused_binary_cross_entropy_matches_the_generic_path(dtype):
    """The BCE kernels (elementwise, mean, the mean's gradient) at the clamp (0, 1, below
    e^-100), at NaN and outside [0, 1], and on no elements; float16 declines to the
    generic path (the kernels are float32/float64)."""
    b = _cupy_backend()
    from xpnet.ops import _fused_losses as L

    p = np.array([0, 1, 0.5, np.nan, -1, 2, 1e-45, 1 - 1e-7, 0.25, 0.75, 1e-3, 0.999])
    t = np.array([0, 1, 0.3, 1, 0, 1, 1, 0, 1, 0, 0.5, 1])
    for q, u in ((p, t), (p[:0], t[:0]), (p[[0, 1, 2, 8, 9]], t[[0, 1, 2, 8, 9]]), (p[2], t[2])):
        pd = b.from_numpy(np.asarray(q, dtype=dtype))  # 0-d too
        td = b.from_numpy(np.asarray(u, dtype=dtype))
        g = b.from_numpy(np.asarray(0.5, dtype=dtype))
        cases = (
            ("binary_cross_entropy", L._bce, (pd, td)),
            ("binary_cross_entropy_mean", L._bce_mean, (pd, td)),
            ("binary_cross_entropy_mean_grad", L._bce_mean_grad, (g, pd, td)),
        )
        for name, generic, args in cases:
            out = b.kernels[name](b, *args)
            if dtype == "float16":
                assert out is NotImplemented
                continue
            want = b.to_numpy(generic(b, *args))
            got = b.to_numpy(out)
            assert got.dtype == want.dtype and got.shape == want.shape, name
            np.testing.assert_allclose(got, want, rtol=2e-6, atol=0, err_msg=name)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_fused_cross_entropy_matches_the_generic_path(dtype):
    """The cross-entropy mean's kernels with ignored labels, labels outside [0, C) (NaN),
    only ignored labels, an empty batch, int32 labels and Fortran-order logits."""
    b = _cupy_backend()
    from xpnet.ops import _fused_losses as L

    rng = np.random.default_rng(0)
    x = rng.standard_normal((6, 5)).astype(dtype)
    x[2] = [1e4, -1e4, 0, 3, 3]
    g = b.from_numpy(np.asarray(0.7, dtype=dtype))
    for labels, ldtype in (([0, 4, 2, 1, 3, 0], "int64"), ([0, -100, 2, -100, 3, 1], "int64"),
                           ([0, 5, 2, 1, -1, 0], "int64"), ([-100] * 6, "int64"), ([], "int64"),
                           ([1, 0, 3, 2, 2, 4], "int32")):  # fmt: skip
        y = b.from_numpy(np.array(labels, dtype=ldtype))
        xs = b.from_numpy(np.asfortranarray(x[: len(labels)]))
        for prim, args in ((L.softmax_cross_entropy_mean_p, (xs, y)),
                           (L.softmax_cross_entropy_mean_grad_p, (g, xs, y))):  # fmt: skip
            out = b.kernels[prim.name](b, *args, ignore_index=-100)
            assert out is not NotImplemented, prim.name
            got = b.to_numpy(out)
            want = b.to_numpy(prim.impl(b, *args, ignore_index=-100))
            assert got.dtype == want.dtype and got.shape == want.shape, prim.name
            np.testing.assert_allclose(got, want, rtol=2e-6, atol=1e-7, err_msg=prim.name)


@pytest.mark.parametrize("make_opt", [lambda ps: xn.optim.Adam(ps, lr=1e-2),
                                      lambda ps: xn.optim.SGD(ps, lr=0.1, momentum=0.9)],
                         ids=["adam", "sgd-momentum"])  # fmt: skip
def test_a_compiled_step_feeds_the_slot_buffer_to_the_multi_tensor_kernel(make_opt, monkeypatch):
    """On a GPU: the replayed update reads the step's scalars as the slots' one buffer (no
    concatenation on the device), and compiled training follows eager generic training."""
    b = _cupy_backend()
    import cupy

    from xpnet.backend import _cupy_kernels as K

    from ..compile.steps import train_step

    rng = np.random.default_rng(0)
    x = rng.standard_normal((32, 6)).astype(np.float32)
    y = rng.integers(0, 4, 32)

    def train(compiled):
        xn.manual_seed(0)
        model = xn.nn.Sequential(xn.nn.Linear(6, 16, backend=b), xn.nn.ReLU(),
                                 xn.nn.Linear(16, 4, backend=b))  # fmt: skip
        step = train_step(model, make_opt(list(model.parameters())))
        f = xn.compile(step) if compiled else step
        xt, yt = xn.tensor(x, backend=b), xn.tensor(y, backend=b)
        losses = [f(xt, yt).item() for _ in range(3)]  # recordings
        calls = []
        real = cupy.concatenate
        monkeypatch.setattr(cupy, "concatenate", lambda *a, **k: calls.append(1) or real(*a, **k))
        losses += [f(xt, yt).item() for _ in range(5)]
        monkeypatch.setattr(cupy, "concatenate", real)
        return losses, [p.numpy() for p in model.parameters()], calls

    fast, fast_params, calls = train(True)
    assert calls == [] and {"adam_mt", "sgd_mt"} & set(K._CACHE)
    saved = dict(b.kernels)
    b.kernels.clear()
    try:
        slow, slow_params, _ = train(False)
    finally:
        b.kernels.update(saved)
    np.testing.assert_allclose(fast, slow, rtol=1e-5)
    for f, s in zip(fast_params, slow_params, strict=True):
        np.testing.assert_allclose(f, s, rtol=1e-5, atol=1e-6)


def test_torch_cuda_questions_on_a_gpu():
    """xn.cuda's PyTorch answers from CuPy: memory held by a live array, released blocks,
    the device's name (GPU runner only)."""
    b = _cupy_backend()
    before = xn.cuda.memory_allocated()
    x = xn.ones((1024, 1024), backend=b)
    assert xn.cuda.memory_allocated() >= before + 4 * 1024 * 1024
    xn.cuda.synchronize()
    del x
    xn.cuda.empty_cache()
    assert xn.cuda.memory_allocated() == before
    assert isinstance(xn.cuda.get_device_name(), str) and xn.cuda.get_device_name()
    assert xn.cuda.current_device() == b.device.id


def test_torch_cuda_questions_without_a_gpu():
    try:
        xn.get_backend("cupy")
    except xn.BackendUnavailableError:
        pass
    else:
        pytest.skip("a GPU is there: the test above covers it")
    assert xn.cuda.memory_allocated() == 0 and xn.cuda.device_count() == 0
    xn.cuda.empty_cache()  # nothing to release, as PyTorch
    with pytest.raises(xn.BackendUnavailableError, match="needs CuPy"):
        xn.cuda.synchronize()
