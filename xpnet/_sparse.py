"""Sparse COO tensors: PyTorch's ``sparse_coo`` layout, for graph networks and other products
with mostly-zero matrices.

A ``SparseTensor`` holds ``indices`` (an integer tensor of shape (ndim, nnz)), ``values``
(a tensor of nnz elements) and a shape. Everything it does is built from xpnet's ops on
those two tensors, so it runs on every backend and gradients flow through ``values`` and
through the dense operand of a product: ``A @ X`` is the rows of ``X`` that ``A``'s column
indices name, times ``A``'s values, summed into ``A``'s rows (gather and scatter-add), never
a dense copy of ``A``. A sparse tensor that requires grad (its values do) gets a sparse
``.grad`` with its own indices: the derivative with respect to its stored values.
"""

from __future__ import annotations

import builtins
import math
from typing import TYPE_CHECKING, Any

from . import ops
from ._errors import ArgumentError, ArgumentTypeError, DeviceError, NotSupportedError, ShapeError
from .autodiff import describe
from .autodiff.internal import is_tensor
from .ops.internal import check_indices, scatter_reduce_p

if TYPE_CHECKING:
    from .tensor import Tensor

__all__ = ["SparseTensor", "mm", "sparse_coo_tensor", "spmm", "sum", "to_sparse"]


