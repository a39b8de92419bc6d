"""PyTorch's ``torch.utils`` spellings: ``xn.utils.data`` (the objects of ``xn.data``) and
``xn.utils.checkpoint`` (gradient checkpointing)."""

from . import checkpoint as checkpoint
from . import data as data

__all__ = ["checkpoint", "data"]
