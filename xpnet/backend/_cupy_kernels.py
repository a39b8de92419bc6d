"""Fused CUDA kernels for CuPy: one launch where the generic path takes several.

Each replaces a primitive's implementation on the ``cupy`` backend (registered by
``CupyBackend.native_kernels``) and must give the generic Array API path's values
(``tests/backend/test_cupy.py`` compares them on a GPU):

- ``adam_update``: the whole Adam/AdamW step of one parameter (about ten launches
  in the generic path: moments, square root, bias corrections, the update);
- ``sgd_update``: SGD with weight decay, momentum, dampening and Nesterov;
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
  seven); float32 and float64 with one dtype for all inputs, else the generic path.

The kernels are compiled by CuPy on first use (then cached on disk).
"""

from __future__ import annotations

from typing import Any

_ADAM = """
T gg = g;
T pp = p;
if (decoupled) { pp = pp * decay; } else if (wd != 0) { gg = gg + pp * wd; }
m = m * beta1 + gg * one_minus_beta1;
v = v * beta2 + gg * gg * one_minus_beta2;
T denom = sqrt(v) * inv_sqrt_bc2 + eps;
p = pp - m / denom * step_size;
"""

_SGD = """
T gg = g;
if (wd != 0) { gg = gg + p * wd; }
if (momentum != 0) {
    buf = first ? gg : buf * momentum + gg * one_minus_dampening;
    gg = nesterov ? gg + buf * momentum : buf;
}
p = p - gg * lr;
"""

_SGD_PLAIN = """
T gg = g;
if (wd != 0) { gg = gg + p * wd; }
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

_CACHE: dict[str, Any] = {}


def _kernel(name: str) -> Any:
    k = _CACHE.get(name)
    if k is None:
        import cupy

        if name == "adam":
            k = cupy.ElementwiseKernel(
                "T g, T step_size, T inv_sqrt_bc2, T decay, T beta1, T beta2, T one_minus_beta1, "
                "T one_minus_beta2, T eps, T wd, int32 decoupled",
                "T p, T m, T v", _ADAM, "xpnet_adam",
            )  # fmt: skip
        elif name == "sgd":
            k = cupy.ElementwiseKernel(
                "T g, T lr, T momentum, T one_minus_dampening, T wd, bool nesterov, bool first",
                "T p, T buf", _SGD, "xpnet_sgd",
            )  # fmt: skip
        elif name == "sgd0":
            k = cupy.ElementwiseKernel("T g, T lr, T wd", "T p", _SGD_PLAIN, "xpnet_sgd0")
        elif name == "relu_grad":  # g * mask, as the generic path: a NaN g stays NaN
            k = cupy.ElementwiseKernel(
                "T g, U a", "T y", "y = g * (a > 0 ? (T)1 : (T)0)", "xpnet_relu_grad"
            )
        elif name == "sigmoid_grad":  # (g * a) * (1 - a), the generic path's order
            k = cupy.ElementwiseKernel(
                "T g, T a", "T y", "y = g * a * ((T)1 - a)", "xpnet_sigmoid_grad"
            )
        elif name == "tanh_grad":
            k = cupy.ElementwiseKernel(
                "T g, T a", "T y", "y = g * ((T)1 - a * a)", "xpnet_tanh_grad"
            )
        elif name == "outside":  # NaN is not in [lo, hi]: outside, as the generic path
            k = cupy.ReductionKernel(
                "T x, T lo, T hi", "bool y", "!(x >= lo && x <= hi)", "a || b", "y = a", "false",
                "xpnet_outside",
            )  # fmt: skip
        elif name == "out_of_range":
            k = cupy.ReductionKernel(
                "T x, int64 n, int64 ignore, bool use_ignore", "bool y",
                "((long long)x < 0 || (long long)x >= n) && !(use_ignore && (long long)x == ignore)",
                "a || b", "y = a", "false", "xpnet_out_of_range",
            )  # fmt: skip
        elif name == "bce":
            k = cupy.ElementwiseKernel(
                "T p, T t", "T y", f"y = {_BCE_TERM}", "xpnet_bce", preamble=_BCE_PREAMBLE
            )
        elif name == "bce_mean":  # the sum times 1/n, as the generic path's mean
            k = cupy.ReductionKernel(
                "T p, T t, T inv", "T y", _BCE_TERM, "a + b", "y = a * inv", "0",
                "xpnet_bce_mean", preamble=_BCE_PREAMBLE,
            )  # fmt: skip
        elif name == "bce_mean_grad":  # g/n (p - t) / max(p (1 - p), 1e-12), in that order
            k = cupy.ElementwiseKernel(
                "T g, T p, T t, T inv", "T y",
                "y = g * inv * (p - t) / max(p * ((T)1 - p), (T)1e-12)", "xpnet_bce_mean_grad",
            )  # fmt: skip
        else:
            k = cupy.ElementwiseKernel("T x", "T y", _SIGMOID, "xpnet_sigmoid")
        _CACHE[name] = k
    return k


def _scalar(a: Any, dtype: Any) -> Any:
    """A step scalar (Python float or 0-d slot array) in the kernel's type."""
    return a.astype(dtype, copy=False) if hasattr(a, "astype") else dtype.type(a)


