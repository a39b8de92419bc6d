"""PyTorch's forward-mode API (``torch.autograd.forward_ad``): dual tensors.

Inside ``with dual_level():``, ``make_dual(x, t)`` gives a tensor with the values of ``x``
that carries the tangent ``t``; any computation from it is a function of the dual
tensors, and ``unpack_dual(y).tangent`` is its directional derivative ``J t`` (summed over
every dual tensor ``y`` depends on). The tangent is worked out when asked, from the graph
the computation recorded, by the transposition trick ``xn.jvp`` uses (the derivative of
``<J^T u, t>`` with respect to ``u`` is ``J t``): two backward passes per ``unpack_dual``,
and no second set of rules. So a dual computation needs the graph: it runs with grad mode
on (not under ``no_grad``), and a custom ``Function`` needs its ``backward`` (its ``jvp``
is not used). Outside a level, ``unpack_dual`` gives no tangent, as in PyTorch; levels do
not nest.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any, NamedTuple

from .._errors import ArgumentError, ArgumentTypeError, GraphError, ShapeError
from ..autodiff import backward, describe, enable_grad
from ..autodiff.internal import is_tensor
from ..ops import getitem, sum, zeros_like
from ..tensor import Tensor


class UnpackedDualTensor(NamedTuple):
    primal: Tensor
    tangent: Tensor | None


class _Level:
    __slots__ = ("duals",)

    def __init__(self) -> None:
        self.duals: dict[int, tuple[Tensor, Tensor, Tensor]] = {}  # id -> (dual, tangent, primal)


_LEVELS: list[_Level] = []


def enter_dual_level() -> int:
    """Start a level of dual tensors (``dual_level()`` is the context manager for it)."""
    if _LEVELS:
        raise GraphError("forward_ad: dual levels do not nest (as in PyTorch); exit this one first")
    _LEVELS.append(_Level())
    return 0


def exit_dual_level(*, level: int | None = None) -> None:
    """End the level: its dual tensors become plain tensors (they carry no tangent)."""
    if not _LEVELS:
        raise GraphError("forward_ad: exit_dual_level() without a dual level")
    _LEVELS.pop()


@contextlib.contextmanager
def dual_level() -> Iterator[int]:
    """``with dual_level():`` the scope in which ``make_dual`` tensors carry tangents."""
    level = enter_dual_level()
    try:
        yield level
    finally:
        exit_dual_level()


def _current(op: str) -> _Level:
    if not _LEVELS:
        raise GraphError(f"forward_ad.{op}: no dual level; use it inside `with dual_level():`")
    return _LEVELS[-1]


def make_dual(tensor: Tensor, tangent: Tensor, *, level: int | None = None) -> Tensor:
    """A tensor with the values of ``tensor`` carrying ``tangent`` (same shape, floating)."""
    lv = _current("make_dual")
    if not is_tensor(tensor) or not is_tensor(tangent):
        raise ArgumentTypeError(
            f"forward_ad.make_dual takes two tensors, got {type(tensor).__name__} and "
            f"{type(tangent).__name__}"
        )
    if tangent.shape != tensor.shape:
        raise ShapeError(
            f"forward_ad.make_dual: the tangent {describe(tangent)} must have the primal's "
            f"shape, {describe(tensor)}"
        )
    if not tensor.backend.is_inexact(tensor.dtype):
        raise ArgumentError(
            f"forward_ad.make_dual: only floating tensors carry tangents, got {describe(tensor)}"
        )
    if tangent.backend is not tensor.backend:
        tangent = tangent.to(backend=tensor.backend, device=tensor.device)
    if tangent.dtype != tensor.dtype:
        tangent = tangent.astype(tensor.backend.dtype_name(tensor.dtype))
    with enable_grad():  # a graph vertex of its own, whose gradient also reaches `tensor`
        dual = getitem(tensor, ...) if tensor.requires_grad else tensor.detach().requires_grad_()
    lv.duals[id(dual)] = (dual, tangent, tensor)
    return dual


def unpack_dual(tensor: Any, *, level: int | None = None) -> UnpackedDualTensor:
    """``(primal, tangent)`` of ``tensor``: its tangent ``J t`` in the current level (None
    outside one, or where ``tensor`` depends on no dual tensor)."""
    if not _LEVELS or not is_tensor(tensor):
        return UnpackedDualTensor(tensor, None)
    duals = _LEVELS[-1].duals
    made = duals.get(id(tensor))
    if made is not None and made[0] is tensor:
        return UnpackedDualTensor(made[2], made[1])
    if not tensor.requires_grad or not duals:
        return UnpackedDualTensor(tensor, None)
    entries = list(duals.values())
    with enable_grad():
        u = zeros_like(tensor).requires_grad_()
        gs = backward(
            (tensor,),
            (u,),
            inputs=[d for d, _, _ in entries],
            create_graph=True,
            retain_graph=True,
            stop_at_inputs=True,
        )
        assert gs is not None
        terms = [sum(g * t) for g, (_, t, _) in zip(gs, entries, strict=True) if g is not None]
        terms = [s for s in terms if s.requires_grad]  # a term without u in it is zero
        if not terms:
            return UnpackedDualTensor(tensor, None)
        total = terms[0]
        for s in terms[1:]:
            total = total + s
        got = backward((total,), inputs=[u], retain_graph=True)  # it reaches the forward graph
    assert got is not None
    return UnpackedDualTensor(tensor, None if got[0] is None else got[0].detach())
