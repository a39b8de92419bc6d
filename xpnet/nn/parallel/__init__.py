"""Data-parallel model wrappers (``xn.nn.parallel``)."""

from ._ddp import DistributedDataParallel as DistributedDataParallel

__all__ = [
    "DistributedDataParallel",
]