class SparseTensor:
    """A sparse tensor in coordinate (COO) form; see the module docstring."""

    __module__ = "xpnet.sparse"  # its public home: the name a checkpoint records
    is_sparse = True  # (no __slots__: xn.save keeps a sparse tensor as an object)
    layout = "sparse_coo"

    def __init__(
        self, indices: Tensor, values: Tensor, shape: tuple[int, ...], coalesced: bool = False
    ) -> None:
        self._indices_t = indices
        self._values_t = values
        self._shape = tuple(int(n) for n in shape)
        self._coalesced = coalesced

    # -- what it is -------------------------------------------------------------------
    @property
    def shape(self) -> tuple[int, ...]:
        return self._shape

    def size(self, dim: int | None = None) -> Any:
        return self._shape if dim is None else self._shape[dim]

    @property
    def ndim(self) -> int:
        return len(self._shape)

    def dim(self) -> int:
        return len(self._shape)

    def __len__(self) -> int:
        return self._shape[0]

    @property
    def dtype(self) -> Any:
        return self._values_t.dtype

    @property
    def backend(self) -> Any:
        return self._values_t.backend

    @property
    def device(self) -> Any:
        return self._values_t.device

    @property
    def requires_grad(self) -> bool:
        return self._values_t.requires_grad

    def requires_grad_(self, requires_grad: bool = True) -> SparseTensor:
        self._values_t.requires_grad_(requires_grad)
        return self

    @property
    def grad(self) -> SparseTensor | None:
        """The gradient at the stored positions (torch.sparse.mm's sparse gradient): each
        position once, its value the derivative with respect to the element there (a
        position stored twice holds one element, so it is not counted twice)."""
        g = self._values_t.grad
        if g is None:
            return None
        if self._coalesced:
            return SparseTensor(self._indices_t, g, self._shape, True)
        indices, inverse, n = self._unique()
        order = ops.arange(int(g.shape[0]), backend=g.backend)
        first = scatter_reduce_p(order, inverse, size=n, reduce="amin")  # each one's first copy
        # every copy's derivative is the same: take the first's
        return SparseTensor(indices, ops.take(g, first, axis=0), self._shape, True)

    def detach(self) -> SparseTensor:
        return SparseTensor(self._indices_t, self._values_t.detach(), self._shape, self._coalesced)

    def _nnz(self) -> int:
        return int(self._values_t.shape[0])

    def _indices(self) -> Tensor:
        return self._indices_t

    def _values(self) -> Tensor:
        return self._values_t

    def indices(self) -> Tensor:
        self._need_coalesced("indices")
        return self._indices_t

    def values(self) -> Tensor:
        self._need_coalesced("values")
        return self._values_t

    def _need_coalesced(self, what: str) -> None:
        if not self._coalesced:
            raise ArgumentError(
                f"{what}() of an uncoalesced sparse tensor (its indices may repeat or be out "
                "of order): call .coalesce() first, or read ._indices() / ._values()"
            )

    def is_coalesced(self) -> bool:
        return self._coalesced

    def __repr__(self) -> str:
        return (
            f"SparseTensor(indices={self._indices_t.tolist()}, values={self._values_t.tolist()},"
            f" size={self._shape}, nnz={self._nnz()}, dtype={self.backend.dtype_name(self.dtype)},"
            f" backend={self.backend.name})"
        )

    # -- conversions ------------------------------------------------------------------
    def _flat_positions(self) -> Tensor:
        """Each stored element's position in the C-order flattening of the dense tensor."""
        idx = self._indices_t
        flat = idx[self.ndim - 1]
        stride = 1
        for d in range(self.ndim - 2, -1, -1):
            stride *= self._shape[d + 1]
            flat = flat + idx[d] * stride
        return flat

    def to_dense(self) -> Tensor:
        """The dense tensor (repeated indices add up); differentiable in the values."""
        size = math.prod(self._shape)
        flat = ops.scatter_add(self._values_t, self._flat_positions(), (size,))
        return ops.reshape(flat, self._shape)

    def to_sparse(self) -> SparseTensor:
        return self

    def _unique(self) -> tuple[Tensor, Tensor, builtins.int]:
        """The stored positions once each in C order (as (ndim, n) indices), the one each
        stored element is, and n."""
        positions, inverse = ops.unique_inverse(self._flat_positions())
        return _unravel(positions, self._shape), inverse, int(positions.shape[0])

    def coalesce(self) -> SparseTensor:
        """The same tensor with each position stored once, in C order (repeats summed)."""
        if self._coalesced:
            return self
        indices, inverse, n = self._unique()
        return SparseTensor(indices, ops.scatter_add(self._values_t, inverse, (n,)), self._shape,
                            True)  # fmt: skip

    def to(self, *args: Any, **kwargs: Any) -> SparseTensor:
        """Moved or cast as ``Tensor.to`` moves or casts its values (the indices follow)."""
        values = self._values_t.to(*args, **kwargs)
        indices = self._indices_t
        if values.backend is not indices.backend:
            indices = ops.to(indices, backend=values.backend)
        return SparseTensor(indices, values, self._shape, self._coalesced)

    def cpu(self) -> SparseTensor:
        return self.to("cpu")

    def type(self, dtype: Any) -> SparseTensor:
        return self._with_values(ops.astype(self._values_t, dtype))

    def float(self) -> SparseTensor:
        return self.type("float32")

    def double(self) -> SparseTensor:
        return self.type("float64")

    def long(self) -> SparseTensor:
        return self.type("int64")

    def int(self) -> SparseTensor:
        return self.type("int32")

    def _with_values(self, values: Tensor) -> SparseTensor:
        return SparseTensor(self._indices_t, values, self._shape, self._coalesced)

    # -- arithmetic -------------------------------------------------------------------
    def t(self) -> SparseTensor:
        """The transpose of a 2-D sparse tensor."""
        if self.ndim != 2:
            raise ShapeError(f"t: a sparse tensor of {self.ndim} dims is not a matrix")
        return self.transpose(0, 1)

    def transpose(self, dim0: builtins.int, dim1: builtins.int) -> SparseTensor:
        order = list(range(self.ndim))
        order[dim0], order[dim1] = order[dim1], order[dim0]
        shape = tuple(self._shape[d] for d in order)
        indices = ops.stack([self._indices_t[d] for d in order])
        return SparseTensor(
            indices, self._values_t, shape, self._coalesced and order == sorted(order)
        )

    @property
    def T(self) -> SparseTensor:
        return self.t()

    def __neg__(self) -> SparseTensor:
        return self._with_values(-self._values_t)

    def __mul__(self, other: Any) -> SparseTensor:
        if not isinstance(other, (int, float)) or isinstance(other, bool):
            raise NotSupportedError(
                f"sparse * {type(other).__name__}: only a number (scale the values); "
                "use .to_dense() for elementwise products"
            )
        return self._with_values(self._values_t * other)

    __rmul__ = __mul__

    def __truediv__(self, other: Any) -> SparseTensor:
        if not isinstance(other, (int, float)) or isinstance(other, bool):
            raise NotSupportedError(f"sparse / {type(other).__name__}: only a number")
        return self._with_values(self._values_t / other)

    def __add__(self, other: Any) -> Any:
        """sparse + sparse (same shape) stays sparse (uncoalesced); sparse + dense is dense."""
        if isinstance(other, SparseTensor):
            if other.shape != self._shape:
                raise ShapeError(f"add: sparse shapes {self._shape} and {other.shape} differ")
            indices = ops.concat([self._indices_t, other._indices_t], axis=1)
            values = ops.concat([self._values_t, other._values_t])
            return SparseTensor(indices, values, self._shape)
        return self.to_dense() + other

    def __radd__(self, other: Any) -> Any:
        return other + self.to_dense()

    def __sub__(self, other: Any) -> Any:
        return self + (-other)

    def __rsub__(self, other: Any) -> Any:
        return other - self.to_dense()

    def __xpnet_dense__(self) -> Tensor:
        """What a dense operation sees of this tensor (``dense + sparse``: dense)."""
        return self.to_dense()

    def __matmul__(self, other: Any) -> Any:
        return mm(self, other)

    def __rmatmul__(self, other: Any) -> Any:
        return mm(other, self)

    mm = matmul = __matmul__
    __xpnet_rmatmul__ = __rmatmul__  # what xpnet's matmul calls for ``dense @ sparse``

    def sum(self, dim: Any = None) -> Any:
        return sum(self, dim)


