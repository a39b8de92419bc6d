"""im2col and col2im as a pair of primitives, each the other's VJP.

``unfold`` gathers every kernel window of a (N, C, H, W) input into the columns
of a (C*kh*kw, N*Ho*Wo) matrix, so a convolution is one 2-D matrix product and
its weight gradient another, with no batched product and no reduction over the
batch. ``fold`` scatters such columns back, adding overlapping windows. Both are
written with standard slicing and stacking only (one copy each way); they are
fused primitives because the composite of kh*kw gathers costs kh*kw full-size
scatter buffers in the backward pass (see bench/ and issue notes).
"""

from __future__ import annotations

from typing import Any

from ..autodiff import Primitive

Geometry = tuple[int, int, int, int, int, int, int, int]  # kh, kw, sh, sw, ph, pw, dh, dw


def out_size(size: int, k: int, s: int, p: int, d: int) -> int:
    return (size + 2 * p - d * (k - 1) - 1) // s + 1


def _unfold(backend: Any, x: Any, *, geometry: Geometry) -> Any:
    xp = backend.xp
    kh, kw, sh, sw, ph, pw, dh, dw = geometry
    n, c, h, w = x.shape
    ho, wo = out_size(h, kh, sh, ph, dh), out_size(w, kw, sw, pw, dw)
    xt = xp.permute_dims(x, (1, 0, 2, 3))  # (C, N, H, W): columns come out in (N, Ho, Wo) order
    if ph or pw:
        padded = xp.zeros((c, n, h + 2 * ph, w + 2 * pw), dtype=x.dtype, device=backend.device)
        xt = backend.setitem(
            padded, (slice(None), slice(None), slice(ph, ph + h), slice(pw, pw + w)), xt
        )
    views = [
        xt[:, :, i * dh : i * dh + sh * (ho - 1) + 1 : sh, j * dw : j * dw + sw * (wo - 1) + 1 : sw]
        for i in range(kh)
        for j in range(kw)
    ]
    cols = xp.stack(views, axis=1)  # (C, kh*kw, N, Ho, Wo)
    return xp.reshape(cols, (c * kh * kw, n * ho * wo))


def _fold(backend: Any, cols: Any, *, shape: tuple[int, int, int, int], geometry: Geometry) -> Any:
    xp = backend.xp
    kh, kw, sh, sw, ph, pw, dh, dw = geometry
    n, c, h, w = shape
    ho, wo = out_size(h, kh, sh, ph, dh), out_size(w, kw, sw, pw, dw)
    blocks = xp.reshape(cols, (c, kh * kw, n, ho, wo))
    out = xp.zeros((c, n, h + 2 * ph, w + 2 * pw), dtype=cols.dtype, device=backend.device)
    k = 0
    for i in range(kh):
        for j in range(kw):
            key = (
                slice(None),
                slice(None),
                slice(i * dh, i * dh + sh * (ho - 1) + 1, sh),
                slice(j * dw, j * dw + sw * (wo - 1) + 1, sw),
            )
            out = backend.setitem(out, key, out[key] + blocks[:, k, ...])
            k += 1
    out = out[:, :, ph : ph + h, pw : pw + w]
    return xp.permute_dims(out, (1, 0, 2, 3))


# fmt: off
unfold_p = Primitive("unfold", _unfold)
fold_p = Primitive("fold", _fold)
unfold_p.defvjp(lambda g, ans, x, *, geometry: fold_p(g, shape=x.shape, geometry=geometry), keep=(), keep_ans=False)
fold_p.defvjp(lambda g, ans, c, *, shape, geometry: unfold_p(g, geometry=geometry), keep=(), keep_ans=False)
# fmt: on
