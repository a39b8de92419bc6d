"""im2col and col2im as a pair of primitives, each the other's VJP; max pooling over
non-overlapping windows as a fused pair.

``unfold`` gathers every kernel window of a (N, C, H, W) input into columns, in one
of two layouts (the ``layout`` parameter):

- ``"batch"``: (N, C*kh*kw, Ho*Wo), PyTorch's ``F.unfold``. A convolution is then one
  batched product ``weight (O, C*kh*kw) @ cols`` whose result is already the
  (N, O, Ho, Wo) output, and its weight gradient a batched product summed over the
  batch. Per sample the products stay in cache, which wins when C*kh*kw is small.
- ``"rows"``: (C*kh*kw, N*Ho*Wo), one 2-D product per convolution, its output
  permuted to (N, O, Ho, Wo). Gathering and scattering these columns is faster (each
  kernel position's block is contiguous), which wins when C*kh*kw is large.

Measured on NumPy, one thread (Intel Xeon; ``bench/`` and issue 24's note): a 3x3
1->16 convolution over 64 MNIST images, forward and weight-gradient products 0.16 ms
each batched against 0.41 and 0.59 ms as 2-D products (plus 0.1 ms to permute);
a 5x5 16->32 convolution over 128 14x14 maps, products even (10 ms), but im2col
8.4 ms and col2im 10 ms in rows layout against 13.4 and 16.4 in batch layout.
``conv2d`` picks the layout by C*kh*kw (``BATCHED_MAX``).

``fold`` scatters such columns back, adding overlapping windows. Both are written
with standard slicing and stacking only (one copy each way); they are fused
primitives because the composite of kh*kw gathers costs kh*kw full-size scatter
buffers in the backward pass.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..autodiff import Primitive
from ..backend import pool_windows
from ._cast import astype
from ._creation import zeros_like
from ._shape import getitem

if TYPE_CHECKING:
    from ..tensor import Tensor

Geometry = tuple[int, int, int, int, int, int, int, int]  # kh, kw, sh, sw, ph, pw, dh, dw
BATCHED_MAX = 64  # conv2d's batched layout up to this many rows (C*kh*kw) per column


def out_size(size: int, k: int, s: int, p: int, d: int) -> int:
    return (size + 2 * p - d * (k - 1) - 1) // s + 1


def transposed_size(size: int, k: int, s: int, p: int, d: int, extra: int = 0) -> int:
    """The size a transposed convolution (or an unpooling) gives ``size`` inputs: the
    smallest ``n`` with ``out_size(n, ...) == size``, plus ``extra`` (output padding)."""
    return (size - 1) * s - 2 * p + d * (k - 1) + 1 + extra


def _window_key(i: int, j: int, ho: int, wo: int, geometry: Geometry) -> tuple[slice, ...]:
    """The view of the padded input under kernel position (i, j) (last two axes)."""
    _, _, sh, sw, _, _, dh, dw = geometry
    return (
        slice(None),
        slice(None),
        slice(i * dh, i * dh + sh * (ho - 1) + 1, sh),
        slice(j * dw, j * dw + sw * (wo - 1) + 1, sw),
    )


def _unfold(backend: Any, x: Any, *, geometry: Geometry, layout: str = "batch") -> Any:
    xp = backend.xp
    kh, kw, sh, sw, ph, pw, dh, dw = geometry
    n, c, h, w = x.shape
    ho, wo = out_size(h, kh, sh, ph, dh), out_size(w, kw, sw, pw, dw)
    if layout == "rows":
        x = xp.permute_dims(x, (1, 0, 2, 3))  # (C, N, H, W): columns in (N, Ho, Wo) order
    if ph or pw:
        padded = xp.zeros(
            (*x.shape[:2], h + 2 * ph, w + 2 * pw), dtype=x.dtype, device=backend.device
        )
        x = backend.setitem(
            padded, (slice(None), slice(None), slice(ph, ph + h), slice(pw, pw + w)), x
        )
    views = [x[_window_key(i, j, ho, wo, geometry)] for i in range(kh) for j in range(kw)]
    if layout == "rows":
        return xp.reshape(xp.stack(views, axis=1), (c * kh * kw, n * ho * wo))  # (C, kk, N, Ho, Wo)
    return xp.reshape(xp.stack(views, axis=2), (n, c * kh * kw, ho * wo))  # (N, C, kk, Ho, Wo)


def _fold(
    backend: Any,
    cols: Any,
    *,
    shape: tuple[int, int, int, int],
    geometry: Geometry,
    layout: str = "batch",
) -> Any:
    xp = backend.xp
    kh, kw, sh, sw, ph, pw, dh, dw = geometry
    n, c, h, w = shape
    ho, wo = out_size(h, kh, sh, ph, dh), out_size(w, kw, sw, pw, dw)
    if layout == "rows":
        blocks = xp.reshape(cols, (c, kh * kw, n, ho, wo))
        out = xp.zeros((c, n, h + 2 * ph, w + 2 * pw), dtype=cols.dtype, device=backend.device)
    else:
        blocks = xp.reshape(cols, (n, c, kh * kw, ho, wo))
        out = xp.zeros((n, c, h + 2 * ph, w + 2 * pw), dtype=cols.dtype, device=backend.device)
    for k in range(kh * kw):
        key = _window_key(k // kw, k % kw, ho, wo, geometry)
        block = blocks[:, k, ...] if layout == "rows" else blocks[:, :, k, ...]
        out = backend.setitem(out, key, out[key] + block)
    out = out[:, :, ph : ph + h, pw : pw + w]
    return xp.permute_dims(out, (1, 0, 2, 3)) if layout == "rows" else out


# fmt: off
unfold_p = Primitive("unfold", _unfold)
fold_p = Primitive("fold", _fold)
unfold_p.defvjp(lambda g, ans, x, *, geometry, layout="batch":
                fold_p(g, shape=x.shape, geometry=geometry, layout=layout), keep=(), keep_ans=False)
fold_p.defvjp(lambda g, ans, c, *, shape, geometry, layout="batch":
              unfold_p(g, geometry=geometry, layout=layout), keep=(), keep_ans=False)
# fmt: on


# -- max pooling over non-overlapping windows (stride == kernel, no padding) ----------
# The windows are the kh*kw strided views x[:, :, i::kh, j::kw]: the maximum is an
# elementwise maximum of the views, and the gradient is written back view by view,
# with no im2col copy and no col2im scatter-add (bench W5: the pooling layer's forward
# and backward take half the time of the unfold/fold path). Tied maxima share the
# gradient evenly, as the composite max does; tests compare the two.


def _window_keys(shape: tuple[int, ...], kernel: tuple[int, int]) -> list[tuple[Any, ...]]:
    """The views of x under each position of a non-overlapping (stride = kernel) window
    (the backend's ``pool_windows``, which NumPy's fused pooling kernel uses too)."""
    return pool_windows(shape, kernel)


def _max_pool(b: Any, x: Any, *, kernel: tuple[int, int]) -> Any:
    keys = _window_keys(x.shape, kernel)
    out = x[keys[0]]
    for key in keys[1:]:
        out = b.xp.maximum(out, x[key])
    return out


def _max_pool_grad(b: Any, g: Any, x: Any, pooled: Any, *, kernel: tuple[int, int]) -> Any:
    """The cotangent of x: each window's g on its maxima, divided by how many there are."""
    xp = b.xp
    keys = _window_keys(x.shape, kernel)
    hits = [xp.astype(x[key] == pooled, g.dtype) for key in keys]
    count = hits[0]
    for h in hits[1:]:
        count = count + h
    share = g / count
    out = xp.zeros(
        x.shape, dtype=g.dtype, device=b.device
    )  # rows and columns past the last window: 0
    for key, h in zip(keys, hits, strict=True):
        out = b.setitem(out, key, h * share)
    return out


