"""Fused CUDA kernels for CuPy: one launch where the generic path takes several.

Each replaces a primitive's implementation on the ``cupy`` backend (registered by
``CupyBackend.native_kernels``) and must give the generic Array API path's values
(``tests/backend/test_cupy.py`` compares them on a GPU):

- ``adam_update``: the whole Adam/AdamW step of one parameter (about ten launches
  in the generic path: moments, square root, bias corrections, the update);
- ``sgd_update``: SGD with weight decay, momentum, dampening and Nesterov;
- ``adam_update_foreach``, ``sgd_update_foreach``: the same updates for every parameter
  of a bucket in one launch (PyTorch's fused multi-tensor optimizers): the kernel runs
  over all their elements end to end, finds each element's tensor by a binary search in
  the running sizes, and reaches it through a table of device pointers (cached by the
  addresses, so a step whose arrays did not move copies nothing to the device); the
  step's scalars come in one small device array;
- ``sigmoid``: 1/(1+exp(-x)) in the overflow-free form, one launch instead of five;
- ``relu_grad``: ReLU's backward, g times the mask ans > 0, one launch instead of three;
- ``sigmoid_grad``, ``tanh_grad``: the sigmoid's and tanh's backward from the forward
  output, one launch instead of three;
- ``outside``: whether any element is not in [lo, hi], NaN included
  (binary_cross_entropy's input check), one reduction launch instead of four;
- ``out_of_range``: whether any class index or embedding index is outside [0, n) (and
  not the ignored index): one reduction launch instead of six;
- ``binary_cross_entropy`` and ``binary_cross_entropy_mean`` (one elementwise or one
  reduction launch instead of about eighteen: the logs clamped at -100 as the generic
  path's ``clamped_log``), ``binary_cross_entropy_mean_grad`` (one launch instead of
  seven); float32 and float64 with one dtype for all inputs, else the generic path;
- ``linear_relu``, ``linear_sigmoid``, ``linear_tanh`` (a compiled step fuses a linear
  with the activation after it): the product, then the bias and the activation in one
  launch on it;
- ``softmax_cross_entropy_mean`` (per-row log-sum-exp minus the picked logit, one thread
  a row, then the two sums and the division: four launches instead of about twenty) and
  its gradient (the kept count, per-row max and sum of exponentials, then softmax minus
  one-hot times g keep / count: four launches instead of about sixteen); float32/float64
  with up to 1024 classes, else the generic path. The index check stays its own launch
  (``out_of_range``).

The kernels are compiled by CuPy on first use (then cached on disk). A kernel that
does not compile on this machine (an NVRTC or header the library was not tested with)
warns once (``xn.PerformanceWarning``) and the generic path runs in its place: it
fails before any launch, so nothing was changed.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from .._errors import PerformanceWarning
from ._base import reciprocal

_ADAM = """
T gg = g;
T pp = p;
if (wd_mode == 2) { pp = pp * decay; } else if (wd_mode == 1) { gg = gg + pp * wd; }
m = m * beta1 + gg * one_minus_beta1;
v = v * beta2 + gg * gg * one_minus_beta2;
T denom = sqrt(v) * inv_sqrt_bc2 + eps;
p = pp - m / denom * step_size;
"""

_SGD = """
T gg = g;
if (use_wd) { gg = gg + p * wd; }
if (momentum != 0) {
    buf = first ? gg : buf * momentum + gg * one_minus_dampening;
    gg = nesterov ? gg + buf * momentum : buf;
}
p = p - gg * lr;
"""

_SGD_PLAIN = """
T gg = g;
if (use_wd) { gg = gg + p * wd; }
p = p - gg * lr;
"""

_SIGMOID = """
T e = exp(-fabs(x));
y = x >= 0 ? 1 / (1 + e) : e / (1 + e);
"""

# log(x) clamped at -100, as ops._fused_losses.clamped_log: x <= 0 and NaN give -100
_BCE_PREAMBLE = """
template <typename T> __device__ T xpnet_clamped_log(T x) {
    return x > (T)0 ? max(log(x), (T)-100) : (T)-100;
}
"""
_BCE_TERM = "-(t * xpnet_clamped_log(p) + ((T)1 - t) * xpnet_clamped_log((T)1 - p))"

# A row of C logits from ``base`` (x C-contiguous, one thread a row): its maximum and
# the sum of its shifted exponentials, the softmax's shift and normaliser
_ROW_PREAMBLE = """
template <typename A, typename T>
__device__ void xpnet_row_stats(A x, long long base, long long C, T* m, T* s) {
    T mm = x[base];
    for (long long j = 1; j < C; ++j) { mm = max(mm, (T)x[base + j]); }
    T ss = 0;
    for (long long j = 0; j < C; ++j) { ss += exp((T)x[base + j] - mm); }
    *m = mm;
    *s = ss;
}
"""

# Cross-entropy over rows: the generic path's shifted log-sum-exp minus the picked logit;
# 0 for the ignored label, NaN for a label outside [0, C) (the deferred index check
# reports it).
_CE_ROWS = """
long long lab = (long long)label;
if (lab == ignore) { loss = 0; kept = 0; }
else {
    kept = 1;
    if (lab < 0 || lab >= C) { loss = nan_value; }
    else {
        long long base = (long long)i * C;
        T m, s;
        xpnet_row_stats(x, base, C, &m, &s);
        loss = log(s) - (x[base + lab] - m);
    }
}
"""
_ROW_STATS = "xpnet_row_stats(x, (long long)i * C, C, &m, &s);"

# d mean / d logits: (softmax - onehot) (g keep / max(count, 1)), the generic order
_CE_GRAD = """
long long r = i / C;
long long lab = (long long)label[r];
T keep = lab == ignore ? (T)0 : (T)1;
T p = exp(x - m[r]) / s[r];
T onehot = lab == (long long)(i % C) ? (T)1 : (T)0;
y = (p - onehot) * (g * keep / max(count, (T)1));
"""

# Multi-tensor updates: element i of the k tensors laid end to end (``ends`` their running
# sizes) is element e of tensor t; each array is reached through a table of pointers.
_MT_PREAMBLE = """
__device__ int xpnet_tensor_of(const long long* ends, int k, long long i) {
    int lo = 0, hi = k - 1;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (i < ends[mid]) { hi = mid; } else { lo = mid + 1; }
    }
    return lo;
}
"""
_MT_HEAD = """
int t = xpnet_tensor_of(&ends[0], k, (long long)i);
long long e = (long long)i - (t > 0 ? ends[t - 1] : 0);
T& p = ((T*)P[t])[e];
const T g = ((const T*)G[t])[e];
"""
_MT_STATE = {
    "adam": "T& m = ((T*)M[t])[e];\nT& v = ((T*)V[t])[e];\n",
    "sgd": "T& buf = ((T*)B[t])[e];\n",
}
# the step's scalars, read from one small device array in the update primitive's order
# (optim/_update.py), so a compiled step's slot buffer is that array as it stands
_MT_SCALARS = {
    "adam": ("step_size", "inv_sqrt_bc2", "decay", "beta1", "one_minus_beta1", "beta2",
             "one_minus_beta2", "eps", "wd"),
    "sgd": ("lr", "momentum", "one_minus_dampening", "wd"),
}  # fmt: skip


def _mt_scalars(kind: str, names: tuple[str, ...] | None = None) -> str:
    order = _MT_SCALARS[kind]
    return "".join(f"const T {n} = hyper[{order.index(n)}];\n" for n in names or order)


# name -> (kind, in_params, out_params, operation or (map, reduce, post, identity), options)
# fmt: off
_DEFS: dict[str, tuple[str, str, str, Any, dict[str, Any]]] = {
    "adam": (
        "elementwise",
        "T g, T step_size, T inv_sqrt_bc2, T decay, T beta1, T beta2, T one_minus_beta1, "
        "T one_minus_beta2, T eps, T wd, int32 wd_mode",
        "T p, T m, T v",
        _ADAM,
        {},
    ),
    "sgd": (
        "elementwise",
        "T g, T lr, T momentum, T one_minus_dampening, T wd, bool use_wd, bool nesterov, bool first",
        "T p, T buf",
        _SGD,
        {},
    ),
    "sgd0": ("elementwise", "T g, T lr, T wd, bool use_wd", "T p", _SGD_PLAIN, {}),
    "sigmoid": ("elementwise", "T x", "T y", _SIGMOID, {}),
    # g * mask, as the generic path: a NaN g stays NaN
    "relu_grad": ("elementwise", "T g, U a", "T y", "y = g * (a > 0 ? (T)1 : (T)0)", {}),
    # (g * a) * (1 - a), the generic path's order
    "sigmoid_grad": ("elementwise", "T g, T a", "T y", "y = g * a * ((T)1 - a)", {}),
    "tanh_grad": ("elementwise", "T g, T a", "T y", "y = g * ((T)1 - a * a)", {}),
    # NaN is not in [lo, hi]: outside, as the generic path
    "outside": (
        "reduction",
        "T x, T lo, T hi",
        "bool y",
        ("!(x >= lo && x <= hi)", "a || b", "y = a", "false"),
        {},
    ),
    "out_of_range": (
        "reduction",
        "T x, int64 n, int64 ignore, bool use_ignore",
        "bool y",
        (
            "((long long)x < 0 || (long long)x >= n) && !(use_ignore && (long long)x == ignore)",
            "a || b",
            "y = a",
            "false",
        ),
        {},
    ),
    "bce": ("elementwise", "T p, T t", "T y", f"y = {_BCE_TERM}", {"preamble": _BCE_PREAMBLE}),
    # the sum times 1/n, as the generic path's mean
    "bce_mean": (
        "reduction",
        "T p, T t, T inv",
        "T y",
        (_BCE_TERM, "a + b", "y = a * inv", "0"),
        {"preamble": _BCE_PREAMBLE},
    ),
    # g/n (p - t) / max(p (1 - p), 1e-12), in that order
    "bce_mean_grad": (
        "elementwise",
        "T g, T p, T t, T inv",
        "T y",
        "y = g * inv * (p - t) / max(p * ((T)1 - p), (T)1e-12)",
        {},
    ),
    "ce_rows": (
        "elementwise",
        "raw T x, I label, int64 C, int64 ignore, T nan_value",
        "T loss, T kept",
        _CE_ROWS,
        {"preamble": _ROW_PREAMBLE},
    ),
    # the generic path's where(count > 0, total / max(count, 1), NaN)
    "ce_mean": (
        "elementwise",
        "T total, T count, T nan_value",
        "T y",
        "y = count > (T)0 ? total / max(count, (T)1) : nan_value",
        {},
    ),
    "row_stats": (
        "elementwise", "raw T x, int64 C", "T m, T s", _ROW_STATS, {"preamble": _ROW_PREAMBLE},
    ),
    # a linear's bias and the activation after it, in place on the product (xn.compile's
    # fusion of the pair): the generic path's z + b, then its maximum(v, 0) (NaN stays
    # NaN), the sigmoid above, tanh
    "bias_relu": (
        "elementwise", "T bias", "T z", "T v = z + bias;\nz = (v >= (T)0 || v != v) ? v : (T)0;",
        {},
    ),
    "bias_sigmoid": ("elementwise", "T bias", "T z", "T x = z + bias;\nT& y = z;\n" + _SIGMOID, {}),
    "bias_tanh": ("elementwise", "T bias", "T z", "z = tanh(z + bias);", {}),
    # the updates above over k tensors in one launch of ``size`` = their total elements;
    # P (the parameters' pointer table) is the output, as every array here is raw
    "adam_mt": (
        "elementwise",
        "raw uint64 G, raw uint64 M, raw uint64 V, raw int64 ends, int32 k, raw T hyper, "
        "int32 wd_mode",
        "raw uint64 P",
        _MT_HEAD + _MT_STATE["adam"] + _mt_scalars("adam") + _ADAM,
        {"preamble": _MT_PREAMBLE},
    ),
    "sgd_mt": (
        "elementwise",
        "raw uint64 G, raw uint64 B, raw int64 ends, int32 k, raw T hyper, bool use_wd, "
        "bool nesterov, bool first",
        "raw uint64 P",
        _MT_HEAD + _MT_STATE["sgd"] + _mt_scalars("sgd") + _SGD,
        {"preamble": _MT_PREAMBLE},
    ),
    "sgd0_mt": (
        "elementwise",
        "raw uint64 G, raw int64 ends, int32 k, raw T hyper, bool use_wd",
        "raw uint64 P",
        _MT_HEAD + _mt_scalars("sgd", ("lr", "wd")) + _SGD_PLAIN,
        {"preamble": _MT_PREAMBLE},
    ),
    "ce_mean_grad": (
        "elementwise",
        "T x, raw T m, raw T s, raw I label, T g, T count, int64 C, int64 ignore",
        "T y",
        _CE_GRAD,
        {},
    ),
}
# fmt: on

_CACHE: dict[str, Any] = {}
_BROKEN: dict[str, str] = {}  # kernels that did not compile here: why


def _kernel(name: str) -> Any:
    k = _CACHE.get(name)
    if k is None:
        import cupy

        kind, ins, outs, op, options = _DEFS[name]
        if kind == "elementwise":
            k = cupy.ElementwiseKernel(ins, outs, op, f"xpnet_{name}", **options)
        else:
            k = cupy.ReductionKernel(ins, outs, *op, f"xpnet_{name}", **options)
        _CACHE[name] = k
    return k


def _compile_errors() -> tuple[type[BaseException], ...]:
    from cupy.cuda.compiler import CompileException

    return (CompileException,)


def _launch(name: str, *args: Any, **kwargs: Any) -> Any:
    """Run the kernel ``name``; NotImplemented (the generic path runs) if it does not compile
    here, with a warning the first time. Compilation fails before a launch: nothing changed."""
    if name in _BROKEN:
        return NotImplemented
    try:
        return _kernel(name)(*args, **kwargs)
    except _compile_errors() as e:
        _BROKEN[name] = str(e).splitlines()[0] if str(e) else type(e).__name__
        warnings.warn(
            f"xpnet: the CuPy kernel xpnet_{name} does not compile here ({_BROKEN[name]}); "
            "the generic implementation runs instead (slower, same values)",
            PerformanceWarning,
            stacklevel=2,
        )
        return NotImplemented


def _scalar(a: Any, dtype: Any) -> Any:
    """A step scalar (Python float or 0-d slot array) in the kernel's type."""
    return a.astype(dtype, copy=False) if hasattr(a, "astype") else dtype.type(a)


