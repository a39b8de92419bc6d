"""The engine: accumulation, graph freeing, version checks, grad mode, deep graphs."""

from __future__ import annotations

import threading

import numpy as np
import pytest

import xpnet as xn


def _t(data, backend, **kw):
    return xn.tensor(data, backend=backend, device=backend.device, **kw)


def test_grad_accumulates_across_backward_calls(backend):
    x = _t([1.0, 2.0], backend, requires_grad=True)
    (x * 3.0).sum().backward()
    (x * x).sum().backward()
    xn.testing.assert_close(x.grad, _t([5.0, 7.0], backend))


def test_diamond_graph_sums_both_paths(backend):
    x = _t(2.0, backend, requires_grad=True)
    a = x * x
    y = a * 3.0 + a.exp()  # a feeds two consumers
    y.backward()
    expected = 6.0 * 2.0 + np.exp(4.0) * 2 * 2.0
    assert abs(x.grad.item() - expected) < 1e-3 * expected


def test_backward_twice_through_freed_graph_raises(backend):
    x = _t([1.0, 2.0], backend, requires_grad=True)
    y = (x.exp() * 2.0).sum()
    y.backward()
    with pytest.raises(xn.GraphError, match="second time"):
        y.backward()


def test_retain_graph_allows_a_second_backward(backend):
    x = _t([1.0, 2.0], backend, requires_grad=True)
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    xn.testing.assert_close(x.grad, _t([4.0, 8.0], backend))


def test_non_scalar_backward_needs_a_gradient(backend):
    x = _t([1.0, 2.0], backend, requires_grad=True)
    y = x * 2.0
    with pytest.raises(xn.GraphError, match="non-scalar"):
        y.backward()
    y.backward(_t([1.0, 10.0], backend))
    xn.testing.assert_close(x.grad, _t([2.0, 20.0], backend))


def test_backward_gradient_shape_is_checked(backend):
    x = _t([1.0, 2.0], backend, requires_grad=True)
    with pytest.raises(xn.ShapeError, match=r"\(3,\)"):
        (x * 2.0).backward(_t([1.0, 1.0, 1.0], backend))


def test_backward_without_grad_raises(backend):
    x = _t([1.0, 2.0], backend)
    with pytest.raises(xn.GraphError, match="does not require grad"):
        (x * 2.0).sum().backward()


def test_inplace_change_of_saved_input_is_detected(backend):
    x = _t([1.0, 2.0], backend, requires_grad=True)
    w = _t([3.0, 4.0], backend)
    y = (x * w).sum()
    w[0] = 10.0  # w was saved by multiply for x's gradient
    with pytest.raises(xn.GraphError, match="modified in place"):
        y.backward()


def test_setitem_on_a_leaf_requiring_grad_raises(backend):
    x = _t([1.0, 2.0], backend, requires_grad=True)
    with pytest.raises(xn.GraphError, match="leaf tensor that requires grad"):
        x[0] = 5.0
    with xn.no_grad():
        x[0] = 5.0
    xn.testing.assert_close(x.detach(), _t([5.0, 2.0], backend))


def test_no_grad_records_nothing(backend):
    x = _t([1.0, 2.0], backend, requires_grad=True)
    with xn.no_grad():
        y = x * 2.0
        with xn.enable_grad():
            z = x * 2.0
    assert not y.requires_grad and y.grad_fn is None
    assert z.requires_grad and z.grad_fn is not None


def test_no_grad_as_decorator():
    @xn.no_grad()
    def f(x):
        return x * 2.0

    assert not f(xn.tensor([1.0], requires_grad=True)).requires_grad


def test_grad_mode_is_per_thread():
    seen = {}

    def other():
        seen["enabled"] = xn.is_grad_enabled()

    with xn.no_grad():
        t = threading.Thread(target=other)
        t.start()
        t.join()
    assert seen["enabled"] is True


