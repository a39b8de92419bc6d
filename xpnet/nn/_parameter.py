"""Parameter: a leaf Tensor that a Module registers and an optimizer updates."""

from __future__ import annotations

from typing import Any

from ..autodiff.internal import cell
from ..ops import tensor
from ..tensor import Tensor


class Parameter(Tensor):
    """A Tensor that requires grad by default and is registered by ``Module.__setattr__``.

    ``Parameter(t)`` shares ``t``'s array (no copy); other data goes through ``xn.tensor``.
    """

    __slots__ = ()

    def __init__(self, data: Any, requires_grad: bool = True, **kwargs: Any) -> None:
        if not isinstance(data, Tensor):
            data = tensor(data, **kwargs)
        self._data, self.backend = data._data, data.backend
        self._grad, self._node, self._rg = None, None, False
        self._vc = cell(data)  # the same memory: share the version cell
        self.requires_grad_(requires_grad)

    def __repr__(self) -> str:
        return "Parameter(" + super().__repr__()[len("Tensor(") :]
