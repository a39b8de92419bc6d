"""Activation layers, Identity, Flatten and Unflatten."""

from __future__ import annotations

from typing import Any

from .._errors import ArgumentError, ShapeError
from ..ops import flatten, reshape
from ..tensor import Tensor
from . import functional as F
from ._factory import buffer
from ._module import Module
from ._parameter import Parameter


class Identity(Module):
    """Returns its input unchanged (any constructor arguments are accepted and ignored)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()

    def forward(self, x: Any) -> Any:
        return x


def _inplace_flag(owner: str, inplace: Any) -> bool:
    """PyTorch's ``inplace=`` argument: accepted so PyTorch code builds unchanged (the
    output is always a new tensor: xpnet's graph needs the input's values)."""
    if not isinstance(inplace, bool):
        raise ArgumentError(f"{owner}: inplace must be a bool, got {inplace!r}")
    return inplace


def _with_inplace(s: str, inplace: bool) -> str:
    """PyTorch's reprs add ``inplace=True`` only when it is set."""
    return s + (", inplace=True" if s else "inplace=True") if inplace else s


class _Elementwise(Module):
    """An activation without settings: ``fn`` applied to the input (``inplace`` accepted)."""

    fn: Any = staticmethod(F.relu)

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = _inplace_flag(type(self).__name__, inplace)

    def forward(self, x: Tensor) -> Tensor:
        return type(self).fn(x)

    def extra_repr(self) -> str:
        return _with_inplace("", self.inplace)


class _Plain(Module):
    """An activation that takes no arguments at all (PyTorch's Sigmoid, Tanh...)."""

    fn: Any = staticmethod(F.sigmoid)

    def forward(self, x: Tensor) -> Tensor:
        return type(self).fn(x)


class ReLU(_Elementwise):
    fn = staticmethod(F.relu)


class LeakyReLU(Module):
    def __init__(self, negative_slope: float = 0.01, inplace: bool = False) -> None:
        super().__init__()
        self.negative_slope = negative_slope
        self.inplace = _inplace_flag("LeakyReLU", inplace)

    def forward(self, x: Tensor) -> Tensor:
        return F.leaky_relu(x, self.negative_slope)

    def extra_repr(self) -> str:
        return _with_inplace(f"negative_slope={self.negative_slope}", self.inplace)


class Sigmoid(_Plain):
    fn = staticmethod(F.sigmoid)


class Tanh(_Plain):
    fn = staticmethod(F.tanh)


class SiLU(_Elementwise):
    """x * sigmoid(x)."""

    fn = staticmethod(F.silu)


class Softplus(Module):
    """log(1 + exp(beta x)) / beta, linear above ``threshold`` (PyTorch's defaults)."""

    def __init__(self, beta: float = 1.0, threshold: float = 20.0) -> None:
        super().__init__()
        self.beta, self.threshold = beta, threshold

    def forward(self, x: Tensor) -> Tensor:
        return F.softplus(x, self.beta, self.threshold)

    def extra_repr(self) -> str:
        return f"beta={self.beta}, threshold={self.threshold}"


class ELU(Module):
    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        self.alpha = alpha
        self.inplace = _inplace_flag(type(self).__name__, inplace)

    def forward(self, x: Tensor) -> Tensor:
        return F.elu(x, self.alpha)

    def extra_repr(self) -> str:
        return _with_inplace(f"alpha={self.alpha}", self.inplace)


class CELU(ELU):
    def forward(self, x: Tensor) -> Tensor:
        return F.celu(x, self.alpha)


class SELU(_Elementwise):
    fn = staticmethod(F.selu)


class Mish(_Elementwise):
    fn = staticmethod(F.mish)


class Softsign(_Elementwise):
    fn = staticmethod(F.softsign)


class ReLU6(_Elementwise):
    fn = staticmethod(F.relu6)


class Hardsigmoid(_Elementwise):
    fn = staticmethod(F.hardsigmoid)

    def extra_repr(self) -> str:
        return ""  # PyTorch's repr leaves inplace out here


class Hardswish(_Elementwise):
    fn = staticmethod(F.hardswish)

    def extra_repr(self) -> str:
        return ""  # PyTorch's repr leaves inplace out here