def test_integer_outputs_do_not_require_grad(backend):
    x = _t([1.5, -2.0], backend, requires_grad=True)
    assert not (x > 0).requires_grad
    assert not x.argmax().requires_grad


def test_integer_tensor_cannot_require_grad(backend):
    with pytest.raises(xn.DTypeError, match="floating-point"):
        _t([1, 2], backend, requires_grad=True)


def test_deep_chain_needs_no_recursion(backend):
    x = _t([0.5], backend, requires_grad=True)
    y = x
    for _ in range(5000):  # far past the interpreter recursion limit
        y = y * 1.0
    y.sum().backward()
    xn.testing.assert_close(x.grad, _t([1.0], backend))


def test_create_graph_gives_differentiable_gradients(backend):
    x = _t([1.0, 2.0], backend, requires_grad=True)
    y = (x**3.0).sum()
    y.backward(create_graph=True)
    g = x.grad
    assert g.requires_grad
    x.grad = None
    g.sum().backward()  # d/dx sum(3x^2) = 6x
    xn.testing.assert_close(x.grad, _t([6.0, 12.0], backend))


def test_grad_cast_to_input_dtype(backend):
    if not backend.float64:
        pytest.skip("this device has no float64 to mix with float32")
    w = _t([1.0, 2.0], backend, requires_grad=True)  # float32
    x = _t([3.0, 4.0], backend, dtype="float64")
    (w * x).sum().backward()  # promotes to float64 in the forward pass
    assert backend.dtype_name(w.grad.dtype) == "float32"
    xn.testing.assert_close(w.grad, _t([3.0, 4.0], backend))


def test_broadcast_gradient_is_unbroadcast(backend):
    b = _t([[1.0], [2.0]], backend, requires_grad=True)  # (2, 1)
    x = _t(np.ones((3, 2, 4)), backend, dtype="float32")
    (x + b).sum().backward()
    xn.testing.assert_close(b.grad, _t([[12.0], [12.0]], backend))


def test_intermediate_tensors_get_no_grad(backend):
    x = _t([1.0], backend, requires_grad=True)
    h = x * 2.0
    (h * h).sum().backward()
    assert h.grad is None and x.grad is not None


def test_max_ties_share_the_gradient(backend):
    x = _t([1.0, 3.0, 3.0, 2.0], backend, requires_grad=True)
    x.max().backward()
    xn.testing.assert_close(x.grad, _t([0.0, 0.5, 0.5, 0.0], backend))


def test_maximum_ties_split_evenly(backend):
    x = _t([1.0, 2.0], backend, requires_grad=True)
    y = _t([1.0, 0.0], backend, requires_grad=True)
    xn.maximum(x, y).sum().backward()
    xn.testing.assert_close(x.grad, _t([0.5, 1.0], backend))
    xn.testing.assert_close(y.grad, _t([0.5, 0.0], backend))


def test_duplicate_indices_accumulate(backend):
    x = _t([1.0, 2.0, 3.0], backend, requires_grad=True)
    idx = _t([0, 2, 2, 2], backend)
    xn.take(x, idx).sum().backward()
    xn.testing.assert_close(x.grad, _t([1.0, 0.0, 3.0], backend))


def test_inplace_update_under_no_grad_keeps_the_leaf(backend):
    p = _t([1.0, 2.0], backend, requires_grad=True)
    (p * p).sum().backward()
    before = p._version
    with xn.no_grad():
        p -= 0.5 * p.grad
        p *= 2.0
    assert p.is_leaf and p.requires_grad and p._version > before
    xn.testing.assert_close(p.detach(), _t([0.0, 0.0], backend))
    assert backend.dtype_name(p.dtype) == "float32"


def test_inplace_on_tensor_requiring_grad_outside_no_grad_raises(backend):
    p = _t([1.0, 2.0], backend, requires_grad=True)
    with pytest.raises(xn.GraphError, match="no_grad"):
        p += 1.0
    assert p.tolist() == [1.0, 2.0]  # nothing changed


