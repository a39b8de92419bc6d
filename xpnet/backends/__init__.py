"""PyTorch's ``torch.backends`` questions and switches, answered for xpnet.

Training scripts ask ``torch.backends.mps.is_available()`` to pick a device and set
``torch.backends.cudnn.benchmark = True`` or ``torch.backends.cuda.matmul.allow_tf32``
(``import torch.backends.cudnn as cudnn`` works too). xpnet has no MPS backend and does
not call cuDNN, so the questions answer False and the switches are plain module
attributes: they are kept as set and change nothing (xpnet's GPU backend is CuPy:
``xn.cuda.is_available()``)."""

from . import cuda as cuda
from . import cudnn as cudnn
from . import mps as mps

__all__ = ["cuda", "cudnn", "mps"]
