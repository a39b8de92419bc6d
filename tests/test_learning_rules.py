"""The perceptron rule and the delta rule: convergence on separable data, failure on XOR."""

from __future__ import annotations

import numpy as np

import xpnet as xn
from xpnet.learning_rules import DeltaRule, Perceptron


def test_perceptron_converges_on_separable_data(backend):
    x, y = xn.datasets.linearly_separable(80, seed=4)
    p = Perceptron(2, backend=backend, device=backend.device)
    mistakes = p.fit(x, y, epochs=200)
    assert mistakes[-1] == 0 and p.accuracy(x, y) == 1.0
    assert p.w.backend is backend


def test_perceptron_updates_only_on_mistakes():
    p = Perceptron(2)
    p.fit(np.array([[1.0, 2.0]]), np.array([1.0]), epochs=1)  # 0 > 0 is False: a missed positive
    assert p.w.tolist() == [1.0, 2.0] and p.b.item() == 1.0
    p.fit(np.array([[1.0, 2.0]]), np.array([1.0]), epochs=1)  # now right: no change
    assert p.w.tolist() == [1.0, 2.0]
    p.fit(np.array([[0.5, 0.5]]), np.array([0.0]), epochs=1)  # missed negative: w -= x
    assert p.w.tolist() == [0.5, 1.5] and p.b.item() == 0.0


def test_both_rules_fail_on_xor(backend):
    x, y = xn.datasets.xor()
    p = Perceptron(2, backend=backend, device=backend.device)
    assert p.fit(x, y, epochs=50)[-1] > 0 and p.accuracy(x, y) <= 0.75
    d = DeltaRule(2, backend=backend, device=backend.device)
    d.fit(x, y, epochs=200)
    assert d.accuracy(x, y) <= 0.75


def test_delta_rule_is_the_bce_gradient():
    x, y = xn.datasets.linearly_separable(30, seed=2)
    d = DeltaRule(2, lr=0.5)
    losses = d.fit(x, y, epochs=60)
    assert losses[-1] < losses[0] and d.accuracy(x, y) == 1.0
    # One delta-rule step equals one gradient step on the sample's binary cross-entropy.
    xi, yi = xn.tensor(x[0]), float(y[0])
    w, b = d.w.detach(), d.b.detach()
    gw, gb = xn.grad(
        lambda w, b: xn.nn.functional.binary_cross_entropy(xn.sigmoid(xi @ w + b), xn.tensor(yi)),
        argnums=(0, 1),
    )(w, b)
    delta = xn.sigmoid(xi @ w + b) - yi
    xn.testing.assert_close(gw, xi * delta)
    xn.testing.assert_close(gb, delta)