def test_inplace_that_would_change_shape_raises(backend):
    x = _t([1.0, 2.0], backend)
    with pytest.raises((xn.GraphError, xn.ShapeError)):
        x += _t([[1.0], [2.0]], backend)
    assert x.shape == (2,)


def test_inplace_change_through_a_view_is_detected(backend):
    # A slice shares memory (and so its version counter) with its base: changing
    # it changes the saved input, and backward must refuse (PyTorch does).
    w = _t([1.0, 2.0, 3.0], backend)
    x = _t([1.0, 1.0, 1.0], backend, requires_grad=True)
    y = (x * w).sum()
    v = w[0:2]
    v += 10.0
    with pytest.raises(xn.GraphError, match=r"modified in place.*through a view"):
        y.backward()


@pytest.mark.parametrize(
    "alias",
    [
        lambda w: w.detach(),
        lambda w: w.reshape(3, 1),
        lambda w: w.T,
        lambda w: xn.expand_dims(w, axis=0),
        lambda w: w[None],
    ],
    ids=["detach", "reshape", "T", "expand_dims", "None-index"],
)
def test_inplace_change_through_any_alias_is_detected(backend, alias):
    w = _t([1.0, 2.0, 3.0], backend)
    x = _t([1.0, 1.0, 1.0], backend, requires_grad=True)
    y = (x * w).sum()
    a = alias(w)
    a *= 2.0
    with pytest.raises(xn.GraphError, match="modified in place"):
        y.backward()


def test_inplace_change_of_a_saved_output_is_detected(backend):
    x = _t([0.5, 1.0], backend, requires_grad=True)
    y = x.exp()  # exp's rule uses its output
    z = y.sum()
    with xn.no_grad():
        y += 1.0
    with pytest.raises(xn.GraphError, match=r"its output.*modified in place"):
        z.backward()


def test_change_of_an_unsaved_input_is_harmless(backend):
    # add's rules use no value: changing an input afterwards cannot spoil them.
    w = _t([1.0, 2.0], backend)
    x = _t([1.0, 1.0], backend, requires_grad=True)
    y = (x + w).sum()
    w += 5.0
    y.backward()
    xn.testing.assert_close(x.grad, _t([1.0, 1.0], backend))


def test_nodes_keep_only_the_values_their_rules_use():
    import gc
    import weakref

    x = xn.tensor([1.0, 2.0], requires_grad=True)
    h = x * 3.0
    kept_by_add, kept_by_mul = weakref.ref(h), None
    y = h + 1.0  # add keeps neither input
    del h
    gc.collect()
    assert kept_by_add() is None
    k = x * 2.0
    kept_by_mul = weakref.ref(k)
    z = k * k  # multiply keeps both
    del k
    gc.collect()
    assert kept_by_mul() is not None
    (y.sum() + z.sum()).backward()
    xn.testing.assert_close(x.grad, xn.tensor([3.0 + 8.0, 3.0 + 16.0]))  # d(4x^2)/dx = 8x


def test_next_functions_walk_the_graph_as_pytorchs():
    """The Neural Networks tutorial's walk: loss.grad_fn.next_functions[0][0]..."""
    w = xn.tensor([[1.0, 2.0]], requires_grad=True)
    x = xn.tensor([3.0, 4.0])
    h = xn.relu(w * x)
    loss = (h.sum() - 1.0) * 2
    node = loss.grad_fn
    assert node.name() == "multiply"
    (sub, _), (const, _) = node.next_functions
    assert const is None and sub.name() == "subtract"
    total = sub.next_functions[0][0]
    assert total.name() == "sum" and total.next_functions[0][0] is h.grad_fn
    (acc, i), (none, _) = h.grad_fn.next_functions[0][0].next_functions
    assert acc.name() == "AccumulateGrad" and acc.variable is w and i == 0 and none is None
    assert acc.next_functions == ()
