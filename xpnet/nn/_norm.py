"""BatchNorm1d, BatchNorm2d, LayerNorm, GroupNorm and InstanceNorm1d/2d."""

from __future__ import annotations

from typing import Any

from .. import ops
from .._errors import ArgumentError, NotSupportedError, ShapeError
from ..autodiff import no_grad
from ..ops import astype
from ..tensor import Tensor
from . import functional as F
from . import init
from ._factory import buffer, empty_parameter
from ._module import Module
from ._parameter import Parameter


class _BatchNorm(Module):
    _dims: tuple[int, ...] = ()

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
        *,
        backend: Any = None,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        self.weight: Parameter | None = None
        self.bias: Parameter | None = None
        if affine:
            self.weight = init.ones_(empty_parameter((num_features,), backend, device, dtype))
            self.bias = empty_parameter((num_features,), backend, device, dtype)
        if track_running_stats:
            self.register_buffer(
                "running_mean", buffer((num_features,), 0.0, backend, device, dtype)
            )
            self.register_buffer(
                "running_var", buffer((num_features,), 1.0, backend, device, dtype)
            )
            self.register_buffer("num_batches_tracked", buffer((), 0, backend, device, "int64"))
        else:
            self.running_mean: Tensor | None = None
            self.running_var: Tensor | None = None

    def reset_running_stats(self) -> None:
        """Running mean 0, running variance 1, no batch counted (PyTorch's)."""
        rm, rv = self.running_mean, self.running_var
        if self.track_running_stats and rm is not None and rv is not None:
            with no_grad():
                rm.zero_()
                rv.fill_(1.0)
                self.num_batches_tracked.zero_()

    def forward(self, x: Tensor) -> Tensor:
        if x.ndim not in self._dims:
            raise ShapeError(
                f"{type(self).__name__}({self.num_features}): expected a {' or '.join(map(str, self._dims))}-D "
                f"input, got shape {x.shape}"
            )
        if x.shape[1] != self.num_features:
            raise ShapeError(
                f"{type(self).__name__}({self.num_features}): input {x.shape} has {x.shape[1]} channels"
            )
        if not self.training and self.track_running_stats:
            return F.batch_norm(
                x, self.running_mean, self.running_var, self.weight, self.bias, False, eps=self.eps
            )
        # Batch statistics; in training, the running ones (when tracked) move towards them.
        tracked = self.track_running_stats
        momentum: Any = self.momentum
        if tracked:
            with no_grad():
                self.num_batches_tracked += 1
                if momentum is None:  # a cumulative average: 1/n, computed on the device
                    momentum = 1.0 / astype(self.num_batches_tracked, x.dtype)
        rm, rv = (self.running_mean, self.running_var) if tracked else (None, None)
        momentum = 0.0 if momentum is None else momentum  # untracked: no running stats to move
        return F.batch_norm(x, rm, rv, self.weight, self.bias, True, momentum, self.eps)

    def extra_repr(self) -> str:
        """PyTorch's."""
        return (
            f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
            f"bias={self.bias is not None}, track_running_stats={self.track_running_stats}"
        )


class BatchNorm1d(_BatchNorm):
    """Batch normalisation of (N, C) or (N, C, L) inputs, with running statistics as buffers."""

    _dims = (2, 3)


class BatchNorm2d(_BatchNorm):
    """Batch normalisation of (N, C, H, W) inputs, with running statistics as buffers."""

    _dims = (4,)


class BatchNorm3d(_BatchNorm):
    """Batch normalisation of (N, C, D, H, W) inputs, with running statistics as buffers."""

    _dims = (5,)


