"""PyTorch's ``torch.backends`` questions and switches, answered for xpnet.

Training scripts ask ``torch.backends.mps.is_available()`` to pick a device and set
``torch.backends.cudnn.benchmark = True`` or ``torch.backends.cuda.matmul.allow_tf32``.
xpnet has no MPS backend and does not call cuDNN, so the questions answer False and the
switches are plain attributes: they are kept as set and change nothing (xpnet's GPU
backend is CuPy: ``xn.cuda.is_available()``)."""

from __future__ import annotations


class _Mps:
    """Apple's Metal backend: not one of xpnet's."""

    @staticmethod
    def is_available() -> bool:
        return False

    @staticmethod
    def is_built() -> bool:
        return False


class _Cudnn:
    """cuDNN's switches: kept as set; xpnet's convolutions do not call cuDNN."""

    enabled = True
    benchmark = False
    deterministic = False
    allow_tf32 = True

    @staticmethod
    def is_available() -> bool:
        return False


class _Matmul:
    allow_tf32 = False
    allow_fp16_reduced_precision_reduction = True
    allow_bf16_reduced_precision_reduction = True


class _Cuda:
    """``torch.backends.cuda``: its matmul switches are kept as set."""

    matmul = _Matmul()

    @staticmethod
    def is_built() -> bool:
        return False


mps = _Mps()
cudnn = _Cudnn()
cuda = _Cuda()

__all__ = ["cuda", "cudnn", "mps"]
