"""PyTorch's ``gradcheck`` and ``gradgradcheck``: every Jacobian the VJP rules give, compared
with central finite differences, entry by entry (the classic check of a backward pass).

For each output and each input that requires grad, the analytical Jacobian is built one
row at a time (one backward per output element) and the numerical one one column at a
time (``f(x + eps e_j) - f(x - eps e_j)) / 2 eps``). Use float64 inputs, as PyTorch asks:
float32 rounding alone exceeds the default tolerances.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .._errors import ArgumentError, ArgumentTypeError, GradcheckError
from ..autodiff import backward as _backward
from ..autodiff import no_grad
from ..autodiff.internal import is_tensor
from ..ops import asarray, reshape, zeros_like
from ..tensor import Tensor

# PyTorch's options that choose how it checks (batched, forward-mode, sparse, fast): the
# full Jacobian comparison here answers the same question
_TORCH_ONLY = frozenset({
    "nondet_tol", "check_undefined_grad", "check_grad_dtypes", "check_batched_grad",
    "check_batched_forward_grad", "check_forward_ad", "check_backward_ad", "fast_mode",
    "masked", "gen_non_contig_grad_outputs",
})  # fmt: skip


def _as_tuple(x: Any) -> tuple[Any, ...]:
    return (x,) if is_tensor(x) else tuple(x) if isinstance(x, Sequence) else (x,)


def _outputs(func: Callable[..., Any], args: tuple[Any, ...]) -> list[Tensor]:
    outs = _as_tuple(func(*args))
    if not all(is_tensor(o) for o in outs):
        raise ArgumentTypeError("gradcheck: func must return a Tensor or a tuple of Tensors")
    return list(outs)


def _host(t: Tensor) -> np.ndarray:
    return np.asarray(t.detach().numpy(), dtype=np.float64).reshape(-1)


def _numerical(
    func: Callable[..., Any], args: tuple[Any, ...], i: int, eps: float, n_out: int
) -> list[np.ndarray]:
    """The columns d out_k / d x_i[j] by central differences, for every output k."""
    x = args[i]
    flat = _host(x)
    cols: list[list[np.ndarray]] = [[] for _ in range(n_out)]
    for j in range(flat.size):
        values = []
        for sign in (1.0, -1.0):
            moved = flat.copy()
            moved[j] += sign * eps
            with no_grad():
                xj = reshape(asarray(moved, dtype=x.dtype, backend=x.backend), x.shape)
            # (a function of gradients, as gradgradcheck's, needs its inputs' graph)
            xj.requires_grad_(True)
            values.append(_outputs(func, (*args[:i], xj, *args[i + 1 :])))
        for k in range(n_out):
            cols[k].append((_host(values[0][k]) - _host(values[1][k])) / (2 * eps))
    return [np.stack(c, axis=1) if c else np.zeros((0, 0)) for c in cols]


def _analytical(outs: list[Tensor], x: Tensor, k: int) -> np.ndarray:
    """The rows d out_k[m] / d x, one backward per output element."""
    out = outs[k]
    n, size = int(np.prod(out.shape)), int(np.prod(x.shape))
    if not out.requires_grad:  # the output does not depend on any input
        return np.zeros((n, size))
    rows = []
    for m in range(n):
        seed = np.zeros(n)
        seed[m] = 1.0
        seed_t = reshape(asarray(seed, dtype=out.dtype, backend=out.backend), out.shape)
        (g,) = _backward([out], [seed_t], inputs=[x], retain_graph=True) or (None,)
        rows.append(_host(g if g is not None else zeros_like(x)))
    return np.stack(rows) if rows else np.zeros((0, size))


def gradcheck(
    func: Callable[..., Any],
    inputs: Any,
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
    **options: Any,
) -> bool:
    """True when, for every output of ``func(*inputs)`` and every input that requires grad,
    the Jacobian from backward equals the finite-difference one (``allclose`` with
    ``rtol``/``atol``); else GradcheckError naming the output and input with both
    Jacobians (or False when ``raise_exception=False``)."""
    unknown = set(options) - _TORCH_ONLY
    if unknown:
        raise ArgumentTypeError(f"gradcheck: unexpected keyword arguments {sorted(unknown)}")
    args = _as_tuple(inputs)
    wrt = [i for i, a in enumerate(args) if is_tensor(a) and a.requires_grad]
    if not wrt:
        raise ArgumentError("gradcheck: no input requires grad (nothing to check)")
    for i in wrt:
        if args[i].backend.dtype_name(args[i].dtype) != "float64":
            warnings.warn(
                f"gradcheck: input {i} is {args[i].backend.dtype_name(args[i].dtype)}, not "
                "float64: rounding may exceed the tolerances",
                UserWarning,
                stacklevel=2,
            )
    outs = _outputs(func, args)
    for i in wrt:
        numerical = _numerical(func, args, i, eps, len(outs))
        for k in range(len(outs)):
            analytical = _analytical(outs, args[i], k)
            if not np.allclose(analytical, numerical[k], rtol=rtol, atol=atol):
                if not raise_exception:
                    return False
                raise GradcheckError(
                    f"gradcheck: Jacobian mismatch for output {k} with respect to input {i},\n"
                    f"numerical:\n{numerical[k]}\nanalytical:\n{analytical}"
                )
    return True


def gradgradcheck(
    func: Callable[..., Any],
    inputs: Any,
    grad_outputs: Any = None,
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
    **options: Any,
) -> bool:
    """``gradcheck`` of the gradient: the second derivatives that ``create_graph=True``
    backward gives, against finite differences of the first ones. ``grad_outputs``
    (default: random normal, fixed) weight ``func``'s outputs."""
    args = _as_tuple(inputs)
    wrt = [i for i, a in enumerate(args) if is_tensor(a) and a.requires_grad]
    if not wrt:
        raise ArgumentError("gradgradcheck: no input requires grad (nothing to check)")
    outs = _outputs(func, args)
    if grad_outputs is None:
        rng = np.random.default_rng(0)
        grad_outputs = [
            asarray(rng.standard_normal(o.shape), dtype=o.dtype, backend=o.backend) for o in outs
        ]
    seeds = list(_as_tuple(grad_outputs))

    def first(*xs: Any) -> tuple[Tensor, ...]:
        got = _backward(_outputs(func, xs), seeds, inputs=[xs[i] for i in wrt], create_graph=True)
        got = got or (None,) * len(wrt)
        return tuple(
            g if g is not None else zeros_like(xs[i]) for g, i in zip(got, wrt, strict=True)
        )

    return gradcheck(
        first, args, eps=eps, atol=atol, rtol=rtol, raise_exception=raise_exception, **options
    )
