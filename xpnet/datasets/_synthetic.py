"""Small generated problems for learning and testing: XOR, two moons, spirals, linear regression.

Each returns float32 features and NumPy targets (float32 values, int64 class labels)
and is reproducible from ``seed``.
"""

from __future__ import annotations

import numpy as np

from .._errors import ArgumentError


def xor() -> tuple[np.ndarray, np.ndarray]:
    """The four XOR points and their labels (0, 1, 1, 0)."""
    x = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
    return x, np.array([0, 1, 1, 0], dtype=np.float32)


def two_moons(n: int = 200, noise: float = 0.1, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaved half circles; int64 labels 0 (upper) and 1 (lower), as scikit-learn's
    ``make_moons`` (``y.astype("float32")`` for a binary cross-entropy target)."""
    rng = np.random.default_rng(seed)
    t = rng.uniform(0, np.pi, n)
    lower = rng.random(n) < 0.5
    x = np.where(lower, 1 - np.cos(t), np.cos(t))
    y = np.where(lower, 0.5 - np.sin(t), np.sin(t))
    pts = np.stack([x, y], axis=1) + rng.normal(0, noise, (n, 2))
    return pts.astype(np.float32), lower.astype(np.int64)


def spirals(
    n: int = 300, classes: int = 3, noise: float = 0.2, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """``classes`` interleaved spiral arms of ``n`` points in all (the first ``n % classes``
    arms get one more); integer labels."""
    if classes < 1 or n < 0:
        raise ArgumentError(f"spirals: need classes >= 1 and n >= 0, got n={n}, classes={classes}")
    rng = np.random.default_rng(seed)
    xs, ys = [], []
    for c in range(classes):
        per = n // classes + (c < n % classes)
        r = np.linspace(0.0, 1.0, per)
        theta = np.linspace(c * 4, (c + 1) * 4, per) + rng.normal(0, noise, per)
        xs.append(np.stack([r * np.sin(theta), r * np.cos(theta)], axis=1))
        ys.append(np.full(per, c))
    return np.concatenate(xs).astype(np.float32), np.concatenate(ys).astype(np.int64)


def linear_regression(
    n: int = 200, features: int = 3, outputs: int = 1, noise: float = 0.1, seed: int = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """y = x W + b + noise; returns (x, y, W, b) so a fit can be compared with the truth."""
    rng = np.random.default_rng(seed)
    w = rng.normal(0, 1, (features, outputs))
    b = rng.normal(0, 1, outputs)
    x = rng.normal(0, 1, (n, features))
    y = x @ w + b + rng.normal(0, noise, (n, outputs))
    return x.astype(np.float32), y.astype(np.float32), w.astype(np.float32), b.astype(np.float32)


def linearly_separable(
    n: int = 100, seed: int = 0, margin: float = 0.2
) -> tuple[np.ndarray, np.ndarray]:
    """Points on both sides of a random line with a gap of ``margin``; labels 0 and 1."""
    rng = np.random.default_rng(seed)
    w = rng.normal(0, 1, 2)
    w /= np.linalg.norm(w)
    pts: list[np.ndarray] = []
    while len(pts) < n:
        p = rng.uniform(-1, 1, 2)
        if abs(p @ w + 0.1) > margin / 2:
            pts.append(p)
    x = np.array(pts, dtype=np.float32)
    return x, (x @ w + 0.1 > 0).astype(np.float32)