def _wd_mode(use_weight_decay: bool, decoupled: bool) -> int:
    """Adam's weight decay in its kernels: 0 off, 1 added to the gradient, 2 decoupled
    (the flags select the code, so the weight-decay value is never tested)."""
    return 0 if not use_weight_decay else 2 if decoupled else 1


def adam(
    b: Any, p: Any, g: Any, m: Any, v: Any, vmax: Any, step_size: Any, inv_sqrt_bc2: Any,
    decay: Any, beta1: Any, one_minus_beta1: Any, beta2: Any, one_minus_beta2: Any, eps: Any,
    weight_decay: Any, *, use_weight_decay: bool, decoupled: bool, amsgrad: bool,
) -> Any:  # fmt: skip
    if amsgrad:  # the running maximum: declined, the generic path runs
        return NotImplemented
    t = p.dtype
    done = _launch(
        "adam", g, _scalar(step_size, t), _scalar(inv_sqrt_bc2, t), _scalar(decay, t),
        _scalar(beta1, t), _scalar(beta2, t), _scalar(one_minus_beta1, t),
        _scalar(one_minus_beta2, t), _scalar(eps, t), _scalar(weight_decay, t),
        _wd_mode(use_weight_decay, decoupled), p, m, v,
    )  # fmt: skip
    return NotImplemented if done is NotImplemented else (p, m, v, vmax)


