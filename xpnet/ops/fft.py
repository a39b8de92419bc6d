"""The standard's ``fft`` extension (``xn.fft``), with gradients in JAX's convention.

The transforms are primitives whose rules are their transposes as linear maps (JAX's
convention for complex gradients, see ``_cast.py``): the DFT matrix is symmetric, so
the rule of ``fft``/``ifft``/``fftn``/``ifftn`` is the same transform of the cotangent
(same ``norm``), resized back to the input's length where ``n``/``s`` padded or cut it.
``rfft``'s rule is the transpose of "cast to complex, fft, keep the first n//2+1": the
cotangent zero-padded to n, transformed, and its real part; ``irfft``'s is JAX's:
``conj(scale * w * rfft(g))`` with weights 1, 2, ..., 2, (1) for the bins that stand
for two. ``fftshift``/``ifftshift`` are rolls; ``fftfreq``/``rfftfreq`` create tensors.
``rfftn``/``irfftn``/``hfft``/``ihfft`` are compositions of those (as NumPy defines
them), differentiable through their parts.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from .._errors import ArgumentError
from ..autodiff import Primitive
from ..autodiff.internal import wrap
from ..backend import get_backend
from ._cast import as_complex, conj, real
from ._creation import tensor
from ._manipulation import roll
from ._shape import getitem, pad

if TYPE_CHECKING:
    from ..tensor import Tensor

__all__ = [
    "fft",
    "fftfreq",
    "fftn",
    "fftshift",
    "hfft",
    "ifft",
    "ifftn",
    "ifftshift",
    "ihfft",
    "irfft",
    "irfftn",
    "rfft",
    "rfftfreq",
    "rfftn",
]

_NORMS = ("backward", "ortho", "forward")


def _resize(g: Tensor, axis: int, size: int) -> Tensor:
    """``g`` cut or zero-padded along ``axis`` to ``size`` (the transpose of the other way)."""
    have = g.shape[axis]
    if have == size:
        return g
    if have > size:
        key = tuple(slice(0, size) if a == axis else slice(None) for a in range(g.ndim))
        return getitem(g, key)
    widths = tuple((0, size - have) if a == axis else (0, 0) for a in range(g.ndim))
    return pad(g, widths)


def _fft_impl(b: Any, x: Any, *, n: int, axis: int, norm: str, inverse: bool) -> Any:
    f = b.xp.fft.ifft if inverse else b.xp.fft.fft
    return f(x, n=n, axis=axis, norm=norm)


def _fftn_impl(b: Any, x: Any, *, s: tuple[int, ...], axes: tuple[int, ...], norm: str,
               inverse: bool) -> Any:  # fmt: skip
    f = b.xp.fft.ifftn if inverse else b.xp.fft.fftn
    return f(x, s=s, axes=axes, norm=norm)


def _fft_vjp(g: Tensor, ans: Any, x: Any, *, n: int, axis: int, norm: str, inverse: bool) -> Tensor:
    return _resize(fft_p(g, n=n, axis=axis, norm=norm, inverse=inverse), axis, x.shape[axis])


def _fftn_vjp(g: Tensor, ans: Any, x: Any, *, s: tuple[int, ...], axes: tuple[int, ...],
              norm: str, inverse: bool) -> Tensor:  # fmt: skip
    out = fftn_p(g, s=s, axes=axes, norm=norm, inverse=inverse)
    for a in axes:
        out = _resize(out, a, x.shape[a])
    return out


def _rfft_vjp(g: Tensor, ans: Any, x: Any, *, n: int, axis: int, norm: str) -> Tensor:
    full = _resize(g, axis, n)  # the bins rfft left out: zero cotangent
    return _resize(real(fft_p(full, n=n, axis=axis, norm=norm, inverse=False)), axis, x.shape[axis])


def _irfft_vjp(g: Tensor, ans: Any, x: Any, *, n: int, axis: int, norm: str) -> Tensor:
    spectrum = rfft_p(g, n=n, axis=axis, norm=norm)  # n // 2 + 1 bins
    bins = spectrum.shape[axis]
    twice = bins - 2 + n % 2  # the bins that stand for a conjugate pair
    weights = [1.0] + [2.0] * twice + [1.0] * (bins - 1 - twice)
    shape = tuple(bins if a == axis else 1 for a in range(g.ndim))
    w = tensor(weights, dtype=g.dtype, backend=g.backend).reshape(shape)
    scale = {"backward": 1.0 / n, "ortho": 1.0 / math.sqrt(n), "forward": 1.0}[norm]
    # irfft's own scaling and rfft's differ by the norm: undo rfft's, apply irfft's
    undo = {"backward": 1.0, "ortho": math.sqrt(n), "forward": float(n)}[norm]
    return _resize(conj(spectrum * w * (scale * undo)), axis, x.shape[axis])


# fmt: off
fft_p = Primitive("fft", _fft_impl)
fft_p.defvjp(_fft_vjp, keep=(), keep_ans=False)
fftn_p = Primitive("fftn", _fftn_impl)
fftn_p.defvjp(_fftn_vjp, keep=(), keep_ans=False)
rfft_p = Primitive("rfft", lambda b, x, *, n, axis, norm: b.xp.fft.rfft(x, n=n, axis=axis, norm=norm))
rfft_p.defvjp(_rfft_vjp, keep=(), keep_ans=False)
irfft_p = Primitive("irfft", lambda b, x, *, n, axis, norm: b.xp.fft.irfft(x, n=n, axis=axis, norm=norm))
irfft_p.defvjp(_irfft_vjp, keep=(), keep_ans=False)
# fmt: on


def _check(x: Tensor, axis: int, norm: str, op: str) -> int:
    if norm not in _NORMS:
        raise ArgumentError(f"fft.{op}: norm must be one of {_NORMS}, got {norm!r}")
    if not -x.ndim <= axis < x.ndim:
        raise ArgumentError(
            f"fft.{op}: axis {axis} is out of range for a tensor of shape {x.shape}"
        )
    return axis % x.ndim


def fft(x: Tensor, /, *, n: int | None = None, axis: int = -1, norm: str = "backward") -> Tensor:
    """The one-dimensional discrete Fourier transform along ``axis``."""
    axis = _check(x, axis, norm, "fft")
    x = as_complex(x)
    return fft_p(x, n=x.shape[axis] if n is None else n, axis=axis, norm=norm, inverse=False)


def ifft(x: Tensor, /, *, n: int | None = None, axis: int = -1, norm: str = "backward") -> Tensor:
    """The one-dimensional inverse discrete Fourier transform along ``axis``."""
    axis = _check(x, axis, norm, "ifft")
    x = as_complex(x)
    return fft_p(x, n=x.shape[axis] if n is None else n, axis=axis, norm=norm, inverse=True)


def _n_axes(
    x: Tensor, s: Any, axes: Any, norm: str, op: str
) -> tuple[tuple[int, ...], tuple[int, ...]]:
    if axes is None:
        axes = tuple(range(x.ndim)) if s is None else tuple(range(x.ndim - len(s), x.ndim))
    axes = tuple(_check(x, a, norm, op) for a in axes)
    if len(set(axes)) != len(axes):
        raise ArgumentError(f"fft.{op}: repeated axes {axes}")
    sizes = tuple(x.shape[a] for a in axes) if s is None else tuple(int(v) for v in s)
    if len(sizes) != len(axes):
        raise ArgumentError(f"fft.{op}: s has {len(sizes)} sizes for {len(axes)} axes")
    sizes = tuple(x.shape[a] if v == -1 else v for a, v in zip(axes, sizes, strict=True))
    return sizes, axes


def fftn(x: Tensor, /, *, s: Any = None, axes: Any = None, norm: str = "backward") -> Tensor:
    """The n-dimensional discrete Fourier transform over ``axes`` (all by default)."""
    sizes, axes = _n_axes(x, s, axes, norm, "fftn")
    return fftn_p(as_complex(x), s=sizes, axes=axes, norm=norm, inverse=False)


def ifftn(x: Tensor, /, *, s: Any = None, axes: Any = None, norm: str = "backward") -> Tensor:
    """The n-dimensional inverse discrete Fourier transform over ``axes``."""
    sizes, axes = _n_axes(x, s, axes, norm, "ifftn")
    return fftn_p(as_complex(x), s=sizes, axes=axes, norm=norm, inverse=True)


def rfft(x: Tensor, /, *, n: int | None = None, axis: int = -1, norm: str = "backward") -> Tensor:
    """The DFT of a real ``x``: the first n//2 + 1 bins (the rest are their conjugates)."""
    axis = _check(x, axis, norm, "rfft")
    if x.backend.is_complex(x.dtype):
        raise ArgumentError(f"fft.rfft: x must be real, got {x.backend.dtype_name(x.dtype)}")
    return rfft_p(x, n=x.shape[axis] if n is None else n, axis=axis, norm=norm)


