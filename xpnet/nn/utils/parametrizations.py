"""Ready-made parametrizations (PyTorch's ``torch.nn.utils.parametrizations``):
``weight_norm`` (Salimans and Kingma: w = g v / ||v||) and ``spectral_norm`` (Miyato et
al.: w / sigma(w), sigma estimated by power iteration)."""

from __future__ import annotations

from ... import ops
from ..._errors import ArgumentError
from ...autodiff import no_grad
from ...ops import linalg
from ...tensor import Tensor
from .._module import Module
from .parametrize import register_parametrization


def norm_except_dim(v: Tensor, dim: int | None) -> Tensor:
    """The 2-norm of ``v`` over every axis but ``dim`` (all of them for None), keeping
    those axes as size 1 (the shape of weight norm's ``g``)."""
    if dim is None or v.ndim == 0:
        return linalg.vector_norm(v)
    d = dim % v.ndim
    axes = tuple(i for i in range(v.ndim) if i != d)
    return linalg.vector_norm(v, axis=axes, keepdims=True)


class _WeightNorm(Module):
    def __init__(self, dim: int | None = 0) -> None:
        super().__init__()
        self.dim = -1 if dim is None else dim  # PyTorch's encoding of "all axes"

    def _axis(self) -> int | None:
        return None if self.dim == -1 else self.dim

    def forward(self, weight_g: Tensor, weight_v: Tensor) -> Tensor:
        return weight_v * (weight_g / norm_except_dim(weight_v, self._axis()))

    def right_inverse(self, weight: Tensor) -> tuple[Tensor, Tensor]:
        return norm_except_dim(weight, self._axis()), weight


def weight_norm(module: Module, name: str = "weight", dim: int | None = 0) -> Module:
    """Reparametrise ``module.<name>`` as ``g * v / ||v||`` (norm over every axis but
    ``dim``): ``parametrizations.<name>.original0`` is g, ``original1`` is v."""
    return register_parametrization(module, name, _WeightNorm(dim))


class _SpectralNorm(Module):
    def __init__(self, weight: Tensor, n_power_iterations: int = 1, dim: int = 0,
                 eps: float = 1e-12) -> None:  # fmt: skip
        super().__init__()
        if n_power_iterations <= 0:
            raise ArgumentError(
                f"spectral_norm: n_power_iterations must be positive, got {n_power_iterations}"
            )
        self.dim = dim % weight.ndim if weight.ndim > 1 else 0
        self.eps, self.n_power_iterations = eps, n_power_iterations
        if weight.ndim > 1:
            mat = self._matrix(weight)
            h, w = mat.shape
            dt, b = weight.backend.dtype_name(weight.dtype), weight.backend
            self.register_buffer("_u", self._normalize(ops.randn(h, dtype=dt, backend=b)))
            self.register_buffer("_v", self._normalize(ops.randn(w, dtype=dt, backend=b)))
            self._power_method(mat, 15)

    def _normalize(self, x: Tensor) -> Tensor:
        return x / ops.clip(linalg.vector_norm(x), self.eps, None)

    def _matrix(self, weight: Tensor) -> Tensor:
        if self.dim != 0:
            order = (self.dim, *(i for i in range(weight.ndim) if i != self.dim))
            weight = ops.permute_dims(weight, order)
        return ops.reshape(weight, (weight.shape[0], -1))

    def _power_method(self, mat: Tensor, n: int) -> None:
        with no_grad():
            u: Tensor = self._buffers["_u"]  # type: ignore[assignment]
            v: Tensor = self._buffers["_v"]  # type: ignore[assignment]
            for _ in range(n):
                u = self._normalize(ops.matmul(mat, v))
                v = self._normalize(ops.matmul(u, mat))
            self._u, self._v = u, v

    def forward(self, weight: Tensor) -> Tensor:
        if weight.ndim == 1:
            return weight / ops.clip(linalg.vector_norm(weight), self.eps, None)
        mat = self._matrix(weight)
        if self.training:
            self._power_method(mat.detach(), self.n_power_iterations)
        u, v = self._u.clone(), self._v.clone()  # the values of this call (buffers move on)
        sigma = ops.vecdot(u, ops.matmul(mat, v))
        return weight / sigma

    def right_inverse(self, value: Tensor) -> Tensor:
        return value


def spectral_norm(module: Module, name: str = "weight", n_power_iterations: int = 1,
                  eps: float = 1e-12, dim: int | None = None) -> Module:  # fmt: skip
    """Divide ``module.<name>`` by its largest singular value, estimated by
    ``n_power_iterations`` steps of power iteration per training forward (the vectors are
    buffers, kept between steps); ``dim`` is the output axis (1 for transposed
    convolutions, 0 otherwise)."""
    weight = getattr(module, name)
    if dim is None:
        dim = 1 if type(module).__name__.startswith("ConvTranspose") else 0
    return register_parametrization(
        module, name, _SpectralNorm(weight, n_power_iterations, dim, eps)
    )


__all__ = ["spectral_norm", "weight_norm"]
