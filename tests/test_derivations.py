"""The classic backprop derivations, checked against xpnet's gradients on every backend.

- sigmoid'(z) = sigma(z) (1 - sigma(z))
- one sigmoid unit with binary cross-entropy: dL/dw = (y_hat - y) x, dL/db = y_hat - y
- two-layer sigmoid network with BCE: delta2 = y_hat - y, delta1 = delta2 * w2 * z (1 - z)
- the chain rule with Jacobians: f(x) = [x1 - 2 x2 + x3 / 4], g(x) = [x1 + 2 x2, x2, -x1 + 3],
  d(f o g)/dx = J_f(g(x)) J_g(x) = [3/4, 0]
"""

from __future__ import annotations

import numpy as np

import xpnet as xn


def _t(data, backend, **kw):
    return xn.tensor(data, backend=backend, device=backend.device, dtype="float32", **kw)


def _bce(y_hat, y):
    return -(y * xn.log(y_hat) + (1.0 - y) * xn.log(1.0 - y_hat))


def test_sigmoid_derivative(backend):
    z = _t(np.linspace(-6, 6, 13), backend)
    s = xn.sigmoid(z)
    d = xn.grad(lambda z: xn.sigmoid(z).sum())(z)
    xn.testing.assert_close(d, s * (1.0 - s))


def test_single_sigmoid_unit_with_bce(backend):
    x = _t([0.5, -1.0, 2.0], backend)
    y = 1.0
    w = _t([0.1, 0.2, -0.3], backend)
    b = _t(0.05, backend)
    loss = lambda w, b: _bce(xn.sigmoid(x @ w + b), y)
    dw, db = xn.grad(loss, argnums=(0, 1))(w, b)
    y_hat = xn.sigmoid(x @ w + b)
    xn.testing.assert_close(dw, (y_hat - y) * x)
    xn.testing.assert_close(db, y_hat - y)


def test_two_layer_sigmoid_bce_deltas(backend):
    # x -> z = sigmoid(W1 x + b1) -> y_hat = sigmoid(w2 . z + b2), binary cross-entropy.
    x = _t([1.0, -0.5], backend)
    y = 0.0
    W1 = _t([[0.2, -0.4], [0.7, 0.1], [-0.3, 0.5]], backend)
    b1 = _t([0.0, 0.1, -0.1], backend)
    w2 = _t([0.6, -0.2, 0.3], backend)
    b2 = _t(0.05, backend)

    def loss(W1, b1, w2, b2):
        z = xn.sigmoid(W1 @ x + b1)
        return _bce(xn.sigmoid(w2 @ z + b2), y)

    gW1, gb1, gw2, gb2 = xn.grad(loss, argnums=(0, 1, 2, 3))(W1, b1, w2, b2)
    z = xn.sigmoid(W1 @ x + b1)
    y_hat = xn.sigmoid(w2 @ z + b2)
    delta2 = y_hat - y
    delta1 = delta2 * w2 * z * (1.0 - z)
    xn.testing.assert_close(gb2, delta2)
    xn.testing.assert_close(gw2, delta2 * z)
    xn.testing.assert_close(gb1, delta1)
    xn.testing.assert_close(gW1, xn.expand_dims(delta1, axis=1) * xn.expand_dims(x, axis=0))


def _f(v):
    return xn.stack([v[0] - 2.0 * v[1] + v[2] / 4.0])


def _g(x):
    return xn.stack([x[0] + 2.0 * x[1], x[1], -x[0] + 3.0])


def test_jacobian_chain_rule(backend):
    x = _t([0.7, -1.3], backend)
    Jg = xn.jacobian(_g)(x)
    Jf = xn.jacobian(_f)(_g(x))
    xn.testing.assert_close(Jg, _t([[1.0, 2.0], [0.0, 1.0], [-1.0, 0.0]], backend))
    xn.testing.assert_close(Jf, _t([[1.0, -2.0, 0.25]], backend))
    xn.testing.assert_close(Jf @ Jg, _t([[0.75, 0.0]], backend))
    xn.testing.assert_close(xn.jacobian(lambda x: _f(_g(x)))(x), _t([[0.75, 0.0]], backend))