def irfft(x: Tensor, /, *, n: int | None = None, axis: int = -1, norm: str = "backward") -> Tensor:
    """The real signal of length ``n`` (default 2 (m - 1)) whose rfft is ``x``."""
    axis = _check(x, axis, norm, "irfft")
    return irfft_p(
        as_complex(x), n=2 * (x.shape[axis] - 1) if n is None else n, axis=axis, norm=norm
    )


def _shift(x: Tensor, axes: Any, inverse: bool) -> Tensor:
    axes = (
        tuple(range(x.ndim))
        if axes is None
        else ((axes,) if isinstance(axes, int) else tuple(axes))
    )
    shifts = tuple((-(x.shape[a] // 2)) if inverse else x.shape[a] // 2 for a in axes)
    return roll(x, shifts, axes)


def fftshift(x: Tensor, /, *, axes: Any = None) -> Tensor:
    """The zero-frequency bin moved to the middle (a roll: differentiable)."""
    return _shift(x, axes, inverse=False)


def ifftshift(x: Tensor, /, *, axes: Any = None) -> Tensor:
    """The inverse of ``fftshift``."""
    return _shift(x, axes, inverse=True)


def _freq(n: int, d: float, dtype: Any, backend: Any, device: Any, real_only: bool) -> Tensor:
    b = get_backend(backend, device)
    dt = b.float_dtype(dtype)
    f = b.xp.fft.rfftfreq if real_only else b.xp.fft.fftfreq
    return wrap(b.xp.astype(f(n, d=d, device=b.device), dt), b)


def fftfreq(n: int, /, *, d: float = 1.0, dtype: Any = None, backend: Any = None,
            device: Any = None) -> Tensor:  # fmt: skip
    """The sample frequencies of an n-point fft: [0, 1, ..., -1] / (d n)."""
    return _freq(n, d, dtype, backend, device, real_only=False)


def rfftfreq(n: int, /, *, d: float = 1.0, dtype: Any = None, backend: Any = None,
             device: Any = None) -> Tensor:  # fmt: skip
    """The sample frequencies of an n-point rfft: [0, 1, ..., n // 2] / (d n)."""
    return _freq(n, d, dtype, backend, device, real_only=True)


_SWAP = {"backward": "forward", "forward": "backward", "ortho": "ortho"}


def rfftn(x: Tensor, /, *, s: Any = None, axes: Any = None, norm: str = "backward") -> Tensor:
    """The n-dimensional DFT of a real ``x``: rfft over the last of ``axes``, then fftn over
    the others."""
    sizes, axes = _n_axes(x, s, axes, norm, "rfftn")
    out = rfft(x, n=sizes[-1], axis=axes[-1], norm=norm)
    if len(axes) == 1:
        return out
    return fftn(out, s=sizes[:-1], axes=axes[:-1], norm=norm)


def irfftn(x: Tensor, /, *, s: Any = None, axes: Any = None, norm: str = "backward") -> Tensor:
    """The inverse of ``rfftn``: ifftn over all but the last of ``axes``, then irfft over it
    (to ``s[-1]`` points, 2 (m - 1) by default)."""
    if axes is None:
        axes = tuple(range(x.ndim)) if s is None else tuple(range(x.ndim - len(s), x.ndim))
    axes = tuple(_check(x, a, norm, "irfftn") for a in axes)
    if s is None:
        s = [x.shape[a] for a in axes[:-1]] + [2 * (x.shape[axes[-1]] - 1)]
    s = tuple(int(v) for v in s)
    if len(s) != len(axes):
        raise ArgumentError(f"fft.irfftn: s has {len(s)} sizes for {len(axes)} axes")
    out = x if len(axes) == 1 else ifftn(x, s=s[:-1], axes=axes[:-1], norm=norm)
    return irfft(out, n=s[-1], axis=axes[-1], norm=norm)


def hfft(x: Tensor, /, *, n: int | None = None, axis: int = -1, norm: str = "backward") -> Tensor:
    """The real spectrum of a signal with Hermitian symmetry (``x`` its first half):
    irfft of conj(x) with the other normalisation direction, as NumPy."""
    axis = _check(x, axis, norm, "hfft")
    return irfft(conj(as_complex(x)), n=n, axis=axis, norm=_SWAP[norm])


def ihfft(x: Tensor, /, *, n: int | None = None, axis: int = -1, norm: str = "backward") -> Tensor:
    """The inverse of ``hfft``: conj(rfft(x)) with the other normalisation direction."""
    axis = _check(x, axis, norm, "ihfft")
    return conj(rfft(x, n=n, axis=axis, norm=_SWAP[norm]))
