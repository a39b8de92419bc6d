"""NumPy kernels: NumPy itself past array-api-compat's wrappers, in fewer calls.

Each replaces a primitive's implementation on the ``numpy`` backend (registered by
``NumpyBackend.native_kernels``) and gives the generic Array API path's values, or
returns NotImplemented for values it does not cover, and the generic path runs (in eager
calls and in ``xn.compile`` replays alike); ``tests/backend/test_native_kernels.py``
compares every one with it:

- ``matmul``, ``linear``: ``np.matmul`` (the bias added in place); float16 products
  (``xn.autocast``) run in float32 and are rounded once: NumPy has no float16 GEMM, and
  its float16 matmul is over 100x slower (GPUs accumulate in float32 too);
- ``sum``, ``max``, ``min``, ``any``, ``all``: the ufuncs' ``reduce`` that ``np.sum``
  and the others call, without their Python layers;
- ``binary_cross_entropy`` and its mean: the log clamped at -100 as ``fmax(log(x),
  -100)`` (NaN and x <= 0 give -100, as the generic three-call form does), 12 calls for
  the mean instead of 18;
- ``outside``: a minimum and a maximum instead of four whole-array calls; ``out_of_range``
  (the index check) the same when every index is inside;
- ``sgd_update_foreach``: SGD over every parameter of a group in one loop of in-place
  operators (the generic multi-tensor path costs about 2 us a parameter more);
- ``relu``: ``maximum`` against a block of zeros, which NumPy runs in SIMD (the scalar 0
  takes a loop 3-4x slower); ``linear_relu``, the pair a compiled step fuses, with the
  ReLU in place on the product;
- ``max_pool_grad``: boolean masks, each window's share written straight into its view;
- ``where``: a branch-free selection of bits (np.where mispredicts on random masks);
- ``softmax_cross_entropy_mean`` and its gradient, for batches whose labels are all
  classes (none ignored): the generic path's operations without its masks;
- ``relu_grad``, ``astype``, ``broadcast_to`` and (with SciPy) ``sigmoid``, ``erf``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._base import METHOD_KERNELS, Array, pool_windows, reciprocal

Kernel = Any


_HALF = np.dtype(np.float16)


def _matmul(b: Any, x: Any, y: Any) -> Any:
    if x.dtype == _HALF or y.dtype == _HALF:
        return np.matmul(x.astype(np.float32), y.astype(np.float32)).astype(np.float16)
    return np.matmul(x, y)


def _linear_kernel(b: Any, x: Any, w: Any, *bias: Any) -> Any:
    if x.dtype == _HALF or w.dtype == _HALF or (bias and bias[0].dtype == _HALF):
        out = _linear(b, x.astype(np.float32), w.astype(np.float32),
                      *(v.astype(np.float32) for v in bias))  # fmt: skip
        return out.astype(np.result_type(x, w, *bias))
    return _linear(b, x, w, *bias)


def _linear(b: Any, x: Array, w: Array, *bias: Array) -> Array:
    out = np.matmul(x, w.T)
    if bias:
        out += bias[0]  # a fresh array: add in place
    return out


def _reduction(fn: Any, **fixed: Any) -> Kernel:
    def impl(b: Any, x: Array, *, axis: Any, keepdims: bool) -> Array:
        out = fn(x, axis=axis, keepdims=keepdims, **fixed)
        return out if isinstance(out, np.ndarray) else np.asarray(out)

    return impl


_ZERO_BLOCK = 16384  # elements of the zeros ``relu`` compares with (64 KB in float32)
_ZEROS: dict[Any, np.ndarray] = {}  # dtype -> a read-only block of zeros


def _relu(b: Any, x: Array) -> Array:
    """max(x, 0) against a block of zeros: NumPy runs ``maximum`` of two contiguous arrays
    in SIMD, of an array and the scalar 0 in a loop 3-4x slower (float32, NumPy 2.4: 98 vs
    35 us for a 256x512 activation). The same ufunc on the same values: the same result."""
    if x.dtype.kind != "f":
        return np.asarray(np.maximum(x, 0))  # (0-d: an array, not a NumPy scalar)
    return _relu_into(x, np.empty_like(x))


def _relu_into(x: Array, out: Array) -> Array:
    """``_relu`` of a float array, written into ``out`` (of x's dtype; it may be ``x``):
    by blocks of zeros where both are C-contiguous and large enough to gain from it."""
    if x.size < 2048 or not (x.flags.c_contiguous and out.flags.c_contiguous):
        np.maximum(x, 0, out=out)
        return out
    zeros = _ZEROS.get(x.dtype)
    if zeros is None:
        zeros = np.zeros(_ZERO_BLOCK, x.dtype)
        zeros.flags.writeable = False
        _ZEROS[x.dtype] = zeros
    flat, flat_out = x.reshape(-1), out.reshape(-1)
    n = x.size - x.size % _ZERO_BLOCK  # whole blocks, then the rest
    if n:
        rows = (-1, _ZERO_BLOCK)
        np.maximum(flat[:n].reshape(rows), zeros, out=flat_out[:n].reshape(rows))
    if n < x.size:
        np.maximum(flat[n:], zeros[: x.size - n], out=flat_out[n:])
    return out


def _linear_relu(b: Any, x: Array, w: Array, bias: Array) -> Array:
    """relu(linear(x, w, bias)) with the ReLU applied in place on the product (a compiled
    step's fusion of the pair): the values of the two kernels one after the other."""
    out = _linear_kernel(b, x, w, bias)
    return _relu_into(out, out) if out.dtype.kind == "f" else np.asarray(np.maximum(out, 0))


def _linear_tanh(b: Any, x: Array, w: Array, bias: Array) -> Array:
    """tanh(linear(x, w, bias)), tanh in place on a float product (the generic tanh is
    NumPy's ufunc: the same values)."""
    out = _linear_kernel(b, x, w, bias)
    return np.tanh(out, out=out) if out.dtype.kind == "f" else np.asarray(np.tanh(out))


_SELECT_MIN = 4096  # elements from which ``where`` selects bits (below: np.where)
_UINT = {1: np.uint8, 2: np.uint16, 4: np.uint32, 8: np.uint64}
_INT = {1: np.int8, 2: np.int16, 4: np.int32, 8: np.int64}


def _where(b: Any, c: Array, x: Any, y: Any) -> Any:
    """``np.where(c, x, y)`` as a branch-free selection of bits, (x & m) | (y & ~m) with
    m all ones where c holds: np.where branches on each element and a random mask makes
    it mispredict (dropout's, a ReLU's: 256x512 float32 416 -> 75 us). Bits are copied,
    never computed, so the result is np.where's to the last bit (NaN payloads, -0.0);
    other dtypes, mixed ones and small arrays take np.where itself."""
    big = max(getattr(c, "size", 1), getattr(x, "size", 1), getattr(y, "size", 1))
    if big < _SELECT_MIN or not (isinstance(c, np.ndarray) and c.dtype == np.bool_):
        return np.where(c, x, y)
    dtype = np.result_type(x, y)
    if (
        dtype.itemsize not in _UINT
        or dtype.kind not in "fiub"
        or any(isinstance(v, np.ndarray) and v.dtype != dtype for v in (x, y))
    ):  # promotion: leave it to np.where
        return np.where(c, x, y)
    shape = np.broadcast_shapes(c.shape, np.shape(x), np.shape(y))
    u = _UINT[dtype.itemsize]
    m = np.negative(c, dtype=_INT[dtype.itemsize]).view(u)  # True -> -1: every bit set
    xb, yb = (np.asarray(v, dtype=dtype).view(u) for v in (x, y))
    parts = [np.bitwise_and(v, w) for v, w in ((xb, m), (yb, ~m)) if v.ndim or v != 0]
    if not parts:
        return np.zeros(shape, dtype=dtype)
    out = parts[0] if len(parts) == 1 else np.bitwise_or(parts[0], parts[1])
    if out.shape != shape:
        out = np.broadcast_to(out, shape).copy()
    return out.view(dtype)


def _plain_labels(logits: Array, labels: Array, ignore_index: int) -> bool:
    """Whether every label is a class (in [0, C)) and none is ``ignore_index``: the batches
    the cross-entropy kernels take (others, rare, take the generic path)."""
    if logits.ndim != 2 or labels.size == 0 or labels.dtype.kind not in "iu":
        return False
    lo, hi = (int(v) for v in _extremes(labels))
    return lo >= 0 and hi < logits.shape[1] and not lo <= ignore_index <= hi


def _out_of_range(b: Any, idx: Array, *, n: int, ignore: int | None, reduce: bool) -> Any:
    """Whether any index is outside [0, n) and not ``ignore``: when the smallest and the
    largest are inside, none is (two reductions instead of five calls); otherwise, and
    for the mask itself, the generic path decides."""
    if not reduce or idx.dtype.kind not in "iu":
        return NotImplemented
    if idx.size == 0:
        return np.asarray(False)
    lo, hi = _extremes(idx)
    return np.asarray(False) if lo >= 0 and hi < n else NotImplemented


def _ce_mean(b: Any, logits: Array, labels: Array, *, ignore_index: int) -> Any:
    """The mean cross-entropy of a batch of plain labels in the generic path's operations
    (shifted log-sum-exp minus the picked logit, their sum over the count), without the
    masks that ignored and out-of-range labels need: 12 NumPy calls instead of about 22."""
    if not _plain_labels(logits, labels, ignore_index):
        return NotImplemented
    shifted = logits - np.maximum.reduce(logits, axis=1, keepdims=True)
    lse = np.log(np.add.reduce(np.exp(shifted), axis=1))
    loss = lse - shifted[np.arange(labels.size), labels]
    return np.asarray(np.add.reduce(loss) / loss.dtype.type(labels.size))


def _ce_mean_grad(b: Any, g: Any, logits: Array, labels: Array, *, ignore_index: int) -> Any:
    """(softmax - onehot) g / n for a batch of plain labels, the generic path's values:
    the one-hot subtracted in place at the labels, the scale g * 1 / n applied once."""
    if not _plain_labels(logits, labels, ignore_index) or g.dtype != logits.dtype:
        return NotImplemented
    e = np.exp(logits - np.maximum.reduce(logits, axis=1, keepdims=True))
    p = e / np.add.reduce(e, axis=1, keepdims=True)
    p[np.arange(labels.size), labels] -= 1.0
    p *= g / g.dtype.type(labels.size)
    return p


def _max_pool_grad(b: Any, g: Array, x: Array, pooled: Array, *, kernel: tuple[int, int]) -> Array:
    """The generic path's max-pool gradient (each window's g shared by its maxima), with the
    masks kept boolean and each window's share multiplied straight into the output's
    strided view (no float masks, no temporaries to copy in): 4-8% less time (interleaved
    medians, 128x16x28x28: 4.28 -> 4.13 ms; 128x32x14x14: 2.15 -> 1.97 ms)."""
    keys = pool_windows(x.shape, kernel)
    hits = [np.equal(x[key], pooled) for key in keys]
    count = hits[0].astype(g.dtype)
    for h in hits[1:]:
        count += h
    share = g / count
    out = np.zeros(x.shape, dtype=g.dtype)  # rows and columns past the last window: 0
    for key, h in zip(keys, hits, strict=True):
        np.multiply(h, share, out=out[key])
    return out


def _bce_sum_terms(p: Array, t: Array) -> Array:
    """t log(p) + (1 - t) log(1 - p), each log clamped at -100 as
    ``ops._fused_losses.clamped_log``: fmax drops the NaN that log gives for x < 0 (or x
    NaN) and lifts log(0) = -inf, so x <= 0 and NaN give -100 there too, and x > 0 gives
    max(log x, -100) bit for bit. The generic path's products and sum, in its order."""
    with np.errstate(divide="ignore", invalid="ignore"):
        lp = np.fmax(np.log(p), -100.0)
        lq = np.fmax(np.log(1.0 - p), -100.0)
    return t * lp + (1.0 - t) * lq


def _bce(b: Any, p: Array, t: Array) -> Array:
    return np.asarray(np.negative(_bce_sum_terms(p, t)))  # 0-d: an array, not a scalar


def _bce_mean(b: Any, p: Array, t: Array) -> Array:
    """The mean of ``_bce``: the sum's sign moved to the scale, which rounds the same."""
    return np.asarray(np.add.reduce(_bce_sum_terms(p, t), axis=None) * -reciprocal(p.size))


def _extremes(x: Array) -> tuple[Any, Any]:
    """The smallest and the largest element of a non-empty ``x`` (NaN where x holds one),
    which is all the [lo, hi] checks below need: two reductions."""
    return np.minimum.reduce(x, axis=None), np.maximum.reduce(x, axis=None)


def _outside(b: Any, x: Array, *, lo: float, hi: float) -> Array:
    """Whether any element is not in [lo, hi]: the extremes say it (a NaN, which
    minimum and maximum propagate, compares false, so it is outside too)."""
    if x.size == 0:
        return np.asarray(False)
    smallest, largest = _extremes(x)
    return np.asarray(not (smallest >= lo and largest <= hi))


def _sgd_foreach(
    b: Any, *args: Any, use_momentum: bool, use_weight_decay: bool, nesterov: bool, first: bool
) -> tuple[Array, ...]:
    """``foreach(sgd_update_p, k, 3)``: (p..., g..., buf..., lr, momentum,
    1 - dampening, weight decay), every array updated in place as ``optim._update._sgd``
    does (the same operations in the same order)."""
    k = (len(args) - 4) // 3
    lr, momentum, one_minus_dampening, weight_decay = args[3 * k :]
    ps, bufs = args[:k], args[2 * k : 3 * k]
    for p, g, buf in zip(ps, args[k : 2 * k], bufs, strict=True):
        if use_weight_decay:
            g = g + p * weight_decay
        if use_momentum:
            if first:
                buf[...] = g
            else:
                buf *= momentum
                buf += g * one_minus_dampening
            g = g + buf * momentum if nesterov else buf
        p -= g * lr
    return (*ps, *bufs)


def _scipy_unary(ufunc: Any) -> Kernel:
    """A SciPy ufunc as a kernel that keeps the input's dtype: SciPy has no float16 loop
    (its ufunc would answer in float64), so float16 runs in float32 and rounds back, as
    NumPy's float16 products do here."""

    def impl(b: Any, x: Array) -> Array:
        if x.dtype == _HALF:
            return np.asarray(ufunc(x.astype(np.float32))).astype(_HALF)
        return np.asarray(ufunc(x))

    return impl


def _scipy_polygamma(special: Any) -> Kernel:
    """SciPy's psi (n = 0) and polygamma, in the input's dtype (SciPy's polygamma answers in
    float64)."""
    psi = _scipy_unary(special.psi)

    def impl(b: Any, x: Array, n: int) -> Array:
        if n == 0:
            return psi(b, x)
        return np.asarray(special.polygamma(n, x.astype(np.float64))).astype(x.dtype)

    return impl


def _linear_expit(expit: Any) -> Kernel:
    """sigmoid(linear(x, w, bias)) with SciPy's expit (the sigmoid kernel) in place on a
    float32/float64 product; else the two kernels one after the other."""
    sigmoid = _scipy_unary(expit)

    def impl(b: Any, x: Array, w: Array, bias: Array) -> Array:
        out = _linear_kernel(b, x, w, bias)
        if out.dtype in (np.float32, np.float64):
            return expit(out, out=out)
        return sigmoid(b, out)

    return impl


def kernels() -> dict[str, Kernel]:
    """The NumPy backend's kernels by primitive name (with SciPy: also sigmoid and erf)."""
    out: dict[str, Kernel] = {
        "matmul": _matmul,
        "linear": _linear_kernel,
        "sum": _reduction(np.add.reduce),
        "max": _reduction(np.maximum.reduce),
        "min": _reduction(np.minimum.reduce),
        "any": _reduction(np.logical_or.reduce, dtype=np.bool_),
        "all": _reduction(np.logical_and.reduce, dtype=np.bool_),
        **METHOD_KERNELS,
        "broadcast_to": lambda b, x, *, shape: np.broadcast_to(x, shape),
        "astype": lambda b, x, *, dtype: x.astype(dtype),
        "relu": _relu,
        "linear_relu": _linear_relu,
        "linear_tanh": _linear_tanh,
        "softmax_cross_entropy_mean": _ce_mean,
        "softmax_cross_entropy_mean_grad": _ce_mean_grad,
        "where": _where,
        "max_pool_grad": _max_pool_grad,
        "relu_grad": lambda b, g, ans: np.multiply(g, ans > 0),  # bool mask cast in the loop
        "binary_cross_entropy": _bce,
        "binary_cross_entropy_mean": _bce_mean,
        "outside": _outside,
        "out_of_range": _out_of_range,
        "sgd_update_foreach": _sgd_foreach,
    }
    try:
        from scipy import special
    except ImportError:  # SciPy is optional: the standard-only versions run instead
        return out
    out["erf"] = _scipy_unary(special.erf)
    out["erfc"] = _scipy_unary(special.erfc)
    out["erfinv"] = _scipy_unary(special.erfinv)
    out["lgamma"] = _scipy_unary(special.gammaln)
    out["polygamma"] = _scipy_polygamma(special)
    out["sigmoid"] = _scipy_unary(special.expit)
    out["linear_sigmoid"] = _linear_expit(special.expit)
    return out