def adam(
    b: Any, p: Any, g: Any, m: Any, v: Any, vmax: Any, step_size: Any, inv_sqrt_bc2: Any,
    decay: Any, beta1: Any, one_minus_beta1: Any, beta2: Any, one_minus_beta2: Any, eps: Any,
    weight_decay: Any, *, use_weight_decay: bool, decoupled: bool, amsgrad: bool,
) -> Any:  # fmt: skip
    if amsgrad:  # the running maximum: declined, the generic path runs
        return NotImplemented
    t = p.dtype
    wd = _scalar(weight_decay, t) if use_weight_decay else t.type(0)
    _kernel("adam")(
        g, _scalar(step_size, t), _scalar(inv_sqrt_bc2, t), _scalar(decay, t), _scalar(beta1, t),
        _scalar(beta2, t), _scalar(one_minus_beta1, t), _scalar(one_minus_beta2, t),
        _scalar(eps, t), wd, int(decoupled and use_weight_decay), p, m, v,
    )  # fmt: skip
    return p, m, v, vmax


def sgd(
    b: Any, p: Any, g: Any, buf: Any, lr: Any, momentum: Any, one_minus_dampening: Any,
    weight_decay: Any, *, use_momentum: bool, use_weight_decay: bool, nesterov: bool, first: bool,
) -> tuple[Any, Any]:  # fmt: skip
    t = p.dtype
    wd = _scalar(weight_decay, t) if use_weight_decay else t.type(0)
    if not use_momentum:
        _kernel("sgd0")(g, _scalar(lr, t), wd, p)
        return p, buf
    _kernel("sgd")(
        g, _scalar(lr, t), _scalar(momentum, t), _scalar(one_minus_dampening, t), wd,
        bool(nesterov), bool(first), p, buf,
    )  # fmt: skip
    return p, buf


def sigmoid(b: Any, x: Any) -> Any:
    return _kernel("sigmoid")(x)


def relu_grad(b: Any, g: Any, ans: Any) -> Any:
    return _kernel("relu_grad")(g, ans)


def _activation_grad(name: str) -> Any:
    """The backward kernel ``name``(g, ans) where g and ans share a dtype."""

    def impl(b: Any, g: Any, ans: Any) -> Any:
        if g.dtype != ans.dtype:  # mixed precision promotes: the generic path
            return NotImplemented
        return _kernel(name)(g, ans)

    return impl


def outside(b: Any, x: Any, *, lo: float, hi: float) -> Any:
    if x.dtype.kind != "f":  # the kernel's bounds are in x's type: floats only
        return NotImplemented
    return _kernel("outside")(x, x.dtype.type(lo), x.dtype.type(hi))


def out_of_range(b: Any, idx: Any, *, n: int, ignore: int | None, reduce: bool) -> Any:
    if not reduce or idx.dtype.kind not in "iu":  # the mask itself: the generic path
        return NotImplemented
    use = ignore is not None
    return _kernel("out_of_range")(idx, n, ignore if use else 0, use)


def _one_float_type(*arrays: Any) -> bool:
    """float32 or float64, the same for all (the kernels' T; others: the generic path)."""
    t = arrays[0].dtype
    return t.kind == "f" and t.itemsize >= 4 and all(a.dtype == t for a in arrays)


def _inverse_size(p: Any) -> Any:
    """1/n in p's type; NaN for no elements (the generic mean's ``_reciprocal``)."""
    return p.dtype.type(1.0 / p.size if p.size else float("nan"))


def bce(b: Any, p: Any, t: Any) -> Any:
    if not _one_float_type(p, t):
        return NotImplemented
    return _kernel("bce")(p, t)


def bce_mean(b: Any, p: Any, t: Any) -> Any:
    if not _one_float_type(p, t):
        return NotImplemented
    return _kernel("bce_mean")(p, t, _inverse_size(p))


def bce_mean_grad(b: Any, g: Any, p: Any, t: Any) -> Any:
    if not _one_float_type(g, p, t):
        return NotImplemented
    return _kernel("bce_mean_grad")(g, p, t, _inverse_size(p))


KERNELS = {
    "adam_update": adam,
    "sgd_update": sgd,
    "sigmoid": sigmoid,
    "relu_grad": relu_grad,
    "sigmoid_grad": _activation_grad("sigmoid_grad"),
    "tanh_grad": _activation_grad("tanh_grad"),
    "outside": outside,
    "out_of_range": out_of_range,
    "binary_cross_entropy": bce,
    "binary_cross_entropy_mean": bce_mean,
    "binary_cross_entropy_mean_grad": bce_mean_grad,
}
