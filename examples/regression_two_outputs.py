"""Regression with two outputs: a sigmoid hidden layer, a linear output layer, squared L2 loss.

h = sigmoid(X W1^T + b1),  y_hat = h W2^T + b2,  L = 1/N sum_n ||y_hat_n - y_n||^2
delta_out = 2 (y_hat - y) / N            (linear output: no activation derivative)
delta_hid = (delta_out W2) * h (1 - h)
dW2 = delta_out^T h, db2 = sum delta_out, dW1 = delta_hid^T X, db1 = sum delta_hid

python examples/regression_two_outputs.py --backend numpy
"""

from __future__ import annotations

import argparse

import numpy as np

import xpnet as xn


def targets(x: np.ndarray) -> np.ndarray:
    """Two smooth functions of two inputs."""
    return np.stack([np.sin(2 * x[:, 0]) + 0.5 * x[:, 1], x[:, 0] * x[:, 1]], axis=1).astype(
        np.float32
    )


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", default="numpy")
    parser.add_argument("--device", default=None)
    parser.add_argument("--hidden", type=int, default=16)
    parser.add_argument("--steps", type=int, default=3000)
    parser.add_argument("--lr", type=float, default=0.1)
    args = parser.parse_args(argv)
    xn.set_backend(args.backend, args.device)

    rng = np.random.default_rng(0)
    x_np = rng.uniform(-1, 1, (256, 2)).astype(np.float32)
    X, Y = xn.tensor(x_np), xn.tensor(targets(x_np))
    g = xn.Generator(1, host=True)
    W1 = xn.tensor(g.normal((args.hidden, 2)), requires_grad=True)
    b1 = xn.zeros(args.hidden, requires_grad=True)
    W2 = xn.tensor(g.normal((2, args.hidden), std=0.3), requires_grad=True)
    b2 = xn.zeros(2, requires_grad=True)
    params = [W1, b1, W2, b2]
    opt = xn.optim.SGD(params, lr=args.lr, momentum=0.9)  # plain steps with momentum
    baseline = float(((Y - Y.mean(axis=0)) ** 2.0).sum(axis=1).mean().item())
    worst = 0.0
    for step in range(args.steps):
        h = xn.sigmoid(X @ W1.T + b1)
        y_hat = h @ W2.T + b2
        loss = ((y_hat - Y) ** 2.0).sum(axis=1).mean()
        loss.backward()
        if step % 500 == 0:
            with xn.no_grad():
                d_out = (y_hat - Y) * (2.0 / X.shape[0])
                d_hid = (d_out @ W2) * h * (1.0 - h)
                closed = [d_hid.T @ X, d_hid.sum(axis=0), d_out.T @ h, d_out.sum(axis=0)]
            gap = max(
                float(np.abs(p.grad.numpy() - c.numpy()).max())
                for p, c in zip(params, closed, strict=True)
            )
            worst = max(worst, gap)
            print(f"step {step:5d}  loss {loss.item():.5f}  max |autodiff - closed form| {gap:.1e}")
        opt.step()
        opt.zero_grad()
    print(f"final loss {loss.item():.5f} (predicting the mean gives {baseline:.5f})")
    return {"loss": float(loss.item()), "baseline": baseline, "max_gradient_gap": worst}


if __name__ == "__main__":
    main()
