"""PyTorch's ``torch.utils`` spellings: ``xn.utils.data`` (the objects of ``xn.data``),
``xn.utils.checkpoint`` (gradient checkpointing) and ``xn.utils.benchmark`` (``Timer``)."""

from . import benchmark as benchmark
from . import checkpoint as checkpoint
from . import data as data

__all__ = ["benchmark", "checkpoint", "data"]