def sgd(
    b: Any, p: Any, g: Any, buf: Any, lr: Any, momentum: Any, one_minus_dampening: Any,
    weight_decay: Any, *, use_momentum: bool, use_weight_decay: bool, nesterov: bool, first: bool,
) -> Any:  # fmt: skip
    t = p.dtype
    wd, use_wd = _scalar(weight_decay, t), bool(use_weight_decay)
    if not use_momentum:
        done = _launch("sgd0", g, _scalar(lr, t), wd, use_wd, p)
    else:
        done = _launch(
            "sgd", g, _scalar(lr, t), _scalar(momentum, t), _scalar(one_minus_dampening, t), wd,
            use_wd, bool(nesterov), bool(first), p, buf,
        )  # fmt: skip
    return NotImplemented if done is NotImplemented else (p, buf)


_TABLES: dict[Any, Any] = {}  # (what, addresses or sizes) -> device array; bounded below
_TABLES_MAX = 256


def _table(b: Any, values: tuple[float, ...], dtype: str) -> Any:
    """``values`` as a device array of ``dtype``, made once per distinct tuple (an
    asynchronous copy from the host the first time)."""
    key = (id(b), dtype, values)
    tab = _TABLES.get(key)
    if tab is None:
        import cupy

        if len(_TABLES) >= _TABLES_MAX:
            _TABLES.clear()
        tab = _TABLES[key] = cupy.asarray(np.array(values, dtype=dtype))
    return tab