def _unravel(flat: Tensor, shape: tuple[int, ...]) -> Tensor:
    """(ndim, n) indices of C-order flat positions."""
    rows = []
    rest = flat
    for n in reversed(shape):
        rows.append(rest % n)
        rest = rest // n
    return ops.stack(rows[::-1])


def _spmm(a: SparseTensor, b: Tensor) -> Tensor:
    """A (n, m) sparse times a dense (m, k) or (m,): the rows of b at A's column indices
    scaled by A's values, added into A's rows."""
    if a.ndim != 2:
        raise ShapeError(f"mm: a sparse operand of {a.ndim} dims; only matrices multiply")
    if b.ndim not in (1, 2) or b.shape[0] != a.shape[1]:
        raise ShapeError(f"mm: sparse {a.shape} and {describe(b)} do not align")
    if a.backend is not b.backend:
        raise DeviceError(
            f"mm: the sparse operand is on {a.backend.name}:{a.backend.device_str}, the dense "
            f"operand {describe(b)}; move one (.to)"
        )
    if a.dtype != b.dtype:
        raise ArgumentTypeError(
            f"mm: the sparse operand's values are {a.backend.dtype_name(a.dtype)}, the dense "
            f"operand {describe(b)}; cast one (as PyTorch, no promotion)"
        )
    rows, cols = a._indices_t[0], a._indices_t[1]
    picked = ops.take(b, cols, axis=0)
    scale = a._values_t if b.ndim == 1 else ops.expand_dims(a._values_t, axis=1)
    return ops.scatter_add(picked * scale, rows, (a.shape[0], *b.shape[1:]), axis=0)


def mm(a: Any, b: Any) -> Any:
    """The product of two matrices, either or both sparse (PyTorch's ``torch.sparse.mm`` and
    ``mm`` of sparse operands): sparse @ dense and dense @ sparse are dense, sparse @ sparse
    is sparse."""
    if isinstance(a, SparseTensor) and isinstance(b, SparseTensor):
        return to_sparse(_spmm(a, b.to_dense()))
    if isinstance(a, SparseTensor):
        return _spmm(a, _dense(b, "mm"))
    if isinstance(b, SparseTensor):
        a = _dense(a, "mm")
        if a.ndim not in (1, 2):
            raise ShapeError(f"mm: {describe(a)} @ a sparse matrix needs a 1-D or 2-D operand")
        if a.ndim == 1:
            return _spmm(b.t(), a)
        return ops.matrix_transpose(_spmm(b.t(), ops.matrix_transpose(a)))
    return ops.matmul(a, b)


