"""Train a two-layer network on two interleaved half-moons with plain xpnet ops.

Minibatch gradient descent on binary cross-entropy, written out by hand: the
forward pass, ``loss.backward()``, and the update ``w -= lr * w.grad``.

    python examples/quickstart.py --backend numpy
    python examples/quickstart.py --backend array_api_strict --device device1
"""

from __future__ import annotations

import argparse
import math

import numpy as np

import xpnet as xn


def two_moons(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    t = rng.uniform(0, math.pi, n)
    upper = rng.random(n) < 0.5
    x = np.where(upper, np.cos(t), 1 - np.cos(t))
    y = np.where(upper, np.sin(t), 0.5 - np.sin(t))
    pts = np.stack([x, y], axis=1) + rng.normal(0, noise, (n, 2))
    return pts.astype(np.float32), (~upper).astype(np.float32)


def main() -> float:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backend", default=None, help="numpy, torch, cupy, jax, array_api_strict")
    parser.add_argument("--device", default=None)
    parser.add_argument("--epochs", type=int, default=300)
    args = parser.parse_args()

    xn.set_backend(args.backend or xn.get_backend().name, args.device)
    rng = np.random.default_rng(0)
    x_train, y_train = two_moons(512, 0.1, rng)
    x_test, y_test = two_moons(256, 0.1, rng)
    X, Y = xn.tensor(x_train), xn.tensor(y_train)

    g = xn.Generator(0, host=True)  # the same initial weights on every backend
    W1 = xn.tensor(g.normal((2, 16), std=1.0), requires_grad=True)
    b1 = xn.zeros(16, requires_grad=True)
    w2 = xn.tensor(g.normal((16,), std=0.25), requires_grad=True)
    b2 = xn.zeros((), requires_grad=True)
    params = [W1, b1, w2, b2]

    def predict(x: xn.Tensor) -> xn.Tensor:
        return xn.sigmoid(xn.tanh(x @ W1 + b1) @ w2 + b2)

    lr, batch = 0.5, 64
    for epoch in range(args.epochs):
        order = rng.permutation(len(x_train))
        for start in range(0, len(order), batch):
            idx = xn.tensor(order[start : start + batch], backend=X.backend)
            xb, yb = xn.take(X, idx, axis=0), xn.take(Y, idx)
            y_hat = xn.clip(predict(xb), 1e-7, 1 - 1e-7)
            loss = -(yb * xn.log(y_hat) + (1.0 - yb) * xn.log(1.0 - y_hat)).mean()
            loss.backward()
            with xn.no_grad():
                for p in params:
                    p -= lr * p.grad  # in place: the parameter stays the same leaf
                    p.grad = None
        if epoch % 100 == 0 or epoch == args.epochs - 1:
            print(f"epoch {epoch:4d}  loss {loss.item():.4f}")

    with xn.no_grad():
        accuracy = (
            ((predict(xn.tensor(x_test)) > 0.5) == (xn.tensor(y_test) > 0.5))
            .astype("float32")
            .mean()
        )
    print(f"test accuracy {accuracy.item():.3f} on backend {X.backend}")
    return float(accuracy.item())


if __name__ == "__main__":
    main()
