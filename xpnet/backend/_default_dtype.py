"""The default floating dtype (PyTorch's ``set_default_dtype``): float32 unless changed."""

from __future__ import annotations

from .._errors import DTypeError

_state = {"float": "float32", "complex": "complex64"}


def default_float_name() -> str:
    return _state["float"]


def default_complex_name() -> str:
    return _state["complex"]


def set_default_float(name: str) -> None:
    """Make ``name`` ("float32" or "float64") the dtype of new floating tensors, of
    Python float data and of integer tensors promoted by a float scalar."""
    if name not in ("float32", "float64"):
        raise DTypeError(f"set_default_dtype: float32 or float64, got {name}")
    _state["float"] = name
    _state["complex"] = "complex64" if name == "float32" else "complex128"