class Hardtanh(Module):
    def __init__(self, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        self.min_val, self.max_val = min_val, max_val
        self.inplace = _inplace_flag("Hardtanh", inplace)

    def forward(self, x: Tensor) -> Tensor:
        return F.hardtanh(x, self.min_val, self.max_val)

    def extra_repr(self) -> str:
        return _with_inplace(f"min_val={self.min_val}, max_val={self.max_val}", self.inplace)


class GELU(Module):
    def __init__(self, approximate: str = "none") -> None:
        super().__init__()
        self.approximate = approximate

    def forward(self, x: Tensor) -> Tensor:
        return F.gelu(x, self.approximate)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class Softmax(Module):
    def __init__(self, dim: int = -1) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, x: Tensor) -> Tensor:
        return F.softmax(x, dim=self.dim)


class Softmax2d(Module):
    """Softmax over the channels of (N, C, H, W) or (C, H, W) inputs (axis -3)."""

    def forward(self, x: Tensor) -> Tensor:
        if x.ndim not in (3, 4):
            raise ShapeError(f"Softmax2d: expected a 3-D or 4-D input, got shape {x.shape}")
        return F.softmax(x, dim=-3)


class LogSoftmax(Module):
    def __init__(self, dim: int = -1) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, x: Tensor) -> Tensor:
        return F.log_softmax(x, dim=self.dim)


class Softmin(Module):
    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, x: Tensor) -> Tensor:
        return F.softmin(x, dim=self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class GLU(Module):
    """a * sigmoid(b) for the two halves a, b of the input along ``dim``."""

    def __init__(self, dim: int = -1) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, x: Tensor) -> Tensor:
        return F.glu(x, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class Threshold(Module):
    def __init__(self, threshold: float, value: float, inplace: bool = False) -> None:
        super().__init__()
        self.threshold, self.value = threshold, value
        self.inplace = _inplace_flag("Threshold", inplace)

    def forward(self, x: Tensor) -> Tensor:
        return F.threshold(x, self.threshold, self.value)

    def extra_repr(self) -> str:
        return _with_inplace(f"threshold={self.threshold}, value={self.value}", self.inplace)


class LogSigmoid(_Plain):
    fn = staticmethod(F.log_sigmoid)


class Tanhshrink(_Plain):
    fn = staticmethod(F.tanhshrink)


class Softshrink(Module):
    def __init__(self, lambd: float = 0.5) -> None:
        super().__init__()
        self.lambd = lambd

    def forward(self, x: Tensor) -> Tensor:
        return F.softshrink(x, self.lambd)

    def extra_repr(self) -> str:
        return str(self.lambd)


class Hardshrink(Softshrink):
    def forward(self, x: Tensor) -> Tensor:
        return F.hardshrink(x, self.lambd)


class PReLU(Module):
    """max(0, x) + a min(0, x) with a learned slope ``weight`` (one, or one per channel),
    initialised to ``init`` (0.25), as PyTorch's."""

    def __init__(
        self, num_parameters: int = 1, init: float = 0.25, *, backend: Any = None,
        device: Any = None, dtype: Any = None,
    ) -> None:  # fmt: skip
        super().__init__()
        self.num_parameters = num_parameters
        self.weight = Parameter(buffer((num_parameters,), init, backend, device, dtype))

    def forward(self, x: Tensor) -> Tensor:
        return F.prelu(x, self.weight)

    def extra_repr(self) -> str:
        return f"num_parameters={self.num_parameters}"


class Flatten(Module):
    """Merge axes ``start_dim``..``end_dim`` (by default all but the batch axis)."""

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, x: Tensor) -> Tensor:
        return flatten(x, self.start_dim, self.end_dim)


class Unflatten(Module):
    """Split axis ``dim`` into ``unflattened_size`` (the inverse of Flatten; one entry may be -1)."""

    def __init__(self, dim: int, unflattened_size: Any) -> None:
        super().__init__()
        size = tuple(unflattened_size)
        if not size or any(not isinstance(s, int) or (s < 1 and s != -1) for s in size):
            raise ArgumentError(
                f"Unflatten: unflattened_size must be a non-empty sequence of positive ints "
                f"(one may be -1), got {unflattened_size!r}"
            )
        self.dim, self.unflattened_size = dim, size

    def forward(self, x: Tensor) -> Tensor:
        d = self.dim + x.ndim if self.dim < 0 else self.dim
        if not 0 <= d < x.ndim:
            raise ArgumentError(f"Unflatten: dim {self.dim} is out of range for shape {x.shape}")
        return reshape(x, (*x.shape[:d], *self.unflattened_size, *x.shape[d + 1 :]))

    def extra_repr(self) -> str:
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"