def _max_pool_grad_vjp(
    G: Tensor, ans: Any, g: Any, x: Tensor, pooled: Tensor, *, kernel: tuple[int, int]
) -> Tensor:
    """max_pool_grad is linear in g: its transpose gathers G at each window's maxima."""
    keys = _window_keys(x.shape, kernel)
    hits = [astype(getitem(x, key) == pooled, G.dtype) for key in keys]
    count = hits[0]
    total = hits[0] * getitem(G, keys[0])
    for key, h in zip(keys[1:], hits[1:], strict=True):
        count = count + h
        total = total + h * getitem(G, key)
    return total / count


# fmt: off
max_pool_p = Primitive("max_pool", _max_pool)
max_pool_grad_p = Primitive("max_pool_grad", _max_pool_grad)
max_pool_p.defvjp(lambda g, ans, x, *, kernel: max_pool_grad_p(g, x, ans, kernel=kernel))
# the masks are piecewise constant in x and in the pooled maxima: zero cotangents there
max_pool_grad_p.defvjp(_max_pool_grad_vjp,
                       lambda G, ans, g, x, pooled, *, kernel: zeros_like(x, dtype=G.dtype),
                       lambda G, ans, g, x, pooled, *, kernel: zeros_like(pooled, dtype=G.dtype),
                       keep=(1, 2), keep_ans=False)
# fmt: on
