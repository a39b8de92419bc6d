"""Linear and Embedding layers."""

from __future__ import annotations

import math
from typing import Any

from .._errors import ArgumentError, DTypeError, NotSupportedError, ShapeError
from ..autodiff import no_grad
from ..tensor import Tensor
from . import functional as F
from . import init
from ._factory import empty_parameter
from ._module import Module
from ._parameter import Parameter
from .functional._embedding import padding_row


class Linear(Module):
    """y = x W^T + b, with W of shape (out_features, in_features); PyTorch's initialisation."""

    def __init__(
        self,
        in_features: int,
        out_features: int,
        bias: bool = True,
        device: Any = None,
        dtype: Any = None,
        *,
        backend: Any = None,
    ) -> None:
        super().__init__()
        self.in_features, self.out_features = in_features, out_features
        self.weight = empty_parameter((out_features, in_features), backend, device, dtype)
        self.bias = empty_parameter((out_features,), backend, device, dtype) if bias else None
        self.reset_parameters()

    def reset_parameters(self) -> None:
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))  # = U(-1/sqrt(fan_in), 1/sqrt(fan_in))
        if self.bias is not None:
            bound = 1.0 / math.sqrt(self.in_features) if self.in_features else 0.0
            init.uniform_(self.bias, -bound, bound)

    def forward(self, x: Tensor) -> Tensor:
        return F.linear(x, self.weight, self.bias)

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"


class LazyLinear(Linear):
    """PyTorch's ``LazyLinear``: a Linear whose ``in_features`` is the last dimension of its
    first input. Until then its weight has no columns (shape ``(out_features, 0)``). The
    first call, or ``load_state_dict`` of a full weight, gives the weight its shape in place
    (the same Parameter object, so an optimizer made before keeps it), initialises it as a
    Linear, and the module becomes a ``Linear``."""

    lazy_weight = True  # load_state_dict accepts any number of input columns for "weight"

    def __init__(
        self,
        out_features: int,
        bias: bool = True,
        device: Any = None,
        dtype: Any = None,
        *,
        backend: Any = None,
    ) -> None:
        super().__init__(0, out_features, bias, device, dtype, backend=backend)

    def reset_parameters(self) -> None:
        if self.in_features:  # nothing to initialise before the shape is known
            super().reset_parameters()

    def materialize(self, in_features: int) -> None:
        """Give the weight ``in_features`` columns, initialised as Linear's; become a Linear."""
        b = self.weight.backend
        with no_grad():
            self.weight._set_data(b.zeros((self.out_features, in_features), self.weight.dtype))
        self.in_features = in_features
        self.__class__ = Linear  # type: ignore[assignment]  # PyTorch's cls_to_become
        self.reset_parameters()

    def forward(self, x: Tensor) -> Tensor:
        if not x.ndim:
            raise ShapeError(f"LazyLinear: a 0-d input {x.shape} has no features")
        if not x.backend.is_inexact(x.dtype):  # refused before the module changes
            raise DTypeError(
                f"LazyLinear: the input is {x.backend.dtype_name(x.dtype)}; convert it with "
                ".float() (the parameters are floating)"
            )
        self.materialize(x.shape[-1])
        return F.linear(x, self.weight, self.bias)

    def extra_repr(self) -> str:
        return f"in_features=<lazy>, out_features={self.out_features}, bias={self.bias is not None}"


class Bilinear(Module):
    """y = x1^T A x2 + b, with A of shape (out_features, in1_features, in2_features);
    PyTorch's ``nn.Bilinear`` and its initialisation (uniform within 1/sqrt(in1_features))."""

    def __init__(
        self,
        in1_features: int,
        in2_features: int,
        out_features: int,
        bias: bool = True,
        device: Any = None,
        dtype: Any = None,
        *,
        backend: Any = None,
    ) -> None:
        super().__init__()
        self.in1_features, self.in2_features = in1_features, in2_features
        self.out_features = out_features
        shape = (out_features, in1_features, in2_features)
        self.weight = empty_parameter(shape, backend, device, dtype)
        self.bias = empty_parameter((out_features,), backend, device, dtype) if bias else None
        self.reset_parameters()

    def reset_parameters(self) -> None:
        bound = 1.0 / math.sqrt(self.in1_features) if self.in1_features else 0.0
        init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound)

    def forward(self, x1: Tensor, x2: Tensor) -> Tensor:
        return F.bilinear(x1, x2, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
                f"out_features={self.out_features}, bias={self.bias is not None}")  # fmt: skip