spmm = mm


def _dense(x: Any, op: str) -> Tensor:
    if not is_tensor(x):
        raise ArgumentTypeError(f"{op}: expected a Tensor or SparseTensor, got {type(x).__name__}")
    return x


def sum(x: SparseTensor, dim: Any = None) -> Any:
    """All elements (a 0-d dense tensor), or over ``dim`` (int or tuple): a sparse tensor of
    the remaining dims, each remaining position once (PyTorch's ``torch.sparse.sum``)."""
    if dim is None:
        return ops.sum(x._values_t)
    dims = {d % x.ndim for d in ((dim,) if isinstance(dim, int) else dim)}
    keep = [d for d in range(x.ndim) if d not in dims]
    if not keep:
        return ops.sum(x._values_t)
    shape = tuple(x.shape[d] for d in keep)
    indices = ops.stack([x._indices_t[d] for d in keep])
    return SparseTensor(indices, x._values_t, shape).coalesce()


def to_sparse(x: Tensor, sparse_dim: int | None = None) -> SparseTensor:
    """The nonzero elements of a dense tensor as a coalesced sparse tensor (eager: the
    number of nonzeros is data)."""
    if sparse_dim is not None and sparse_dim != x.ndim:
        raise NotSupportedError("to_sparse: hybrid sparse tensors (sparse_dim < ndim)")
    if x.ndim == 0:
        raise ShapeError("to_sparse: a 0-d tensor has no sparse form")
    where = ops.nonzero(x)
    indices = ops.astype(ops.stack(list(where)), "int64")
    values = x[tuple(where)]
    return SparseTensor(indices, values, tuple(x.shape), True)


def sparse_coo_tensor(
    indices: Any,
    values: Any,
    size: Any = None,
    *,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
    check_invariants: bool | None = None,
    is_coalesced: bool | None = None,
    backend: Any = None,
) -> SparseTensor:
    """PyTorch's ``sparse_coo_tensor``: ``values[k]`` at position ``indices[:, k]`` (the
    indices are checked against ``size``, which defaults to one past the largest index
    along each dim). Repeated indices add up (``coalesce`` sums them)."""
    if not is_tensor(values):
        values = ops.tensor(values, dtype=dtype, backend=backend, device=device)
    elif dtype is not None:
        values = ops.astype(values, dtype)
    if device is not None and is_tensor(values):
        values = values.to(device)
    if not is_tensor(indices):
        indices = ops.tensor(indices, dtype="int64", backend=values.backend)
    elif indices.backend is not values.backend:
        indices = ops.to(indices, backend=values.backend)
    if not values.backend.xp.isdtype(indices.dtype, "integral"):
        raise ArgumentTypeError(
            f"sparse_coo_tensor: indices must be integers, got {describe(indices)}"
        )
    indices = ops.astype(indices, "int64")
    if indices.ndim != 2 or values.ndim != 1 or indices.shape[1] != values.shape[0]:
        raise ShapeError(
            f"sparse_coo_tensor: indices {describe(indices)} must be (ndim, nnz) and values "
            f"{describe(values)} (nnz,) (hybrid tensors with dense value blocks are not supported)"
        )
    nnz = int(values.shape[0])
    if size is None:
        if not nnz:
            raise ShapeError("sparse_coo_tensor: no indices to infer the size from; give size")
        size = tuple(int(v) + 1 for v in ops.max(indices, axis=1).tolist())
    size = tuple(int(n) for n in size)
    if len(size) != indices.shape[0]:
        raise ShapeError(
            f"sparse_coo_tensor: size {size} has {len(size)} dims, indices {indices.shape[0]}"
        )
    for d, n in enumerate(size):
        check_indices(indices[d], n, "sparse_coo_tensor", f"index along dim {d}",
                      f"positions of size {size}", mask=False)  # fmt: skip
    out = SparseTensor(indices, values, size, bool(is_coalesced))
    if requires_grad:
        out.requires_grad_(True)
    return out
