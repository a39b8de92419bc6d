"""Forward mode and batching: ``jvp``, ``jacfwd`` and ``vmap``.

``jvp`` is built from reverse mode by the transposition trick: for a dummy
cotangent ``u``, ``u -> J^T u`` is linear, so the gradient of ``<J^T u, t>`` with
respect to ``u`` is ``J t``. It needs every VJP rule to be differentiable in its
cotangent, which xpnet's rules are (they are written with xpnet's ops), and costs
about two backward passes. ``vmap`` maps a function over a leading axis by
calling it once per slice and stacking the results: it has no batched rules,
so it is as fast as a Python loop, and its value is that per-sample gradients
(``vmap(grad(loss), in_axes=(None, 0, 0))``) read as they are written.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from .._errors import ArgumentError, ShapeError
from .._tensor import Tensor, _wrap
from ._engine import OPS, backward
from ._functional import _as_tuple, _prepare, _zeros_like
from ._mode import enable_grad


def jvp(
    f: Callable[..., Tensor], primals: Sequence[Any], tangents: Sequence[Any]
) -> tuple[Tensor, Tensor]:
    """``(f(*primals), J t)``: the output and its directional derivative along ``tangents``.

    ``tangents`` has one tensor per primal, of the primal's shape. Nested inside
    ``grad`` (or another ``jvp``) the result stays differentiable.
    """
    primals, tangents = tuple(primals), tuple(tangents)
    if len(primals) != len(tangents):
        raise ArgumentError(f"jvp: {len(primals)} primals but {len(tangents)} tangents")
    args, leaves, nested = _prepare(primals, tuple(range(len(primals))))
    ts = [t if isinstance(t, Tensor) else OPS.as_tensor(t) for t in tangents]
    for i, (x, t) in enumerate(zip(leaves, ts, strict=True)):
        if t.shape != x.shape:
            raise ShapeError(
                f"jvp: tangent {i} has shape {t.shape} for a primal of shape {x.shape}"
            )
    with enable_grad():
        out = f(*args)
        if not out.requires_grad:
            return (out if nested else out.detach()), _zeros_like(out)
        u = _wrap(out.backend.full_like(out.data, 0), out.backend).requires_grad_(True)
        gs = backward((out,), (u,), inputs=leaves, create_graph=True, retain_graph=True)
        assert gs is not None
        terms = [(g * t).sum() for g, t in zip(gs, ts, strict=True) if g is not None]
        if not terms or not any(s.requires_grad for s in terms):
            return (out if nested else out.detach()), _zeros_like(out)
        total = terms[0]
        for s in terms[1:]:
            total = OPS.add(total, s)
        got = backward((total,), inputs=[u], create_graph=nested, retain_graph=nested)
    assert got is not None
    tangent_out = got[0] if got[0] is not None else _zeros_like(out)
    return (out if nested else out.detach()), tangent_out


def jacfwd(f: Callable[..., Tensor], argnums: int | Sequence[int] = 0) -> Callable[..., Any]:
    """The Jacobian of ``f`` by forward mode, one ``jvp`` per input element: shape
    ``out.shape + x.shape`` (cheaper than ``jacobian`` when inputs are fewer than outputs)."""
    nums = _as_tuple(argnums)

    def wrapped(*args: Any) -> Any:
        args_t = [a if isinstance(a, Tensor) or i not in nums else OPS.as_tensor(a)
                  for i, a in enumerate(args)]  # fmt: skip
        jacs = []
        for i in nums:
            x = args_t[i]
            b = x.backend
            eye = b.eye(x.size, None, x.dtype)
            cols = []
            out_shape: tuple[int, ...] = ()
            for j in range(x.size):
                tangents = [
                    _wrap(b.xp.reshape(eye[j, ...], x.shape), b) if k == i else _zeros_like(a)
                    for k, a in enumerate(args_t)
                    if isinstance(a, Tensor)
                ]
                primals = [a for a in args_t if isinstance(a, Tensor)]
                positions = [k for k, a in enumerate(args_t) if isinstance(a, Tensor)]

                def g(*ts: Tensor, positions: list[int] = positions) -> Tensor:
                    full = list(args_t)
                    for k, t in zip(positions, ts, strict=True):
                        full[k] = t
                    return f(*full)

                out, col = jvp(g, primals, tangents)
                out_shape = out.shape
                cols.append(col)
            jac = OPS.stack(cols, len(out_shape))
            jacs.append(OPS.reshape(jac, out_shape + x.shape))
        return jacs[0] if isinstance(argnums, int) else tuple(jacs)

    return wrapped


def vmap(
    f: Callable[..., Any], in_axes: int | Sequence[int | None] | None = 0, out_axes: int = 0
) -> Callable[..., Any]:
    """``f`` mapped over axis ``in_axes`` of its arguments (None: not mapped), results stacked
    on ``out_axes``. Calls ``f`` once per slice (no batched rules); tuples of results are
    stacked element by element."""

    def wrapped(*args: Any) -> Any:
        axes = [in_axes] * len(args) if not isinstance(in_axes, (list, tuple)) else list(in_axes)
        if len(axes) != len(args):
            raise ArgumentError(f"vmap: {len(axes)} in_axes for {len(args)} arguments")
        sizes = {a.shape[ax] for a, ax in zip(args, axes, strict=True) if ax is not None}
        if len(sizes) != 1:
            raise ShapeError(
                f"vmap: the mapped axes must have one size, got {sorted(sizes) or 'none mapped'}"
            )
        (n,) = sizes
        results = []
        for i in range(n):
            sliced = [
                a if ax is None else a[(slice(None),) * (ax % a.ndim) + (i,)]
                for a, ax in zip(args, axes, strict=True)
            ]
            results.append(f(*sliced))
        if isinstance(results[0], tuple):
            return tuple(
                OPS.stack([r[k] for r in results], out_axes) for k in range(len(results[0]))
            )
        return OPS.stack(results, out_axes)

    return wrapped
