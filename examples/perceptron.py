"""The perceptron rule and the delta rule, on a linearly separable set and on XOR.

Both single units learn the separable set perfectly; neither can represent XOR,
which needs a hidden layer (see xor.py).

    python examples/perceptron.py --backend numpy
"""

from __future__ import annotations

import argparse

import xpnet as xn


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", default="numpy")
    parser.add_argument("--device", default=None)
    parser.add_argument("--epochs", type=int, default=100)
    args = parser.parse_args(argv)
    kw = {"backend": args.backend, "device": args.device}

    results = {}
    for name, (x, y) in {
        "separable": xn.datasets.linearly_separable(100, seed=1),
        "XOR": xn.datasets.xor(),
    }.items():
        p = xn.learning_rules.Perceptron(2, **kw)
        mistakes = p.fit(x, y, epochs=args.epochs)
        d = xn.learning_rules.DeltaRule(2, lr=0.5, **kw)
        losses = d.fit(x, y, epochs=args.epochs)
        results[f"perceptron_{name}"] = p.accuracy(x, y)
        results[f"delta_{name}"] = d.accuracy(x, y)
        converged = (
            f"converged after {len(mistakes)} epochs"
            if mistakes[-1] == 0
            else (f"still {mistakes[-1]} mistakes per epoch after {len(mistakes)} epochs")
        )
        print(f"{name:9s}  perceptron: {converged}, accuracy {results[f'perceptron_{name}']:.2f}")
        print(
            f"{'':9s}  delta rule: final cross-entropy {losses[-1]:.3f}, accuracy {results[f'delta_{name}']:.2f}"
        )
    print("A single unit draws one line: XOR's classes cannot be split by one line.")
    return results


if __name__ == "__main__":
    main()