def _multi(b: Any, groups: list[tuple[Any, ...]]) -> tuple[list[Any], Any, int] | None:
    """The pointer tables of ``groups`` (each the k arrays of one role: parameters,
    gradients, state), the running sizes and the total, or None where one kernel cannot
    update them all (mixed or non-float dtypes, strided arrays, a None slot, a capture)."""
    first = groups[0]
    t = first[0].dtype
    if t.kind != "f" or t.itemsize < 4 or len(first) < 2:
        return None
    import cupy

    capturing = getattr(cupy.cuda.get_current_stream(), "is_capturing", None)
    if capturing is None or capturing():
        return None  # a new table is a copy from the host, which a CUDA graph cannot hold
    for arrays in groups:
        for a, like in zip(arrays, first, strict=True):
            if a is None or a.dtype != t or a.shape != like.shape or not a.flags.c_contiguous:
                return None
    sizes = tuple(int(a.size) for a in first)
    ends = tuple(int(e) for e in np.cumsum(sizes))
    tables = [_table(b, tuple(b.device_pointer(a) for a in arrays), "uint64") for arrays in groups]
    return tables, _table(b, ends, "int64"), ends[-1]


def _packed(b: Any, values: tuple[Any, ...], dtype: Any) -> Any:
    """The 1-d array of ``dtype`` whose elements, in order, ``values`` are views of (a
    compiled step's slot buffer, ``xpnet._slots.Slots``), else None."""
    base = getattr(values[0], "base", None)
    if base is None or base.dtype != dtype or base.shape != (len(values),):
        return None
    start, step = b.device_pointer(base), dtype.itemsize
    for j, v in enumerate(values):
        if getattr(v, "base", None) is not base or b.device_pointer(v) != start + j * step:
            return None
    return base