class LayerNorm(Module):
    """Normalisation over the trailing ``normalized_shape`` axes, with a learned scale and shift."""

    def __init__(
        self,
        normalized_shape: Any,
        eps: float = 1e-5,
        elementwise_affine: bool = True,
        *,
        backend: Any = None,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        ns = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
        self.normalized_shape, self.eps = ns, eps
        self.weight: Parameter | None = None
        self.bias: Parameter | None = None
        if elementwise_affine:
            self.weight = init.ones_(empty_parameter(ns, backend, device, dtype))
            self.bias = empty_parameter(ns, backend, device, dtype)

    def forward(self, x: Tensor) -> Tensor:
        return F.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return f"{self.normalized_shape}, eps={self.eps}"


class RMSNorm(Module):
    """Root-mean-square normalisation over the trailing ``normalized_shape`` axes with a
    learned scale (``F.rms_norm``; the norm layer of Llama-style transformers)."""

    def __init__(
        self,
        normalized_shape: Any,
        eps: float | None = None,
        elementwise_affine: bool = True,
        *,
        backend: Any = None,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        ns = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
        self.normalized_shape, self.eps = ns, eps
        self.weight: Parameter | None = None
        if elementwise_affine:
            self.weight = init.ones_(empty_parameter(ns, backend, device, dtype))

    def forward(self, x: Tensor) -> Tensor:
        return F.rms_norm(x, self.normalized_shape, self.weight, self.eps)

    def extra_repr(self) -> str:
        return (
            f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.weight is not None}"
        )


class CosineSimilarity(Module):
    """``F.cosine_similarity(x1, x2, dim, eps)`` as a module."""

    def __init__(self, dim: int = 1, eps: float = 1e-8) -> None:
        super().__init__()
        self.dim, self.eps = dim, eps

    def forward(self, x1: Tensor, x2: Tensor) -> Tensor:
        return F.cosine_similarity(x1, x2, self.dim, self.eps)


class PairwiseDistance(Module):
    """``F.pairwise_distance(x1, x2, p, eps, keepdim)`` as a module."""

    def __init__(self, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> None:
        super().__init__()
        self.norm, self.eps, self.keepdim = p, eps, keepdim

    def forward(self, x1: Tensor, x2: Tensor) -> Tensor:
        return F.pairwise_distance(x1, x2, self.norm, self.eps, self.keepdim)


class GroupNorm(Module):
    """Group normalisation (Wu & He): ``num_channels`` split into ``num_groups`` groups, each
    normalised over its channels and the spatial axes, with a learned per-channel scale and
    shift (``affine``)."""

    def __init__(
        self,
        num_groups: int,
        num_channels: int,
        eps: float = 1e-5,
        affine: bool = True,
        *,
        backend: Any = None,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        if num_groups < 1 or num_channels % num_groups:
            raise ArgumentError(
                f"GroupNorm: {num_channels} channels do not split into {num_groups} groups"
            )
        self.num_groups, self.num_channels, self.eps = num_groups, num_channels, eps
        self.weight: Parameter | None = None
        self.bias: Parameter | None = None
        if affine:
            self.weight = init.ones_(empty_parameter((num_channels,), backend, device, dtype))
            self.bias = empty_parameter((num_channels,), backend, device, dtype)

    def forward(self, x: Tensor) -> Tensor:
        if x.ndim < 2 or x.shape[1] != self.num_channels:
            raise ShapeError(
                f"GroupNorm({self.num_groups}, {self.num_channels}): input of shape {x.shape} "
                f"needs {self.num_channels} channels on axis 1"
            )
        return F.group_norm(x, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return f"{self.num_groups}, {self.num_channels}, eps={self.eps}"


class _InstanceNorm(Module):
    """Instance normalisation: each sample's channels normalised separately over the
    spatial axes, with a learned per-channel scale and shift if ``affine`` (PyTorch's
    default: no). Running statistics (``track_running_stats``) are not supported."""

    _spatial = 2

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float = 0.1,
        affine: bool = False,
        track_running_stats: bool = False,
        *,
        bias: bool = True,
        backend: Any = None,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        if track_running_stats:
            raise NotSupportedError(
                f"{type(self).__name__}: track_running_stats=True is not supported"
            )
        self.num_features, self.eps, self.momentum, self.affine = (
            num_features,
            eps,
            momentum,
            affine,
        )
        self.weight: Parameter | None = None
        self.bias: Parameter | None = None
        if affine:
            self.weight = init.ones_(empty_parameter((num_features,), backend, device, dtype))
            if bias:
                self.bias = empty_parameter((num_features,), backend, device, dtype)

    def forward(self, x: Tensor) -> Tensor:
        n = self._spatial
        unbatched = x.ndim == n + 1
        if x.ndim not in (n + 1, n + 2) or x.shape[-n - 1] != self.num_features:
            raise ShapeError(
                f"{type(self).__name__}({self.num_features}): input of shape {x.shape}; expected "
                f"(N, {self.num_features}, {n} spatial axes) or unbatched"
            )
        out = F.instance_norm(
            ops.expand_dims(x, axis=0) if unbatched else x,
            weight=self.weight,
            bias=self.bias,
            eps=self.eps,
        )
        return ops.squeeze(out, axis=0) if unbatched else out

    def extra_repr(self) -> str:
        return (
            f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
            f"bias={self.bias is not None}, track_running_stats=False"
        )


class InstanceNorm1d(_InstanceNorm):
    _spatial = 1


class InstanceNorm2d(_InstanceNorm):
    _spatial = 2


class LocalResponseNorm(Module):
    """AlexNet's normalisation across neighbouring channels (``F.local_response_norm``)."""

    def __init__(self, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0) -> None:
        super().__init__()
        self.size, self.alpha, self.beta, self.k = size, alpha, beta, k

    def forward(self, x: Tensor) -> Tensor:
        return F.local_response_norm(x, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self) -> str:
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"
