"""einsum: Einstein summation (NumPy's and PyTorch's notation), composed of other ops.

``einsum("bij,bjk->bik", a, b)``: each operand's axes are labelled by letters; a label
repeated within one operand takes that diagonal; a label in no other operand and not
in the output is summed; the operands are then contracted two at a time, left to
right, each contraction one batched ``matmul`` (labels in both operands that are still
needed are its batch axes, the others it sums). ``...`` stands for the leading axes
not labelled, broadcast between operands as in NumPy. Without ``->`` the output is the
labels that appear once, in alphabetical order, after the ``...`` axes. Being built of
differentiable ops, it is differentiable, twice as well.
"""

from __future__ import annotations

import math
import string
from typing import TYPE_CHECKING, Any

from .._errors import ArgumentError, ArgumentTypeError, ShapeError
from ..autodiff import describe
from ..autodiff.internal import is_tensor
from . import linalg
from ._matmul import matmul
from ._reduce import sum as sum_
from ._shape import broadcast_to, permute_dims, reshape

if TYPE_CHECKING:
    from ..tensor import Tensor

_LETTERS = frozenset(string.ascii_letters)


def _parse(equation: str, ndims: list[int]) -> tuple[list[list[str]], list[str]]:
    """Each operand's labels and the output's, with ``...`` spelled out as the labels
    ``0``, ``1``... (digits, which no subscript uses), right-aligned across operands."""
    eq = equation.replace(" ", "")
    lhs, arrow, rhs = eq.partition("->")
    terms = lhs.split(",")
    if len(terms) != len(ndims):
        raise ArgumentError(
            f"einsum: {equation!r} has {len(terms)} operand(s), {len(ndims)} tensor(s) given"
        )
    for t in [*terms, rhs]:
        bad = set(t.replace("...", "")) - _LETTERS
        if bad or t.count("...") > 1:
            raise ArgumentError(
                f"einsum: {equation!r}: subscripts are letters and at most one '...' per term"
            )
    n_ell = 0
    for t, nd in zip(terms, ndims, strict=True):
        named = len(t.replace("...", ""))
        if ("..." in t and named > nd) or ("..." not in t and named != nd):
            raise ShapeError(
                f"einsum: {equation!r}: term {t!r} labels {named} axes of a tensor with {nd}"
            )
        if "..." in t:
            n_ell = max(n_ell, nd - named)
    ell = [str(d) for d in range(n_ell)]
    labels = []
    for t, nd in zip(terms, ndims, strict=True):
        head, _, tail = t.partition("...")
        k = nd - len(head) - len(tail) if "..." in t else 0
        labels.append([*head, *ell[n_ell - k :], *tail])
    if arrow:
        head, dots, tail = rhs.partition("...")
        out = [*head, *(ell if dots else []), *tail]
        seen = {x for ls in labels for x in ls}
        missing = [x for x in out if x not in seen]
        if missing or len(set(out)) != len(out):
            raise ArgumentError(
                f"einsum: {equation!r}: every output label must appear in an operand, once"
            )
    else:
        counts: dict[str, int] = {}
        for ls in labels:
            for x in ls:
                counts[x] = counts.get(x, 0) + 1
        out = [*ell, *sorted(x for x, c in counts.items() if c == 1 and x in _LETTERS)]
    return labels, out


def _diagonals(x: Tensor, labels: list[str]) -> tuple[Tensor, list[str]]:
    """``x`` with each label repeated within it reduced to its diagonal (one axis, last)."""
    while len(set(labels)) != len(labels):
        dup = next(x_ for x_ in labels if labels.count(x_) > 1)
        i, j = [k for k, y in enumerate(labels) if y == dup][:2]
        if x.shape[i] != x.shape[j]:
            raise ShapeError(
                f"einsum: label {dup!r} repeated on axes of sizes {x.shape[i]} and {x.shape[j]}"
            )
        rest = [k for k in range(x.ndim) if k not in (i, j)]
        x = linalg.diagonal(permute_dims(x, (*rest, i, j)))
        labels = [labels[k] for k in rest] + [dup]
    return x, labels


