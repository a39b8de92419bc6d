"""Initializers (``xn.nn.init``), with PyTorch's names, formulas and fan modes.

Each fills a tensor in place, drawing from ``generator`` (an ``xn.Generator``),
by default the host generator (NumPy's PCG64 on the host, seeded by
``xn.manual_seed``): a seeded model gets the same numbers on every backend and
device. A generator of a device backend draws there instead.
"""

from __future__ import annotations

import math
import warnings
from typing import Any, TypeVar

import numpy as np

from .._errors import ArgumentError, ArgumentTypeError, ShapeError
from ..autodiff import no_grad
from ..autodiff.internal import wrap
from ..backend import Generator, host_generator
from ..tensor import Tensor

T = TypeVar("T", bound=Tensor)


def _fill(t: T, values: Any) -> T:
    with no_grad():
        t.copy_(values)
    return t


def _rng(generator: Generator | None) -> Generator:
    if generator is None:
        return host_generator()
    if not isinstance(generator, Generator):
        raise ArgumentTypeError(
            f"initializers take an xn.Generator, got {type(generator).__name__} "
            "(xn.Generator(seed, host=True) draws on the host, like NumPy)"
        )
    return generator


def _draw_dtype(t: Tensor) -> str:
    return "float64" if t.backend.dtype_name(t.dtype) == "float64" else "float32"


def _draw(generator: Generator | None, kind: str, t: Tensor, a: float, b: float) -> Tensor:
    g = _rng(generator)
    if kind == "uniform":
        arr = g.uniform(t.shape, a, b, dtype=_draw_dtype(t))
    else:
        arr = g.normal(t.shape, a, b, dtype=_draw_dtype(t))
    return wrap(arr, g.backend)


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The recommended gain for ``nonlinearity`` (as in PyTorch)."""
    linear = ("linear", "conv1d", "conv2d", "conv3d", "sigmoid", "identity")
    if nonlinearity in linear:
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else param
        return math.sqrt(2.0 / (1 + slope**2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ArgumentError(f"calculate_gain: unsupported nonlinearity {nonlinearity!r}")


def calculate_fan_in_and_fan_out(t: Tensor) -> tuple[int, int]:
    """Fan in and fan out of a weight of shape (out, in, *kernel)."""
    if t.ndim < 2:
        raise ShapeError(
            f"fan in and fan out need a tensor of at least 2 dimensions, got shape {t.shape}"
        )
    receptive = math.prod(t.shape[2:])
    return t.shape[1] * receptive, t.shape[0] * receptive


def _fan(t: Tensor, mode: str) -> int:
    fan_in, fan_out = calculate_fan_in_and_fan_out(t)
    if mode not in ("fan_in", "fan_out"):
        raise ArgumentError(f"mode must be 'fan_in' or 'fan_out', got {mode!r}")
    return fan_in if mode == "fan_in" else fan_out


def uniform_(t: T, a: float = 0.0, b: float = 1.0, generator: Generator | None = None) -> T:
    """Fill ``t`` with draws from U(a, b)."""
    return _fill(t, _draw(generator, "uniform", t, a, b))


def normal_(t: T, mean: float = 0.0, std: float = 1.0, generator: Generator | None = None) -> T:
    """Fill ``t`` with draws from N(mean, std^2)."""
    return _fill(t, _draw(generator, "normal", t, mean, std))


def constant_(t: T, value: float) -> T:
    return _fill(t, np.full(t.shape, value))


def zeros_(t: T) -> T:
    return constant_(t, 0.0)


def ones_(t: T) -> T:
    return constant_(t, 1.0)


def eye_(t: T) -> T:
    """The identity matrix in a 2-D ``t`` (ones on the diagonal of a rectangular one too)."""
    if t.ndim != 2:
        raise ShapeError(f"eye_: needs a 2-D tensor, got shape {t.shape}")
    return _fill(t, np.eye(t.shape[0], t.shape[1]))


def dirac_(t: T, groups: int = 1) -> T:
    """A convolution weight (out, in, *kernel) that passes its input through: 1 at the
    kernel's centre where output channel i of each group meets input channel i, as
    PyTorch's (``groups`` splits the output channels)."""
    if t.ndim not in (3, 4, 5):
        raise ShapeError(f"dirac_: needs a 3-D to 5-D convolution weight, got shape {t.shape}")
    out, cin = t.shape[0], t.shape[1]
    if groups < 1 or out % groups:
        raise ArgumentError(f"dirac_: {out} output channels do not split into {groups} groups")
    per = out // groups
    values = np.zeros(t.shape)
    centre = tuple(k // 2 for k in t.shape[2:])
    for g in range(groups):
        for i in range(min(per, cin)):
            values[(g * per + i, i, *centre)] = 1.0
    return _fill(t, values)


def xavier_uniform_(t: T, gain: float = 1.0, generator: Generator | None = None) -> T:
    """Glorot uniform: U(-a, a) with a = gain * sqrt(6 / (fan_in + fan_out))."""
    fan_in, fan_out = calculate_fan_in_and_fan_out(t)
    a = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return uniform_(t, -a, a, generator)


def xavier_normal_(t: T, gain: float = 1.0, generator: Generator | None = None) -> T:
    """Glorot normal: N(0, std^2) with std = gain * sqrt(2 / (fan_in + fan_out))."""
    fan_in, fan_out = calculate_fan_in_and_fan_out(t)
    return normal_(t, 0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)), generator)


