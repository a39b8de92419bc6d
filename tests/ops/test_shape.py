"""Element access ``x[i]``, ``x[i, j]``, ``x[i] = 3`` (the loops of a tokenizer, a
per-element metric): the short path outside any graph keeps every rule of the general
one (views, version counters, dtypes, errors, recording), on every backend."""

from __future__ import annotations

import numpy as np
import pytest

import xpnet as xn


def test_element_reads_and_writes_match_numpy(backend):
    ref = np.arange(12, dtype=np.int64).reshape(3, 4)
    x = xn.tensor(ref, backend=backend)
    for key in (1, -1, (2, 3), (0, -2)):
        got = x[key]
        assert got.dtype == x.dtype and got.backend is backend and got.device == x.device
        np.testing.assert_array_equal(got.numpy(), ref[key])
    assert x[1, 2].item() == 6
    x[0, 1] = 40
    x[2] = 7  # a whole row, as x[2, ...]
    ref[0, 1], ref[2] = 40, 7
    np.testing.assert_array_equal(x.numpy(), ref)


def test_an_element_written_into_another_dtype_follows_the_general_rules(backend):
    f = xn.zeros(2, backend=backend)
    f[0] = 1  # an int into float32
    assert f.dtype == backend.dtype("float32") and f.numpy().tolist() == [1.0, 0.0]
    b = xn.zeros(2, dtype="bool", backend=backend)
    b[1] = True
    assert b.numpy().tolist() == [False, True]


@pytest.mark.parametrize("key", [3, -4, (0, 4), (Ellipsis, -5), (None, 3), (slice(None), 4)])
def test_an_index_outside_its_axis_is_refused_on_every_backend(backend, key):
    """PyTorch raises; JAX would clamp the index and read or write another element."""
    x = xn.zeros((3, 4), backend=backend)
    with pytest.raises(xn.OutOfRangeError, match="out of range for axis"):
        x[key]
    with pytest.raises(xn.OutOfRangeError, match="out of range for axis"):
        x[key] = 1.0
    w = xn.zeros((3, 4), backend=backend, requires_grad=True) * 1.0  # in a graph
    with pytest.raises(xn.OutOfRangeError, match="out of range for axis"):
        w[key]
    assert not x.numpy().any()


def test_more_indices_than_axes_is_an_error(backend):
    x = xn.zeros(3, backend=backend)
    with pytest.raises((xn.OutOfRangeError, xn.ShapeError, xn.OpError)):
        x[0, 0]


def test_an_element_is_a_view_and_a_write_moves_the_version(backend):
    if not backend.mutable:
        pytest.skip(f"{backend} arrays are immutable")
    x = xn.zeros((2, 3), backend=backend)
    row = x[1]
    before = x._version
    x[1, 2] = 5.0
    assert x._version > before and row._version == x._version  # one version cell
    assert row.numpy().tolist() == [0.0, 0.0, 5.0]  # the view sees the write


def test_a_write_after_a_graph_kept_the_tensor_is_caught_in_backward():
    w = xn.ones(3, requires_grad=True)
    x = xn.tensor([1.0, 2.0, 3.0])
    loss = (w * x).sum()  # the product's rule for w needs x as it was
    x[0] = 10.0
    with pytest.raises(xn.GraphError, match=r"modified in place|changed in place"):
        loss.backward()


def test_element_access_in_a_graph_and_in_a_recording_takes_the_general_path():
    w = xn.tensor([1.0, 2.0, 3.0], requires_grad=True)
    w[1].backward()
    assert w.grad.numpy().tolist() == [0.0, 1.0, 0.0]
    state = xn.zeros(3)

    @xn.compile
    def bump(v):
        state[0] = 1.0  # a write the recording must replay
        return v[2] * 2.0

    for _ in range(3):
        state[0] = 0.0
        assert bump(xn.tensor([1.0, 2.0, 3.0])).item() == 6.0
        assert state.numpy().tolist() == [1.0, 0.0, 0.0]
    assert bump.replays >= 1


def test_a_bool_scalar_key_adds_an_axis_as_numpy():
    """``x[True]`` is a new axis (NumPy's), not an index: also on a 0-d tensor, which an
    integer index refuses."""
    for shape, key in [((), True), ((3,), True), ((2, 3), (1, True)), ((2,), (False,))]:
        want = np.ones(shape)[key]
        got = xn.ones(shape)[key]
        assert tuple(got.shape) == want.shape, (shape, key)
    with pytest.raises(xn.OutOfRangeError, match=r"1 indices for a tensor of 0 dimension"):
        xn.ones(())[0]
