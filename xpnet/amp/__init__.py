"""Mixed precision (``xn.amp``): ``autocast`` and ``GradScaler``, as in PyTorch's ``torch.amp``."""

from ._autocast import autocast as autocast
from ._autocast import is_autocast_enabled as is_autocast_enabled
from ._scaler import GradScaler as GradScaler

__all__ = [
    "autocast",
    "is_autocast_enabled",
    "GradScaler",
]
