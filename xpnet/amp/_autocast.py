"""``xn.autocast``: matrix products in float16 or bfloat16, the numerically delicate rest in float32.

Inside ``with xn.autocast("float16"):`` (PyTorch's autocast op lists are the model):

- ``matmul``, ``linear`` and ``conv2d`` cast their floating inputs to the low
  dtype and compute there (that is where tensor cores and memory bandwidth pay);
- softmax, log_softmax, logsumexp, the losses, layer and batch normalisation and
  the reductions (sum, mean, var, std) cast low-precision inputs up to float32;
- everything else runs in the dtype its inputs promote to.

Parameters stay float32 ("master weights"): the casts are ordinary differentiable
operations, so gradients arrive in float32. Scale float16 losses with
``xn.amp.GradScaler`` so small gradients do not underflow. The dtype must exist on
the backend: float16 on NumPy, CuPy, torch and JAX (not on array-api-strict: the
standard has no float16), bfloat16 on torch and JAX. NumPy has no bfloat16;
the ``ml_dtypes`` package adds the type, but its matrix product and its arithmetic
with Python numbers return float32 (ml_dtypes 0.6), so low precision would silently
not happen: entering the context raises instead. NumPy's float16 itself is computed in
software: xpnet runs the matrix products in float32, but the casts and elementwise work
stay slow (a small conv net step: 84 ms in float16 vs 16 ms in float32), so the first
float16 cast on NumPy warns once (``xn.PerformanceWarning``).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from .._autocast_state import LOW
from .._errors import DTypeError
from ..backend import get_backend
from ..ops.internal import check_low_dtype

_NAMES = {"float16": "float16", "half": "float16", "bfloat16": "bfloat16"}
# PyTorch's device types and the low dtype autocast picks for each when none is given
_DEVICE_TYPES = {"cuda": "float16", "cpu": "bfloat16", "mps": "float16", "xpu": "bfloat16"}


@contextlib.contextmanager
def autocast(
    dtype: Any = None,
    enabled: bool = True,
    *,
    backend: Any = None,
    device_type: str | None = None,
    cache_enabled: bool | None = None,
) -> Iterator[None]:
    """Run matrix products in ``dtype`` within the block (see the module docstring).

    ``backend`` checks now that it has ``dtype``; without it the check happens at the
    first cast, on the backend of the tensors being cast (so a torch model under
    ``autocast("bfloat16")`` works whatever the global default backend is). PyTorch's
    ``autocast("cuda")`` / ``autocast(device_type="cpu", dtype=...)`` work too: the device
    type only picks the default dtype (float16 for "cuda", bfloat16 for "cpu"), since the
    tensors' own backend decides where they compute.
    """
    if isinstance(dtype, str) and dtype in _DEVICE_TYPES:  # PyTorch's autocast("cuda", ...)
        if device_type is not None:
            raise DTypeError(f"autocast: device type given twice ({dtype!r}, {device_type!r})")
        dtype, device_type = None, dtype
    if device_type is not None and device_type not in _DEVICE_TYPES:
        raise DTypeError(
            f"autocast: device_type must be one of {sorted(_DEVICE_TYPES)}, got {device_type!r}"
        )
    if dtype is None:
        dtype = _DEVICE_TYPES[device_type] if device_type is not None else "float16"
    if not enabled:
        token = LOW.set(None)
    else:
        name = _NAMES.get(str(dtype).rsplit(".", 1)[-1])
        if name is None:
            raise DTypeError(f"autocast: dtype must be 'float16' or 'bfloat16', got {dtype!r}")
        if backend is not None:  # checked now; else at the first op, on that op's backend
            check_low_dtype(get_backend(backend), name)
        token = LOW.set(name)
    try:
        yield
    finally:
        LOW.reset(token)


def is_autocast_enabled() -> bool:
    return LOW.get() is not None
