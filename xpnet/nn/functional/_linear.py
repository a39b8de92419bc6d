"""The linear map y = x W^T + b."""

from __future__ import annotations

from ..._errors import ShapeError
from ...ops import einsum
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


def bilinear(x1: Tensor, x2: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """y_o = x1^T A_o x2 + b_o for each output o, with ``weight`` (out, in1, in2) and inputs
    (*, in1) and (*, in2) sharing their leading axes (PyTorch's ``F.bilinear``)."""
    x1, x2, weight, bias = autocast_low(x1, x2, weight, bias)
    if weight.ndim != 3 or x1.shape[-1:] != weight.shape[1:2] or x2.shape[-1:] != weight.shape[2:]:
        raise ShapeError(
            f"bilinear: inputs {x1.shape} and {x2.shape} for a weight {weight.shape} "
            "(out_features, in1_features, in2_features)"
        )
    if x1.shape[:-1] != x2.shape[:-1]:
        raise ShapeError(f"bilinear: inputs {x1.shape} and {x2.shape} differ in leading axes")
    out = einsum("...i,oij,...j->...o", x1, weight, x2)
    return out if bias is None else out + bias
