"""``torch.nn.parameter``'s spelling: ``from xpnet.nn.parameter import Parameter``."""

from ._parameter import Parameter as Parameter

__all__ = ["Parameter"]
