"""PyTorch's ``torch.sparse`` names (``xn.sparse``): COO sparse tensors and their products.

``xn.sparse_coo_tensor(indices, values, size)`` and ``x.to_sparse()`` make one; ``A @ X``,
``xn.mm``, ``xn.spmm`` and ``xn.sparse.mm`` multiply without a dense copy of ``A``;
``xn.sparse.sum`` reduces. See ``xpnet/_sparse.py``.
"""

from __future__ import annotations

from ._sparse import SparseTensor as SparseTensor
from ._sparse import mm as mm
from ._sparse import sparse_coo_tensor as sparse_coo_tensor
from ._sparse import spmm as spmm
from ._sparse import sum as sum
from ._sparse import to_sparse as to_sparse

__all__ = ["SparseTensor", "mm", "sparse_coo_tensor", "spmm", "sum", "to_sparse"]
