"""XOR with the 2-2-1 sigmoid network of the classic derivation, trained by gradient descent.

Forward:  h = sigmoid(W1 x + b1),  y_hat = sigmoid(w2 . h + b2),  L = BCE(y_hat, y)
Backward (the deltas, averaged over the 4 samples):
    delta2 = y_hat - y                      dL/dw2 = delta2 h,   dL/db2 = delta2
    delta1 = delta2 * w2 * h (1 - h)        dL/dW1 = delta1 x^T, dL/db1 = delta1
The script prints xpnet's gradients next to these formulas, then trains to 100% accuracy.

    python examples/xor.py --backend numpy
"""

from __future__ import annotations

import argparse

import numpy as np

import xpnet as xn


def hand_gradients(x, y, W1, b1, w2, b2):
    """The hand-derived formulas above, in xpnet ops (no autodiff)."""
    h = xn.sigmoid(x @ W1.T + b1)  # (4, 2)
    y_hat = xn.sigmoid(h @ w2 + b2)  # (4,)
    delta2 = y_hat - y
    delta1 = xn.expand_dims(delta2, axis=1) * w2 * h * (1.0 - h)  # (4, 2)
    n = x.shape[0]
    return {
        "W1": delta1.T @ x / n,
        "b1": delta1.mean(axis=0),
        "w2": xn.expand_dims(delta2, axis=1).T @ h / n,
        "b2": delta2.mean(),
    }


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", default="numpy")
    parser.add_argument("--device", default=None)
    parser.add_argument("--steps", type=int, default=3000)
    parser.add_argument("--lr", type=float, default=2.0)
    args = parser.parse_args(argv)
    xn.set_backend(args.backend, args.device)

    xs, ys = xn.datasets.xor()
    x, y = xn.tensor(xs), xn.tensor(ys)
    g = np.random.default_rng(3)
    params = {
        "W1": xn.tensor(g.normal(0, 1, (2, 2)).astype(np.float32), requires_grad=True),
        "b1": xn.tensor(g.normal(0, 1, 2).astype(np.float32), requires_grad=True),
        "w2": xn.tensor(g.normal(0, 1, 2).astype(np.float32), requires_grad=True),
        "b2": xn.tensor(np.float32(0.0), requires_grad=True),
    }

    def loss_fn(p):
        h = xn.sigmoid(x @ p["W1"].T + p["b1"])
        y_hat = xn.sigmoid(h @ p["w2"] + p["b2"])
        return xn.nn.functional.binary_cross_entropy(y_hat, y), y_hat

    worst = 0.0
    for step in range(args.steps):
        loss, y_hat = loss_fn(params)
        loss.backward()
        if step in (0, args.steps - 1):
            hand = hand_gradients(x, y, *(params[k].detach() for k in ("W1", "b1", "w2", "b2")))
            print(f"step {step}: loss {loss.item():.4f}")
            for k in params:
                auto = params[k].grad.numpy().reshape(-1)
                mine = hand[k].numpy().reshape(-1)
                worst = max(worst, float(np.abs(auto - mine).max()))
                print(
                    f"  dL/d{k:2s} autodiff {np.round(auto, 5)}  hand-derived {np.round(mine, 5)}"
                )
        with xn.no_grad():
            for p in params.values():
                p -= args.lr * p.grad
                p.grad = None
    accuracy = float(((y_hat > 0.5) == (y > 0.5)).astype("float32").mean().item())
    print(f"predictions {np.round(y_hat.numpy(), 3)} for targets {ys}; accuracy {accuracy:.2f}")
    print(f"largest |autodiff - formula| over the printed gradients: {worst:.2e}")
    return {"accuracy": accuracy, "loss": float(loss.item()), "max_gradient_gap": worst}


if __name__ == "__main__":
    main()
