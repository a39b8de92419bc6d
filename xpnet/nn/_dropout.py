"""Dropout: active in training mode only."""

from __future__ import annotations

from .._errors import ArgumentError
from ..backend import Generator
from ..tensor import Tensor
from . import functional as F
from ._module import Module


class Dropout(Module):
    """Zero each element with probability ``p`` in training (scaling the rest by 1/(1-p)); identity in eval."""

    def __init__(
        self, p: float = 0.5, inplace: bool = False, generator: Generator | None = None
    ) -> None:
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ArgumentError(f"{type(self).__name__}: p must be in [0, 1], got {p}")
        if not isinstance(inplace, bool):
            raise ArgumentError(
                f"{type(self).__name__}: inplace must be a bool, got {inplace!r} (the generator "
                "is a keyword: generator=...)"
            )
        # ``inplace`` is accepted for PyTorch code; the output is always a new tensor
        self.p, self.inplace, self.generator = p, inplace, generator

    def forward(self, x: Tensor) -> Tensor:
        return F.dropout(x, self.p, self.training, generator=self.generator)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class Dropout1d(Dropout):
    """Zero whole channels of (N, C, L) inputs in training (``F.dropout1d``)."""

    def forward(self, x: Tensor) -> Tensor:
        return F.dropout1d(x, self.p, self.training, generator=self.generator)


class Dropout2d(Dropout):
    """Zero whole channels of (N, C, H, W) inputs in training (``F.dropout2d``)."""

    def forward(self, x: Tensor) -> Tensor:
        return F.dropout2d(x, self.p, self.training, generator=self.generator)


class AlphaDropout(Dropout):
    """Dropout that keeps SELU networks self-normalising, in training (``F.alpha_dropout``)."""

    def forward(self, x: Tensor) -> Tensor:
        return F.alpha_dropout(x, self.p, self.training, generator=self.generator)