def kaiming_uniform_(
    t: T,
    a: float = 0.0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    generator: Generator | None = None,
) -> T:
    """He uniform: U(-b, b) with b = gain * sqrt(3 / fan)."""
    bound = calculate_gain(nonlinearity, a) * math.sqrt(3.0 / _fan(t, mode))
    return uniform_(t, -bound, bound, generator)


def kaiming_normal_(
    t: T,
    a: float = 0.0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    generator: Generator | None = None,
) -> T:
    """He normal: N(0, std^2) with std = gain / sqrt(fan)."""
    return normal_(t, 0.0, calculate_gain(nonlinearity, a) / math.sqrt(_fan(t, mode)), generator)


def _normal_cdf(z: float) -> float:
    return 0.5 * (1.0 + math.erf(z / math.sqrt(2.0)))


def trunc_normal_(
    t: T, mean: float = 0.0, std: float = 1.0, a: float = -2.0, b: float = 2.0,
    generator: Generator | None = None,
) -> T:  # fmt: skip
    """Fill ``t`` with draws from N(mean, std^2) truncated to [a, b] (the bounds are values,
    not standard deviations, as PyTorch's). Draws outside [a, b] are drawn again; bounds
    that keep less than 1 in 1000 draws are refused rather than looped on."""
    if not (std > 0 and a < b):
        raise ArgumentError(f"trunc_normal_: needs std > 0 and a < b, got std={std}, a={a}, b={b}")
    kept = _normal_cdf((b - mean) / std) - _normal_cdf((a - mean) / std)
    if kept < 1e-3:
        raise ArgumentError(
            f"trunc_normal_: [a, b] = [{a}, {b}] keeps {kept:.1e} of N({mean}, {std}^2); "
            "choose bounds nearer the mean"
        )
    values = _draw(generator, "normal", t, mean, std)
    xp = values.backend.xp
    for _ in range(100):  # each round keeps at least 99.9% of what is left outside
        arr = values._data
        outside = (arr < a) | (arr > b)
        if not bool(xp.any(outside)):
            return _fill(t, values)
        values = wrap(
            xp.where(outside, _draw(generator, "normal", t, mean, std)._data, arr), values.backend
        )
    raise ArgumentError("trunc_normal_: draws kept falling outside [a, b]")  # pragma: no cover


def orthogonal_(t: T, gain: float = 1.0, generator: Generator | None = None) -> T:
    """Fill ``t`` (2-D or more, rows = its first axis) with a (semi-)orthogonal matrix times
    ``gain``: Q of the QR factorisation of a normal draw, its columns' signs fixed by R's
    diagonal (Saxe et al.; PyTorch's method)."""
    if t.ndim < 2:
        raise ShapeError(f"orthogonal_: needs a tensor of 2 or more dims, got shape {t.shape}")
    rows = t.shape[0]
    cols = math.prod(t.shape[1:])
    draw = _draw(generator, "normal", t, 0.0, 1.0)
    flat = np.asarray(draw.backend.read_host(draw._data), dtype=np.float64).reshape(rows, cols)
    if rows < cols:
        flat = flat.T
    q, r = np.linalg.qr(flat)
    q = q * np.sign(np.diag(r))
    if rows < cols:
        q = q.T
    return _fill(t, (gain * q).reshape(t.shape))


def _deprecated(fn: Any) -> Any:
    """PyTorch's old name of ``fn`` (without the trailing underscore), with its warning."""
    new = fn.__name__
    old = new[:-1]

    def alias(*args: Any, **kwargs: Any) -> Any:
        warnings.warn(
            f"`nn.init.{old}` is now deprecated in favor of `nn.init.{new}`.",
            FutureWarning,
            stacklevel=2,
        )
        return fn(*args, **kwargs)

    alias.__name__ = alias.__qualname__ = old
    alias.__doc__ = f"Deprecated in PyTorch: ``{new}``."
    return alias


uniform = _deprecated(uniform_)
normal = _deprecated(normal_)
constant = _deprecated(constant_)
xavier_uniform = _deprecated(xavier_uniform_)
xavier_normal = _deprecated(xavier_normal_)
kaiming_uniform = _deprecated(kaiming_uniform_)
kaiming_normal = _deprecated(kaiming_normal_)
orthogonal = _deprecated(orthogonal_)
