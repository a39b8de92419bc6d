"""PyTorch as the oracle: run the same function on xpnet and on torch and compare values
and gradients (a random cotangent, so every output element counts)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest


def matches_torch(
    f: Any, inputs: list[np.ndarray], rng: np.random.Generator, *, xn_kwargs: Any = None,
    torch_kwargs: Any = None, rtol: float = 1e-10, atol: float = 1e-12, grad_rtol: float = 1e-9,
    grad_atol: float = 1e-11,
) -> None:  # fmt: skip
    """``f(lib, *tensors, **kwargs)`` with lib = xpnet then torch, on float64 copies of
    ``inputs`` (all differentiated): equal values, and equal gradients of the output
    weighted by one random cotangent. Array keyword values become each library's tensors."""
    torch = pytest.importorskip("torch")
    import xpnet as xn

    def kw(lib: Any, given: Any) -> dict[str, Any]:
        make = xn.tensor if lib is xn else torch.tensor
        return {k: make(v) if isinstance(v, np.ndarray) else v for k, v in (given or {}).items()}

    xs = [xn.tensor(a, requires_grad=True) for a in inputs]
    ts = [torch.tensor(a, requires_grad=True) for a in inputs]
    y = f(xn, *xs, **kw(xn, xn_kwargs if xn_kwargs is not None else torch_kwargs))
    ty = f(torch, *ts, **kw(torch, torch_kwargs))
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=rtol, atol=atol)
    w = rng.standard_normal(tuple(ty.shape))
    (y * xn.tensor(w)).sum().backward()
    (ty * torch.tensor(w)).sum().backward()
    for x, t in zip(xs, ts, strict=True):
        np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=grad_rtol, atol=grad_atol)