def _lookup_table(module: Module, num_embeddings: int, embedding_dim: int,
                  padding_idx: int | None, weight: Tensor | None, freeze: bool, backend: Any,
                  device: Any, dtype: Any) -> None:  # fmt: skip
    """Embedding's and EmbeddingBag's table: ``weight`` copied (``freeze``: no gradient), or
    N(0, 1) draws with the padding row zeroed; ``padding_idx`` checked and made non-negative."""
    name = type(module).__name__
    if padding_idx is not None:
        padding_idx = padding_row(padding_idx, num_embeddings, name)
    module.num_embeddings, module.embedding_dim = num_embeddings, embedding_dim
    module.padding_idx = padding_idx
    if weight is not None:
        if tuple(weight.shape) != (num_embeddings, embedding_dim):
            raise ShapeError(
                f"{name}: weight of shape {tuple(weight.shape)} for ({num_embeddings}, {embedding_dim})"
            )
        module.weight = Parameter(weight.detach().clone(), requires_grad=not freeze)
        return
    module.weight = empty_parameter((num_embeddings, embedding_dim), backend, device, dtype)
    init.normal_(module.weight)
    if padding_idx is not None:
        with no_grad():
            module.weight[padding_idx] = 0.0


class Embedding(Module):
    """A lookup table of ``num_embeddings`` vectors of size ``embedding_dim`` (N(0, 1) initialised)."""

    def __init__(
        self,
        num_embeddings: int,
        embedding_dim: int,
        padding_idx: int | None = None,
        max_norm: float | None = None,
        norm_type: float = 2.0,
        scale_grad_by_freq: bool = False,
        sparse: bool = False,
        _weight: Tensor | None = None,
        _freeze: bool = False,
        *,
        backend: Any = None,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        if scale_grad_by_freq or sparse:
            raise NotSupportedError("Embedding: scale_grad_by_freq and sparse are not supported")
        self.max_norm, self.norm_type = max_norm, norm_type
        _lookup_table(self, num_embeddings, embedding_dim, padding_idx, _weight, _freeze,
                      backend, device, dtype)  # fmt: skip

    @classmethod
    def from_pretrained(
        cls, embeddings: Tensor, freeze: bool = True, padding_idx: int | None = None, **kwargs: Any
    ) -> Embedding:
        """An Embedding holding a copy of ``embeddings`` (rows x dim), frozen (no gradient)
        unless ``freeze=False``."""
        if embeddings.ndim != 2:
            raise ShapeError(
                f"Embedding.from_pretrained: embeddings must be 2-D, got shape {embeddings.shape}"
            )
        rows, dim = embeddings.shape
        return cls(rows, dim, padding_idx, _weight=embeddings, _freeze=freeze, **kwargs)

    def forward(self, indices: Tensor) -> Tensor:
        return F.embedding(indices, self.weight, self.padding_idx, self.max_norm, self.norm_type)

    def extra_repr(self) -> str:
        s = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.padding_idx is not None:
            s += f", padding_idx={self.padding_idx}"
        if self.max_norm is not None:
            s += f", max_norm={self.max_norm}"
        if self.norm_type != 2:
            s += f", norm_type={self.norm_type}"
        return s


class EmbeddingBag(Module):
    """Sums, means or maxima of bags of embeddings, without the (bags, size, dim) lookups
    being kept by the caller (PyTorch's ``nn.EmbeddingBag``, ``F.embedding_bag``)."""

    def __init__(
        self,
        num_embeddings: int,
        embedding_dim: int,
        max_norm: float | None = None,
        norm_type: float = 2.0,
        scale_grad_by_freq: bool = False,
        mode: str = "mean",
        sparse: bool = False,
        _weight: Tensor | None = None,
        include_last_offset: bool = False,
        padding_idx: int | None = None,
        *,
        backend: Any = None,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        if scale_grad_by_freq or sparse:
            raise NotSupportedError("EmbeddingBag: scale_grad_by_freq and sparse are not supported")
        if mode not in ("sum", "mean", "max"):
            raise ArgumentError(f"EmbeddingBag: mode must be 'sum', 'mean' or 'max', got {mode!r}")
        self.mode, self.max_norm, self.norm_type = mode, max_norm, norm_type
        self.include_last_offset = include_last_offset
        _lookup_table(self, num_embeddings, embedding_dim, padding_idx, _weight, False,
                      backend, device, dtype)  # fmt: skip

    def forward(self, input: Tensor, offsets: Any = None,
                per_sample_weights: Tensor | None = None) -> Tensor:  # fmt: skip
        return F.embedding_bag(input, self.weight, offsets, self.max_norm, self.norm_type,
                               False, self.mode, False, per_sample_weights,
                               self.include_last_offset, self.padding_idx)  # fmt: skip

    def extra_repr(self) -> str:
        s = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.max_norm is not None:
            s += f", max_norm={self.max_norm}"
        if self.norm_type != 2:
            s += f", norm_type={self.norm_type}"
        s += f", mode={self.mode!r}"
        if self.padding_idx is not None:
            s += f", padding_idx={self.padding_idx}"
        return s