def _sum_out(x: Tensor, labels: list[str], keep: set[str]) -> tuple[Tensor, list[str]]:
    axes = tuple(k for k, y in enumerate(labels) if y not in keep)
    if not axes:
        return x, labels
    return sum_(x, axis=axes), [y for y in labels if y in keep]


def _widen(x: Tensor, labels: list[str], sizes: dict[str, int], which: list[str]) -> Tensor:
    """``x`` with its axes of the labels ``which`` broadcast to their full sizes (a size-1
    axis summed against a longer one)."""
    shape = tuple(sizes[y] if y in which else n for y, n in zip(labels, x.shape, strict=True))
    return x if shape == x.shape else broadcast_to(x, shape)


def _contract(
    a: Tensor, la: list[str], b: Tensor, lb: list[str], keep: set[str]
) -> tuple[Tensor, list[str]]:
    """a and b contracted over their common labels not in ``keep``: one batched matmul."""
    sizes: dict[str, int] = {}
    for x, ls in ((a, la), (b, lb)):
        for y, n in zip(ls, x.shape, strict=True):
            if sizes.get(y, 1) not in (1, n) and n != 1:
                raise ShapeError(
                    f"einsum: label {y!r} has sizes {sizes[y]} and {n} in {describe(a)} and "
                    f"{describe(b)}"
                )
            if n != 1 or y not in sizes:
                sizes[y] = n
    batch = [y for y in la if y in lb and y in keep]
    summed = [y for y in la if y in lb and y not in keep]
    left = [y for y in la if y not in lb]
    right = [y for y in lb if y not in la]
    a, b = _widen(a, la, sizes, summed), _widen(b, lb, sizes, summed)
    a = permute_dims(a, tuple(la.index(y) for y in (*batch, *left, *summed)))
    b = permute_dims(b, tuple(lb.index(y) for y in (*batch, *summed, *right)))
    nb = len(batch)
    m = math.prod(a.shape[nb + k] for k in range(len(left)))  # not -1: size-0 axes
    k_ = math.prod(sizes[y] for y in summed)
    n = math.prod(b.shape[nb + len(summed) + k] for k in range(len(right)))
    out = matmul(reshape(a, (*a.shape[:nb], m, k_)), reshape(b, (*b.shape[:nb], k_, n)))
    shape = (*out.shape[:nb], *a.shape[nb : nb + len(left)], *b.shape[nb + len(summed) :])
    return reshape(out, shape), [*batch, *left, *right]


def einsum(equation: str, *operands: Any) -> Tensor:
    """Einstein summation over ``operands`` by ``equation`` (see the module docstring); the
    operands may also come as one list, as PyTorch allows."""
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    if not isinstance(equation, str):
        raise ArgumentTypeError(
            f"einsum: the equation must be a str, got {type(equation).__name__}"
        )
    if not operands or not all(is_tensor(t) for t in operands):
        raise ArgumentTypeError("einsum: the operands must be one or more Tensors")
    labels, out = _parse(equation, [t.ndim for t in operands])
    ts: list[Tensor] = []
    ls: list[list[str]] = []
    for t, lab in zip(operands, labels, strict=True):
        t, lab = _diagonals(t, list(lab))
        ts.append(t)
        ls.append(lab)

    def needed(after: int) -> set[str]:
        return set(out).union(*ls[after:]) if after < len(ls) else set(out)

    x, lx = _sum_out(ts[0], ls[0], needed(1))
    for i in range(1, len(ts)):
        later = needed(i + 1)
        y, ly = _sum_out(ts[i], ls[i], later | set(lx))
        x, lx = _sum_out(x, lx, later | set(ly))
        x, lx = _contract(x, lx, y, ly, later)
    x, lx = _sum_out(x, lx, set(out))
    return permute_dims(x, tuple(lx.index(y) for y in out)) if lx != out else x


__all__ = ["einsum"]
