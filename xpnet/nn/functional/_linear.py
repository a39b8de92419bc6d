"""The linear map y = x W^T + b."""

from __future__ import annotations

from ..._errors import ShapeError
from ...ops.internal import autocast_low, layer_dtypes, linear_p
from ...tensor import Tensor


def linear(x: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """x @ weight.T + bias, with ``weight`` of shape (out_features, in_features)."""
    x, weight, bias = autocast_low(x, weight, bias)
    layer_dtypes("linear", x, weight, bias)
    if x.shape[-1:] != weight.shape[1:]:
        raise ShapeError(
            f"linear: input of shape {x.shape} has {x.shape[-1] if x.ndim else 0} features, but the weight "
            f"{weight.shape} expects {weight.shape[1]} (in_features)"
        )
    if x.ndim == 0:
        raise ShapeError("linear: the input must have at least 1 dimension")
    return linear_p(x, weight) if bias is None else linear_p(x, weight, bias)