def _hyper(b: Any, values: tuple[Any, ...], dtype: Any) -> Any:
    """The step's scalars as one device array of ``dtype``: from the host (cached by value:
    a copy only when one changed), a compiled step's slot buffer as it stands (its 0-d
    slots are views of it, in this order), or the slots concatenated on the device (no
    host read)."""
    on_device = [hasattr(v, "shape") and not isinstance(v, np.generic) for v in values]
    if not any(on_device):
        return _table(b, tuple(float(v) for v in values), dtype.name)
    if all(on_device):
        packed = _packed(b, values, dtype)
        if packed is not None:
            return packed
    import cupy

    parts = [
        v.astype(dtype, copy=False).reshape(1) if dev else _table(b, (float(v),), dtype.name)
        for v, dev in zip(values, on_device, strict=True)
    ]
    return cupy.concatenate(parts)


def adam_foreach(b: Any, *args: Any, use_weight_decay: bool, decoupled: bool,
                 amsgrad: bool) -> Any:  # fmt: skip
    """``foreach(adam_update_p, k, 5)``: (p..., g..., m..., v..., vmax..., then the nine
    scalars), every parameter in one launch; else NotImplemented (one launch each)."""
    k = (len(args) - 9) // 5
    if amsgrad or k < 2:
        return NotImplemented
    ps, gs, ms, vs, vmaxes = (args[j * k : (j + 1) * k] for j in range(5))
    multi = _multi(b, [ps, gs, ms, vs])
    if multi is None:
        return NotImplemented
    (tp, tg, tm, tv), ends, total = multi
    hyper = _hyper(b, args[5 * k :], ps[0].dtype)  # the update's nine scalars
    mode = _wd_mode(use_weight_decay, decoupled)
    done = _launch("adam_mt", tg, tm, tv, ends, k, hyper, mode, tp, size=total)
    return NotImplemented if done is NotImplemented else (*ps, *ms, *vs, *vmaxes)


