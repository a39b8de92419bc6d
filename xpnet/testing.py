"""Test helpers: ``assert_close`` and ``check_grad``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ._errors import ArgumentError, ArgumentTypeError
from .autodiff import grad, no_grad
from .autodiff.internal import wrap
from .backend import Generator, get_backend
from .tensor import Tensor


def assert_close(
    actual: Tensor,
    expected: Any,
    *,
    rtol: float | None = None,
    atol: float | None = None,
    check_dtype: bool = True,
    check_device: bool = True,
) -> None:
    """Assert ``actual`` matches ``expected`` in values, shape, dtype, backend and device.

    ``expected`` may be a Tensor (everything is compared) or host data (values
    and shape; its dtype is compared when it is a NumPy array). Tolerances
    default by dtype: 1e-5 relative for float32, 1e-12 for float64.
    """
    if not isinstance(actual, Tensor):
        raise AssertionError(f"expected a Tensor, got {type(actual).__name__}")
    b = actual.backend
    a_name = b.dtype_name(actual.dtype)
    if isinstance(expected, Tensor):
        if check_device and expected.backend is not actual.backend:
            raise AssertionError(f"backend/device differ: {actual.backend} vs {expected.backend}")
        e_name = expected.backend.dtype_name(expected.dtype)
        exp_np = expected.numpy()
    else:
        exp_np = np.asarray(expected)
        e_name = exp_np.dtype.name if isinstance(expected, np.ndarray) else a_name
    if check_dtype and a_name != e_name:
        raise AssertionError(f"dtype differs: {a_name} vs {e_name}")
    act_np = actual.numpy()
    if act_np.shape != exp_np.shape:
        raise AssertionError(f"shape differs: {act_np.shape} vs {exp_np.shape}")
    if rtol is None:
        rtol = {"float16": 1e-3, "bfloat16": 1e-2, "float32": 1e-5}.get(a_name, 1e-12)
    if atol is None:
        atol = {"float16": 1e-3, "bfloat16": 1e-2, "float32": 1e-6}.get(a_name, 1e-14)
    np.testing.assert_allclose(act_np, exp_np, rtol=rtol, atol=atol)


def _dot(a: Tensor, b: Tensor) -> Tensor:
    return (a * b).sum()


def _fd_check(
    f: Callable[..., Tensor],
    inputs: list[Tensor],
    wrt: list[int],
    eps: float,
    rtol: float,
    atol: float,
    rng: Generator,
    order: int,
) -> None:
    """Compare <u, J v> from the VJP with a central finite difference of <u, f>."""
    with no_grad():
        out = f(*inputs)
    if not isinstance(out, Tensor):
        raise ArgumentTypeError(
            f"check_grad: the function must return a Tensor, got {type(out).__name__}"
        )
    u = wrap(rng.normal(out.shape, dtype=out.dtype), out.backend)
    vs = [wrap(rng.normal(inputs[i].shape, dtype=inputs[i].dtype), inputs[i].backend) for i in wrt]

    def scalar(*xs: Any) -> Tensor:
        return _dot(u, f(*xs))

    gs = grad(scalar, argnums=tuple(wrt))(*inputs)
    analytic = sum(float(_dot(g, v).item()) for g, v in zip(gs, vs, strict=True))

    def shifted(sign: float) -> float:
        xs = list(inputs)
        for i, v in zip(wrt, vs, strict=True):
            xs[i] = wrap((inputs[i] + v * (sign * eps))._data, inputs[i].backend)
        with no_grad():
            return float(scalar(*xs).item())

    numeric = (shifted(1.0) - shifted(-1.0)) / (2 * eps)
    if not abs(analytic - numeric) <= atol + rtol * max(abs(analytic), abs(numeric)):
        raise AssertionError(
            f"order-{order} gradient check failed: VJP gives {analytic!r}, finite differences "
            f"give {numeric!r} (|diff| {abs(analytic - numeric):.3g}, eps {eps})"
        )


def check_grad(
    f: Callable[..., Tensor],
    *inputs: Any,
    order: int = 2,
    eps: float | None = None,
    rtol: float | None = None,
    atol: float | None = None,
    seed: int = 0,
) -> None:
    """Check ``f``'s VJPs against central finite differences along random directions.

    Floating inputs are cast to float64 where the device has it (else float32
    with looser tolerances). ``order=2`` also checks the gradient of the
    gradient (a random projection of it), which exercises the rules' own VJPs.
    Integer inputs (indices) are passed through and not differentiated.
    """
    tensors = [x if isinstance(x, Tensor) else wrap(np.asarray(x), _numpy()) for x in inputs]
    wrt = [i for i, x in enumerate(tensors) if x.backend.is_float(x.dtype)]
    if not wrt:
        raise ArgumentError("check_grad: no floating-point input to differentiate")
    b = tensors[wrt[0]].backend
    wide = b.float64
    dtype = "float64" if wide else "float32"
    xs = [x.astype(dtype).detach() if i in wrt else x for i, x in enumerate(tensors)]
    eps = eps if eps is not None else (1e-6 if wide else 1e-3)
    rtol = rtol if rtol is not None else (1e-5 if wide else 3e-2)
    atol = atol if atol is not None else (1e-6 if wide else 3e-2)
    rng = Generator(seed, backend=b, host=True)
    _fd_check(f, xs, wrt, eps, rtol, atol, rng, 1)
    if order >= 2:
        ws = {i: wrap(rng.normal(xs[i].shape, dtype=xs[i].dtype), b) for i in wrt}
        u_holder: dict[str, Tensor] = {}

        def projected_grad(*zs: Any) -> Tensor:
            # <grad of <u, f>, w>: a scalar whose gradient is a Hessian-vector product.
            if "u" not in u_holder:
                with no_grad():
                    out = f(*zs)
                u_holder["u"] = wrap(rng.normal(out.shape, dtype=out.dtype), b)
            u = u_holder["u"]
            gs = grad(lambda *ys: _dot(u, f(*ys)), argnums=tuple(wrt))(*zs)
            total = _dot(gs[0], ws[wrt[0]])
            for g, i in zip(gs[1:], wrt[1:], strict=True):
                total = total + _dot(g, ws[i])
            return total

        _fd_check(projected_grad, xs, wrt, eps, rtol * 3, atol * 3, rng, 2)


def _numpy() -> Any:

    return get_backend("numpy")
