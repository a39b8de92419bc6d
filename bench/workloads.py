"""The benchmark workloads, each implemented several ways from the same initial weights.

Every implementation is a class with ``step() -> loss`` (one SGD step on the next batch).
``numpy`` is hand-derived backprop in plain NumPy: the reference every ratio is taken
against. ``gemm`` does only the matrix products a step needs, into preallocated
outputs: the floor no framework can beat on the CPU.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np


def mnist_batches(batch: int, image: bool) -> tuple[np.ndarray, np.ndarray]:
    """Real MNIST images (the subset shipped with xpnet), normalised, float32."""
    import xpnet as xn

    (x, y), _ = xn.datasets.load_mnist_subset()
    x = ((x.astype(np.float32) / 255.0 - 0.1307) / 0.3081).reshape(
        len(x), *((1, 28, 28) if image else (784,))
    )
    return x, y.astype(np.int64)


def init_mlp(sizes: list[int], seed: int = 0) -> list[np.ndarray]:
    """PyTorch-style U(-1/sqrt(fan_in), 1/sqrt(fan_in)) weights (out, in) and biases, float32."""
    rng = np.random.default_rng(seed)
    params = []
    for fan_in, fan_out in itertools.pairwise(sizes):
        b = 1.0 / np.sqrt(fan_in)
        params += [
            rng.uniform(-b, b, (fan_out, fan_in)).astype(np.float32),
            rng.uniform(-b, b, fan_out).astype(np.float32),
        ]
    return params


class Batches:
    def __init__(self, x: np.ndarray, y: np.ndarray, batch: int) -> None:
        self.x, self.y, self.batch, self.i = x, y, batch, 0

    def next(self) -> tuple[np.ndarray, np.ndarray]:
        n = len(self.x)
        if self.i + self.batch > n:
            self.i = 0
        s = slice(self.i, self.i + self.batch)
        self.i += self.batch
        return self.x[s], self.y[s]


# ---------------------------------------------------------------- W1: MNIST MLP, softmax CE
class MLPNumpy:
    """Hand-derived backprop for ReLU layers and softmax cross-entropy."""

    def __init__(self, params: list[np.ndarray], data: Batches, lr: float) -> None:
        self.p, self.data, self.lr = [a.copy() for a in params], data, lr

    def step(self) -> float:
        x, y = self.data.next()
        n = len(x)
        acts, pre = [x], []
        L = len(self.p) // 2
        for i in range(L):
            z = acts[-1] @ self.p[2 * i].T + self.p[2 * i + 1]
            pre.append(z)
            acts.append(np.maximum(z, 0) if i < L - 1 else z)
        z = acts[-1]
        zmax = z.max(axis=1, keepdims=True)
        e = np.exp(z - zmax)
        s = e.sum(axis=1, keepdims=True)
        loss = float(np.mean(np.log(s[:, 0]) + zmax[:, 0] - z[np.arange(n), y]))
        d = e / s
        d[np.arange(n), y] -= 1.0
        d /= n
        for i in reversed(range(L)):
            W = self.p[2 * i]
            gW = d.T @ acts[i]
            gb = d.sum(axis=0)
            if i > 0:
                d = (d @ W) * (pre[i - 1] > 0)
            W -= self.lr * gW
            self.p[2 * i + 1] -= self.lr * gb
        return loss


class MLPGemm:
    """Only the matrix products of a step, into preallocated outputs (the floor)."""

    def __init__(self, params: list[np.ndarray], data: Batches, lr: float) -> None:
        self.p, self.data = [a.copy() for a in params], data
        n = data.batch
        L = len(params) // 2
        self.acts = [np.empty((n, params[2 * i].shape[0]), np.float32) for i in range(L)]
        self.grads = [np.empty_like(params[2 * i]) for i in range(L)]
        self.deltas = [np.empty((n, params[2 * i].shape[1]), np.float32) for i in range(L)]

    def step(self) -> float:
        x, _ = self.data.next()
        L = len(self.p) // 2
        a = x
        for i in range(L):
            np.matmul(a, self.p[2 * i].T, out=self.acts[i])
            a = self.acts[i]
        d = self.acts[-1]
        for i in reversed(range(L)):
            np.matmul(d.T, x if i == 0 else self.acts[i - 1], out=self.grads[i])
            if i > 0:
                np.matmul(d, self.p[2 * i], out=self.deltas[i])
                d = self.deltas[i]
        return 0.0


class MLPXpnet:
    def __init__(
        self,
        params: list[np.ndarray],
        data: Batches,
        lr: float,
        backend: str = "numpy",
        compiled: bool = False,
    ) -> None:
        import xpnet as xn
        from xpnet import nn

        self.xn, self.nn, self.data, self.backend = xn, nn, data, xn.get_backend(backend)
        sizes = [params[0].shape[1]] + [params[2 * i].shape[0] for i in range(len(params) // 2)]
        layers: list[Any] = []
        for i in range(len(sizes) - 1):
            lin = nn.Linear(sizes[i], sizes[i + 1], backend=self.backend)
            lin.load_state_dict({"weight": params[2 * i], "bias": params[2 * i + 1]})
            layers += [lin, nn.ReLU()]
        self.model = nn.Sequential(*layers[:-1])
        self.opt = xn.optim.SGD(self.model.parameters(), lr=lr)
        self.fn = _maybe_compiled(
            xn, nn, self.model, self.opt, nn.functional.cross_entropy, compiled
        )

    def step(self) -> float:
        x, y = self.data.next()
        # xn.asarray shares the batch's memory where it can, as torch.from_numpy does in
        # the PyTorch rows (xn.tensor would copy it, a cost the other rows do not pay)
        xt = self.xn.asarray(x, backend=self.backend)
        yt = self.xn.asarray(y, backend=self.backend)
        return float(self.fn(xt, yt).item())


def _maybe_compiled(xn: Any, nn: Any, model: Any, opt: Any, loss_fn: Any, compiled: bool) -> Any:
    """The training step as a function of (x, y), through xn.compile when asked."""

    def step(x: Any, y: Any) -> Any:
        loss = loss_fn(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss

    return xn.compile(step) if compiled else step


class MLPTorch:
    def __init__(self, params: list[np.ndarray], data: Batches, lr: float) -> None:
        import torch

        self.torch, self.data = torch, data
        layers: list[Any] = []
        for i in range(len(params) // 2):
            lin = torch.nn.Linear(params[2 * i].shape[1], params[2 * i].shape[0])
            with torch.no_grad():
                lin.weight.copy_(torch.from_numpy(params[2 * i]))
                lin.bias.copy_(torch.from_numpy(params[2 * i + 1]))
            layers += [lin, torch.nn.ReLU()]
        self.model = torch.nn.Sequential(*layers[:-1])
        self.opt = torch.optim.SGD(self.model.parameters(), lr=lr)

    def step(self) -> float:
        x, y = self.data.next()
        loss = self.torch.nn.functional.cross_entropy(
            self.model(self.torch.from_numpy(x)), self.torch.from_numpy(y)
        )
        self.opt.zero_grad()
        loss.backward()
        self.opt.step()
        return float(loss.item())


class MLPJax:
    def __init__(self, params: list[np.ndarray], data: Batches, lr: float) -> None:
        import jax
        import jax.numpy as jnp

        self.data = data
        self.p = [jnp.asarray(a) for a in params]

        def loss_fn(p, x, y):
            a = x
            L = len(p) // 2
            for i in range(L):
                a = a @ p[2 * i].T + p[2 * i + 1]
                if i < L - 1:
                    a = jax.nn.relu(a)
            logp = jax.nn.log_softmax(a, axis=1)
            return -jnp.mean(jnp.take_along_axis(logp, y[:, None], axis=1))

        @jax.jit
        def step(p, x, y):
            loss, g = jax.value_and_grad(loss_fn)(p, x, y)
            return [w - lr * gw for w, gw in zip(p, g, strict=True)], loss

        self._step = step

    def step(self) -> float:
        x, y = self.data.next()
        self.p, loss = self._step(self.p, x, y)
        return float(loss)


# ---------------------------------------------------------------- W2: XOR 2-8-1 sigmoid, BCE
def _sig(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


class XORNumpy:
    def __init__(self, params: list[np.ndarray], data: Batches, lr: float) -> None:
        self.p, self.data, self.lr = [a.copy() for a in params], data, lr

    def step(self) -> float:
        x, y = self.data.next()
        W1, b1, W2, b2 = self.p
        h = _sig(x @ W1.T + b1)
        yh = _sig(h @ W2.T + b2)[:, 0]
        loss = float(-np.mean(y * np.log(yh) + (1 - y) * np.log(1 - yh)))
        d2 = ((yh - y) / len(x))[:, None]
        d1 = (d2 @ W2) * h * (1 - h)
        W2 -= self.lr * (d2.T @ h)
        b2 -= self.lr * d2.sum(axis=0)
        W1 -= self.lr * (d1.T @ x)
        b1 -= self.lr * d1.sum(axis=0)
        return loss


class XORXpnet:
    def __init__(
        self,
        params: list[np.ndarray],
        data: Batches,
        lr: float,
        backend: str = "numpy",
        compiled: bool = False,
    ) -> None:
        import xpnet as xn
        from xpnet import nn

        self.xn, self.nn, self.data, self.backend = xn, nn, data, xn.get_backend(backend)
        self.l1 = nn.Linear(2, params[0].shape[0], backend=self.backend)
        self.l2 = nn.Linear(params[0].shape[0], 1, backend=self.backend)
        self.l1.load_state_dict({"weight": params[0], "bias": params[1]})
        self.l2.load_state_dict({"weight": params[2], "bias": params[3]})
        self.opt = xn.optim.SGD([*self.l1.parameters(), *self.l2.parameters()], lr=lr)
        self.batches = [
            (xn.tensor(data.x[i : i + data.batch], backend=self.backend),
             xn.tensor(data.y[i : i + data.batch].reshape(-1, 1), backend=self.backend))
            for i in range(0, len(data.x), data.batch)
        ]  # fmt: skip
        self.i = 0
        l1, l2 = self.l1, self.l2
        model = lambda x: xn.sigmoid(l2(xn.sigmoid(l1(x))))
        self.fn = _maybe_compiled(
            xn, nn, model, self.opt, nn.functional.binary_cross_entropy, compiled
        )

    def step(self) -> float:
        x, y = self.batches[self.i % len(self.batches)]
        self.i += 1
        return float(self.fn(x, y).item())


class XORTorch:
    def __init__(self, params: list[np.ndarray], data: Batches, lr: float) -> None:
        import torch

        self.torch, self.data = torch, data
        self.l1 = torch.nn.Linear(2, params[0].shape[0])
        self.l2 = torch.nn.Linear(params[0].shape[0], 1)
        with torch.no_grad():
            for lin, (w, b) in ((self.l1, params[:2]), (self.l2, params[2:])):
                lin.weight.copy_(torch.from_numpy(w))
                lin.bias.copy_(torch.from_numpy(b))
        self.opt = torch.optim.SGD([*self.l1.parameters(), *self.l2.parameters()], lr=lr)
        self.batches = [
            (
                torch.from_numpy(data.x[i : i + data.batch]),
                torch.from_numpy(data.y[i : i + data.batch].reshape(-1, 1)),
            )
            for i in range(0, len(data.x), data.batch)
        ]
        self.i = 0

    def step(self) -> float:
        x, y = self.batches[self.i % len(self.batches)]
        self.i += 1
        loss = self.torch.nn.functional.binary_cross_entropy(
            self.torch.sigmoid(self.l2(self.torch.sigmoid(self.l1(x)))), y
        )
        self.opt.zero_grad()
        loss.backward()
        self.opt.step()
        return float(loss.item())


class XORJax:
    def __init__(self, params: list[np.ndarray], data: Batches, lr: float) -> None:
        import jax
        import jax.numpy as jnp

        self.data, self.p = data, [jnp.asarray(a) for a in params]

        def loss_fn(p, x, y):
            h = jax.nn.sigmoid(x @ p[0].T + p[1])
            yh = jax.nn.sigmoid(h @ p[2].T + p[3])[:, 0]
            return -jnp.mean(y * jnp.log(yh) + (1 - y) * jnp.log(1 - yh))

        @jax.jit
        def step(p, x, y):
            loss, g = jax.value_and_grad(loss_fn)(p, x, y)
            return [w - lr * gw for w, gw in zip(p, g, strict=True)], loss

        self._step = step

    def step(self) -> float:
        x, y = self.data.next()
        self.p, loss = self._step(self.p, x, y)
        return float(loss)


def xor_data() -> Batches:
    x = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
    return Batches(x, np.array([0, 1, 1, 0], dtype=np.float32), 4)


# ---------------------------------------------------------------- W5: conv 3x3 1->16, ReLU, max-pool 2, linear
def init_conv(seed: int = 0) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    b1, b2 = 1.0 / 3.0, 1.0 / np.sqrt(3136)
    return [
        rng.uniform(-b1, b1, (16, 1, 3, 3)).astype(np.float32), rng.uniform(-b1, b1, 16).astype(np.float32),
        rng.uniform(-b2, b2, (10, 3136)).astype(np.float32), rng.uniform(-b2, b2, 10).astype(np.float32),
    ]  # fmt: skip


class ConvNumpy:
    """Hand-written: im2col by sliding windows (NHWC), GEMM, ReLU, 2x2 pool by reshape, linear."""

    def __init__(self, params: list[np.ndarray], data: Batches, lr: float) -> None:
        self.p, self.data, self.lr = [a.copy() for a in params], data, lr

    def step(self) -> float:
        x, y = self.data.next()
        n = len(x)
        W1, b1, W2, b2 = self.p
        xp = np.pad(x[:, 0], ((0, 0), (1, 1), (1, 1)))
        cols = np.lib.stride_tricks.sliding_window_view(xp, (3, 3), axis=(1, 2)).reshape(n * 784, 9)
        h = (cols @ W1.reshape(16, 9).T + b1).reshape(n, 28, 28, 16)  # NHWC
        a = np.maximum(h, 0)
        blocks = a.reshape(n, 14, 2, 14, 2, 16)
        pooled = blocks.max(axis=(2, 4))
        flat = pooled.transpose(0, 3, 1, 2).reshape(
            n, 3136
        )  # (C, H, W) order, as the other frameworks
        z = flat @ W2.T + b2
        zmax = z.max(axis=1, keepdims=True)
        e = np.exp(z - zmax)
        s = e.sum(axis=1, keepdims=True)
        loss = float(np.mean(np.log(s[:, 0]) + zmax[:, 0] - z[np.arange(n), y]))
        d = e / s
        d[np.arange(n), y] -= 1.0
        d /= n
        gW2, gb2 = d.T @ flat, d.sum(axis=0)
        dpool = (d @ W2).reshape(n, 16, 14, 14).transpose(0, 2, 3, 1)
        mask = blocks == pooled[:, :, None, :, None, :]
        # MNIST's flat background makes many tied maxima: share the gradient between them
        # (the total is what matters: tied windows hold identical input columns).
        mask = mask / mask.sum(axis=(2, 4), keepdims=True)
        dh = (mask * dpool[:, :, None, :, None, :]).reshape(n, 28, 28, 16) * (h > 0)
        d2 = dh.reshape(n * 784, 16)
        gW1, gb1 = (d2.T @ cols).reshape(16, 1, 3, 3), d2.sum(axis=0)
        for w, g in ((W1, gW1), (b1, gb1), (W2, gW2), (b2, gb2)):
            w -= self.lr * g
        return loss


def _conv_modules(nn: Any, params: list[np.ndarray], **kw: Any) -> Any:
    model = nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1, **kw),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(3136, 10, **kw),
    )
    return model


class ConvXpnet:
    def __init__(
        self,
        params: list[np.ndarray],
        data: Batches,
        lr: float,
        backend: str = "numpy",
        compiled: bool = False,
    ) -> None:
        import xpnet as xn
        from xpnet import nn

        self.xn, self.nn, self.data, self.backend = xn, nn, data, xn.get_backend(backend)
        self.model = _conv_modules(nn, params, backend=self.backend)
        self.model.load_state_dict(
            {"0.weight": params[0], "0.bias": params[1], "4.weight": params[2], "4.bias": params[3]}
        )
        self.opt = xn.optim.SGD(self.model.parameters(), lr=lr)
        self.fn = _maybe_compiled(
            xn, nn, self.model, self.opt, nn.functional.cross_entropy, compiled
        )

    def step(self) -> float:
        x, y = self.data.next()
        xt = self.xn.asarray(x, backend=self.backend)  # no copy, as torch.from_numpy
        return float(self.fn(xt, self.xn.asarray(y, backend=self.backend)).item())


class ConvTorch:
    def __init__(self, params: list[np.ndarray], data: Batches, lr: float) -> None:
        import torch

        self.torch, self.data = torch, data
        self.model = _conv_modules(torch.nn, params)
        self.model.load_state_dict(
            {
                k: torch.from_numpy(v)
                for k, v in zip(["0.weight", "0.bias", "4.weight", "4.bias"], params, strict=True)
            }
        )
        self.opt = torch.optim.SGD(self.model.parameters(), lr=lr)

    def step(self) -> float:
        x, y = self.data.next()
        loss = self.torch.nn.functional.cross_entropy(
            self.model(self.torch.from_numpy(x)), self.torch.from_numpy(y)
        )
        self.opt.zero_grad()
        loss.backward()
        self.opt.step()
        return float(loss.item())
