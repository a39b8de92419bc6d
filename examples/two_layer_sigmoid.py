"""A two-layer sigmoid network with binary cross-entropy, in the delta notation.

    z = sigmoid(X W1^T + b1)            (hidden layer)
    y_hat = sigmoid(z w2 + b2)          (output unit)
    delta2 = (y_hat - y) / N            (output delta, mean loss)
    delta1 = (delta2 w2^T) * z (1 - z)  (hidden deltas: back through w2 and sigmoid')
    dW1 = delta1^T X, db1 = sum delta1, dw2 = z^T delta2, db2 = sum delta2

Every 100 steps the autodiff gradients are checked against these closed forms.

    python examples/two_layer_sigmoid.py --backend numpy
"""

from __future__ import annotations

import argparse

import numpy as np

import xpnet as xn


def closed_form(X, y, W1, b1, w2, b2):
    z = xn.sigmoid(X @ W1.T + b1)
    y_hat = xn.sigmoid(z @ w2 + b2)
    delta2 = (y_hat - y) * (1.0 / X.shape[0])
    delta1 = xn.expand_dims(delta2, axis=1) * w2 * z * (1.0 - z)
    return {"W1": delta1.T @ X, "b1": delta1.sum(axis=0), "w2": z.T @ delta2, "b2": delta2.sum()}


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", default="numpy")
    parser.add_argument("--device", default=None)
    parser.add_argument("--hidden", type=int, default=8)
    parser.add_argument("--steps", type=int, default=3000)
    parser.add_argument("--lr", type=float, default=3.0)
    args = parser.parse_args(argv)
    xn.set_backend(args.backend, args.device)

    x_np, y_np = xn.datasets.two_moons(400, noise=0.1, seed=0)
    X, y = xn.tensor(x_np), xn.tensor(y_np.astype(np.float32))  # BCE targets: floats
    g = xn.Generator(0, host=True)
    params = {
        "W1": xn.tensor(g.normal((args.hidden, 2)), requires_grad=True),
        "b1": xn.zeros(args.hidden, requires_grad=True),
        "w2": xn.tensor(g.normal((args.hidden,), std=0.5), requires_grad=True),
        "b2": xn.zeros((), requires_grad=True),
    }
    worst = 0.0
    for step in range(args.steps):
        z = xn.sigmoid(X @ params["W1"].T + params["b1"])
        y_hat = xn.sigmoid(z @ params["w2"] + params["b2"])
        loss = xn.nn.functional.binary_cross_entropy(y_hat, y)
        loss.backward()
        if step % 100 == 0:
            cf = closed_form(X, y, *(params[k].detach() for k in ("W1", "b1", "w2", "b2")))
            gap = max(float(np.abs(params[k].grad.numpy() - cf[k].numpy()).max()) for k in params)
            worst = max(worst, gap)
            if step % 500 == 0:
                print(
                    f"step {step:5d}  loss {loss.item():.4f}  max |autodiff - closed form| {gap:.1e}"
                )
        with xn.no_grad():
            for p in params.values():
                p -= args.lr * p.grad
                p.grad = None
    accuracy = float(((y_hat > 0.5) == (y > 0.5)).astype("float32").mean().item())
    print(
        f"final loss {loss.item():.4f}, training accuracy {accuracy:.3f}, largest gradient gap {worst:.1e}"
    )
    return {"accuracy": accuracy, "loss": float(loss.item()), "max_gradient_gap": worst}


if __name__ == "__main__":
    main()
