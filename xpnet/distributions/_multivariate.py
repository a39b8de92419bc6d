"""The multivariate normal distribution, through the Cholesky factor of its covariance."""

from __future__ import annotations

import math
from typing import Any

from .. import ops
from .._errors import ArgumentError
from ..autodiff.internal import is_tensor
from ..ops import linalg
from ..tensor import Tensor
from ._distribution import Distribution


class MultivariateNormal(Distribution):
    """N(loc, covariance) over vectors of ``loc.shape[-1]``, given by exactly one of
    ``covariance_matrix``, ``precision_matrix`` or ``scale_tril`` (a lower-triangular L
    with covariance L Lᵀ); batches of each broadcast together. ``rsample`` is
    ``loc + L eps``."""

    has_rsample = True
    arg_names = ("loc",)

    def __init__(
        self,
        loc: Tensor,
        covariance_matrix: Tensor | None = None,
        precision_matrix: Tensor | None = None,
        scale_tril: Tensor | None = None,
        validate_args: bool | None = None,
    ) -> None:
        given = [m for m in (covariance_matrix, precision_matrix, scale_tril) if m is not None]
        if len(given) != 1:
            raise ArgumentError(
                "MultivariateNormal: give exactly one of covariance_matrix, precision_matrix "
                "or scale_tril"
            )
        if not is_tensor(loc) or loc.ndim < 1:
            raise ArgumentError("MultivariateNormal: loc must be a tensor of at least 1 dimension")
        m = given[0]
        if m.ndim < 2 or m.shape[-1] != m.shape[-2] or m.shape[-1] != loc.shape[-1]:
            raise ArgumentError(
                f"MultivariateNormal: a matrix of shape {m.shape} for loc of shape {loc.shape} "
                "(need (..., k, k) for k = loc.shape[-1])"
            )
        if scale_tril is not None:
            tril = linalg.tril(scale_tril)
        elif covariance_matrix is not None:
            tril = linalg.cholesky(covariance_matrix)
        else:
            assert precision_matrix is not None
            tril = linalg.cholesky(linalg.inv(precision_matrix))
        batch = ops.broadcast_shapes(tuple(loc.shape[:-1]), tuple(tril.shape[:-2]))
        k = loc.shape[-1]
        self.loc = ops.broadcast_to(loc, (*batch, k))
        self._unbroadcasted_scale_tril = tril
        self.scale_tril = ops.broadcast_to(tril, (*batch, k, k))
        super().__init__(batch, (k,), validate_args)

    @property
    def covariance_matrix(self) -> Tensor:
        return ops.matmul(self.scale_tril, ops.matrix_transpose(self.scale_tril))

    @property
    def precision_matrix(self) -> Tensor:
        return linalg.inv(self.covariance_matrix)

    @property
    def mean(self) -> Tensor:
        return self.loc

    @property
    def mode(self) -> Tensor:
        return self.loc

    @property
    def variance(self) -> Tensor:
        return ops.sum(self.scale_tril**2, axis=-1)

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        shape = self.extended_shape(sample_shape)
        eps = ops.randn(*shape, dtype=self.loc.dtype, backend=self.loc.backend)
        return self.loc + ops.matmul(self._unbroadcasted_scale_tril, eps[..., None])[..., 0]

    def _half_log_det(self) -> Tensor:
        return ops.sum(ops.log(linalg.diagonal(self._unbroadcasted_scale_tril)), axis=-1)

    def _mahalanobis(self, diff: Tensor) -> Tensor:
        """|L⁻¹ diff|² for each vector of ``diff``."""
        tril = self._unbroadcasted_scale_tril
        shape = ops.broadcast_shapes(tuple(diff.shape[:-1]), tuple(tril.shape[:-2]))
        k = diff.shape[-1]
        z = linalg.solve(ops.broadcast_to(tril, (*shape, k, k)),
                         ops.broadcast_to(diff, (*shape, k))[..., None])[..., 0]  # fmt: skip
        return ops.sum(z * z, axis=-1)

    def log_prob(self, value: Any) -> Tensor:
        value = self.value_of(value, self.loc)
        k = self._event_shape[0]
        m = self._mahalanobis(value - self.loc)
        return -0.5 * (k * math.log(2 * math.pi) + m) - self._half_log_det()

    def entropy(self) -> Tensor:
        k = self._event_shape[0]
        h = 0.5 * k * (1.0 + math.log(2 * math.pi)) + self._half_log_det()
        return ops.broadcast_to(h, self._batch_shape) if self._batch_shape else h