def sgd_foreach(b: Any, *args: Any, use_momentum: bool, use_weight_decay: bool,
                nesterov: bool, first: bool) -> Any:  # fmt: skip
    """``foreach(sgd_update_p, k, 3)``: (p..., g..., buf..., lr, momentum, 1 - dampening,
    weight decay), every parameter in one launch; else NotImplemented (one launch each)."""
    k = (len(args) - 4) // 3
    if k < 2:
        return NotImplemented
    ps, gs, bufs = (args[j * k : (j + 1) * k] for j in range(3))
    multi = _multi(b, [ps, gs, bufs] if use_momentum else [ps, gs])
    if multi is None:
        return NotImplemented
    tables, ends, total = multi
    hyper = _hyper(b, args[3 * k :], ps[0].dtype)  # lr, momentum, 1 - dampening, weight decay
    use_wd = bool(use_weight_decay)
    if use_momentum:
        tp, tg, tb = tables
        done = _launch("sgd_mt", tg, tb, ends, k, hyper, use_wd, bool(nesterov), bool(first),
                       tp, size=total)  # fmt: skip
    else:
        tp, tg = tables
        done = _launch("sgd0_mt", tg, ends, k, hyper, use_wd, tp, size=total)
    return NotImplemented if done is NotImplemented else (*ps, *bufs)


def sigmoid(b: Any, x: Any) -> Any:
    return _launch("sigmoid", x)


def relu_grad(b: Any, g: Any, ans: Any) -> Any:
    return _launch("relu_grad", g, ans)


def _activation_grad(name: str) -> Any:
    """The backward kernel ``name``(g, ans) where g and ans share a dtype."""

    def impl(b: Any, g: Any, ans: Any) -> Any:
        if g.dtype != ans.dtype:  # mixed precision promotes: the generic path
            return NotImplemented
        return _launch(name, g, ans)

    return impl


def outside(b: Any, x: Any, *, lo: float, hi: float) -> Any:
    if x.dtype.kind != "f":  # the kernel's bounds are in x's type: floats only
        return NotImplemented
    return _launch("outside", x, x.dtype.type(lo), x.dtype.type(hi))


def out_of_range(b: Any, idx: Any, *, n: int, ignore: int | None, reduce: bool) -> Any:
    if not reduce or idx.dtype.kind not in "iu":  # the mask itself: the generic path
        return NotImplemented
    use = ignore is not None
    return _launch("out_of_range", idx, n, ignore if use else 0, use)


