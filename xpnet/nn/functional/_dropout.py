"""Dropout: zero elements at random in training, scale the rest to keep the mean.
(``inplace``, PyTorch's argument, is accepted; the result is always a new tensor.)"""

from __future__ import annotations

import warnings

from ... import ops
from ..._errors import ArgumentError
from ...autodiff.internal import wrap
from ...backend import Generator, default_generator
from ...tensor import Tensor


def dropout(
    x: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False,
    generator: Generator | None = None,
) -> Tensor:  # fmt: skip
    """Zero each element with probability ``p`` and scale the rest by 1/(1-p) (training only)."""
    if not 0.0 <= p <= 1.0:
        raise ArgumentError(f"dropout probability must be in [0, 1], got {p}")
    if not training or p == 0.0:
        return x
    if p == 1.0:
        return x * 0.0
    g = generator if generator is not None else default_generator(x.backend)
    keep = wrap(g.bernoulli(1.0 - p, x.shape), x.backend)
    return ops.where(keep, x * (1.0 / (1.0 - p)), 0.0)


def _channel_dropout(
    x: Tensor, p: float, training: bool, generator: Generator | None, dims: int, op: str
) -> Tensor:
    """Zero whole channels (axis 1 of (N, C, *spatial), axis 0 unbatched) with probability
    ``p``, scaling the rest by 1/(1-p)."""
    if not 0.0 <= p <= 1.0:
        raise ArgumentError(f"{op}: probability must be in [0, 1], got {p}")
    if not training or p == 0.0:
        return x
    if x.ndim not in (dims + 1, dims + 2):
        raise ArgumentError(
            f"{op}: expected an input (N, C, {dims} spatial axes) or (C, ...), got shape {x.shape}"
        )
    if p == 1.0:
        return x * 0.0
    lead = x.ndim - dims  # the axes a mask entry covers: (N, C) or (C,)
    g = generator if generator is not None else default_generator(x.backend)
    keep = wrap(g.bernoulli(1.0 - p, (*x.shape[:lead], *(1,) * dims)), x.backend)
    return ops.where(keep, x * (1.0 / (1.0 - p)), 0.0)


def dropout1d(
    x: Tensor, p: float = 0.5, training: bool = True, generator: Generator | None = None
) -> Tensor:
    """Zero whole channels of (N, C, L) inputs (``dropout`` of channels)."""
    return _channel_dropout(x, p, training, generator, 1, "dropout1d")


def dropout2d(
    x: Tensor, p: float = 0.5, training: bool = True, generator: Generator | None = None
) -> Tensor:
    """Zero whole channels of (N, C, H, W) inputs (Tompson et al.'s spatial dropout). A 2-D
    input gets elementwise ``dropout`` with a warning, as in PyTorch (which deprecates it)."""
    if x.ndim == 2:
        warnings.warn(
            f"dropout2d: a 2-D input (shape {x.shape}) has no channels to drop; it gets "
            "elementwise dropout, as in PyTorch. Use dropout for it.",
            UserWarning,
            stacklevel=2,
        )
        return dropout(x, p, training, generator=generator)
    return _channel_dropout(x, p, training, generator, 2, "dropout2d")


_SELU_ALPHA_PRIME = -1.7580993408473766  # -scale * alpha of SELU: its negative saturation


def alpha_dropout(x: Tensor, p: float = 0.5, training: bool = False,
                  generator: Generator | None = None) -> Tensor:  # fmt: skip
    """Dropout for self-normalising (SELU) networks (Klambauer et al.): dropped entries
    take SELU's negative saturation, then an affine map keeps mean 0 and variance 1.
    ``training`` defaults to False, as PyTorch's ``F.alpha_dropout``."""
    if not 0.0 <= p <= 1.0:
        raise ArgumentError(f"alpha_dropout: probability must be in [0, 1], got {p}")
    if not training or p == 0.0:
        return x
    if p == 1.0:
        return x * 0.0
    a = ((1.0 - p) * (1.0 + p * _SELU_ALPHA_PRIME**2)) ** -0.5
    b = -a * _SELU_ALPHA_PRIME * p
    g = generator if generator is not None else default_generator(x.backend)
    keep = wrap(g.bernoulli(1.0 - p, x.shape), x.backend)
    return ops.where(keep, x, _SELU_ALPHA_PRIME) * a + b
