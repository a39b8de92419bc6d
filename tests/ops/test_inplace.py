"""``copy_`` (and through it ``load_state_dict``): which values a tensor takes in place.
Numbers of any real kind are cast to the tensor's dtype; complex values go into complex
tensors only (PyTorch's rule without its silent drop of the imaginary part)."""

from __future__ import annotations

import numpy as np
import pytest

import xpnet as xn
from xpnet import nn


def _complex(backend):
    if "complex64" not in backend.dtypes:
        pytest.skip(f"{backend} has no complex64")


def test_copy_of_complex_values_into_a_complex_tensor(backend):
    _complex(backend)
    t = xn.zeros((2,), dtype="complex64", backend=backend)
    t.copy_(np.array([1 + 2j, -3j], dtype=np.complex128))  # host data, cast to complex64
    np.testing.assert_array_equal(t.numpy(), np.array([1 + 2j, -3j], dtype=np.complex64))
    t.copy_(xn.tensor(np.array([5j, 1.0], dtype=np.complex64), backend=backend))
    np.testing.assert_array_equal(t.numpy(), np.array([5j, 1.0], dtype=np.complex64))
    t.copy_(xn.tensor([1.5, 2.0], backend=backend))  # real into complex: allowed
    assert t.dtype == backend.dtype("complex64") and t.numpy().tolist() == [1.5, 2.0]


def test_copy_of_complex_values_into_a_real_tensor_raises_and_changes_nothing(backend):
    _complex(backend)
    t = xn.ones((2,), backend=backend)
    for value in (
        np.array([1j, 2.0]),
        xn.tensor(np.array([1j, 2.0], np.complex64), backend=backend),
    ):
        with pytest.raises(xn.DTypeError, match="complex needs a complex tensor"):
            t.copy_(value)
    assert t.numpy().tolist() == [1.0, 1.0]


def test_load_state_dict_restores_a_complex_parameter():
    m = nn.Module()
    m.w = nn.Parameter(xn.tensor(np.array([1 + 1j, 2 - 1j], dtype=np.complex64)))
    saved = {"w": np.array([3j, 4.0], dtype=np.complex64)}
    m.load_state_dict(saved)
    np.testing.assert_array_equal(m.w.numpy(), saved["w"])