def _linear_act(act: str) -> Any:
    """The kernel of linear(x, w, bias) then ``act``: cuBLAS's product, then the bias and
    the activation in one launch on it (two launches instead of three)."""

    def impl(b: Any, x: Any, w: Any, bias: Any) -> Any:
        if not _one_float_type(x, w, bias):
            return NotImplemented
        import cupy

        return _launch(f"bias_{act}", bias, cupy.matmul(x, w.T))

    return impl


def _one_float_type(*arrays: Any) -> bool:
    """float32 or float64, the same for all (the kernels' T; others: the generic path)."""
    t = arrays[0].dtype
    return t.kind == "f" and t.itemsize >= 4 and all(a.dtype == t for a in arrays)


def _inverse_size(p: Any) -> Any:
    """1/n in p's type; NaN for no elements (the generic mean's scale)."""
    return p.dtype.type(reciprocal(p.size))


def bce(b: Any, p: Any, t: Any) -> Any:
    if not _one_float_type(p, t):
        return NotImplemented
    return _launch("bce", p, t)


def bce_mean(b: Any, p: Any, t: Any) -> Any:
    if not _one_float_type(p, t):
        return NotImplemented
    return _launch("bce_mean", p, t, _inverse_size(p))


def bce_mean_grad(b: Any, g: Any, p: Any, t: Any) -> Any:
    if not _one_float_type(g, p, t):
        return NotImplemented
    return _launch("bce_mean_grad", g, p, t, _inverse_size(p))


CE_MAX_CLASSES = 1024  # one thread walks a row: wider rows take the generic path


def _ce_fits(logits: Any, labels: Any) -> bool:
    return (
        logits.ndim == 2
        and _one_float_type(logits)
        and labels.dtype.kind in "iu"
        and 0 < logits.shape[1] <= CE_MAX_CLASSES
    )


def ce_mean(b: Any, logits: Any, labels: Any, *, ignore_index: int) -> Any:
    if not _ce_fits(logits, labels):
        return NotImplemented
    import cupy

    t = logits.dtype
    nan = t.type("nan")
    rows = _launch(
        "ce_rows", cupy.ascontiguousarray(logits), labels, logits.shape[1], ignore_index, nan
    )
    if rows is NotImplemented:
        return NotImplemented
    loss, kept = rows
    return _launch("ce_mean", cupy.sum(loss), cupy.sum(kept), nan)


def ce_mean_grad(b: Any, g: Any, logits: Any, labels: Any, *, ignore_index: int) -> Any:
    if not (_ce_fits(logits, labels) and g.dtype == logits.dtype):
        return NotImplemented
    import cupy

    t = logits.dtype
    x = cupy.ascontiguousarray(logits)
    n, c = x.shape
    m, s = cupy.empty(n, dtype=t), cupy.empty(n, dtype=t)
    if _launch("row_stats", x, c, m, s) is NotImplemented:
        return NotImplemented
    count = cupy.sum(labels != ignore_index, dtype=t)
    return _launch(
        "ce_mean_grad", x, m, s, cupy.ascontiguousarray(labels), g, count, c, ignore_index
    )


KERNELS = {
    "adam_update": adam,
    "sgd_update": sgd,
    "adam_update_foreach": adam_foreach,
    "sgd_update_foreach": sgd_foreach,
    "sigmoid": sigmoid,
    "relu_grad": relu_grad,
    "sigmoid_grad": _activation_grad("sigmoid_grad"),
    "tanh_grad": _activation_grad("tanh_grad"),
    "outside": outside,
    "out_of_range": out_of_range,
    "binary_cross_entropy": bce,
    "binary_cross_entropy_mean": bce_mean,
    "binary_cross_entropy_mean_grad": bce_mean_grad,
    "linear_relu": _linear_act("relu"),
    "linear_sigmoid": _linear_act("sigmoid"),
    "linear_tanh": _linear_act("tanh"),
    "softmax_cross_entropy_mean": ce_mean,
    "softmax_cross_entropy_mean_grad": ce_mean_grad,
}
