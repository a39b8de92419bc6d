"""Reference optimizers in plain NumPy, written from the published update rules.

Each takes the parameter vector, its gradient and a state dict, and returns the
new parameter vector. They follow the papers / PyTorch documentation formulas
line by line, independently of xpnet's implementation.
"""

from __future__ import annotations

import numpy as np


def sgd(w, g, s, lr, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False):
    g = g + weight_decay * w
    if momentum:
        s["b"] = g.copy() if "b" not in s else momentum * s["b"] + (1 - dampening) * g
        g = g + momentum * s["b"] if nesterov else s["b"]
    return w - lr * g


def adam(
    w, g, s, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, amsgrad=False, decoupled=False
):
    b1, b2 = betas
    if decoupled:
        w = w * (1 - lr * weight_decay)
    else:
        g = g + weight_decay * w
    s["t"] = s.get("t", 0) + 1
    s["m"] = b1 * s.get("m", 0.0) + (1 - b1) * g
    s["v"] = b2 * s.get("v", 0.0) + (1 - b2) * g * g
    v = s["v"]
    if amsgrad:
        s["vmax"] = np.maximum(s.get("vmax", 0.0), v)
        v = s["vmax"]
    m_hat = s["m"] / (1 - b1 ** s["t"])
    v_hat = v / (1 - b2 ** s["t"])
    return w - lr * m_hat / (np.sqrt(v_hat) + eps)


def rmsprop(w, g, s, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0, centered=False):
    g = g + weight_decay * w
    s["sq"] = alpha * s.get("sq", 0.0) + (1 - alpha) * g * g
    if centered:
        s["ga"] = alpha * s.get("ga", 0.0) + (1 - alpha) * g
        avg = np.sqrt(s["sq"] - s["ga"] ** 2) + eps
    else:
        avg = np.sqrt(s["sq"]) + eps
    if momentum:
        s["b"] = momentum * s.get("b", 0.0) + g / avg
        return w - lr * s["b"]
    return w - lr * g / avg


def adagrad(
    w, g, s, lr=1e-2, lr_decay=0.0, weight_decay=0.0, initial_accumulator_value=0.0, eps=1e-10
):
    s["t"] = s.get("t", 0) + 1
    g = g + weight_decay * w
    clr = lr / (1 + (s["t"] - 1) * lr_decay)
    s["sum"] = s.get("sum", initial_accumulator_value) + g * g
    return w - clr * g / (np.sqrt(s["sum"]) + eps)


def adamax(w, g, s, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
    b1, b2 = betas
    g = g + weight_decay * w
    s["t"] = s.get("t", 0) + 1
    s["m"] = b1 * s.get("m", 0.0) + (1 - b1) * g
    s["u"] = np.maximum(b2 * s.get("u", 0.0), np.abs(g) + eps)
    return w - lr / (1 - b1 ** s["t"]) * s["m"] / s["u"]


def adadelta(w, g, s, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0.0):
    g = g + weight_decay * w
    s["v"] = rho * s.get("v", 0.0) + (1 - rho) * g * g
    delta = np.sqrt(s.get("u", 0.0) + eps) / np.sqrt(s["v"] + eps) * g
    s["u"] = rho * s.get("u", 0.0) + (1 - rho) * delta * delta
    return w - lr * delta


def nadam(w, g, s, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0,
          momentum_decay=4e-3, decoupled_weight_decay=False):  # fmt: skip
    """Dozat's NAdam with PyTorch's momentum schedule mu_t = b1 (1 - 0.5 * 0.96^(t psi))."""
    b1, b2 = betas
    if decoupled_weight_decay:
        w = w * (1 - lr * weight_decay)
    else:
        g = g + weight_decay * w
    t = s["t"] = s.get("t", 0) + 1
    mu = b1 * (1 - 0.5 * 0.96 ** (t * momentum_decay))
    mu_next = b1 * (1 - 0.5 * 0.96 ** ((t + 1) * momentum_decay))
    s["prod"] = s.get("prod", 1.0) * mu
    s["m"] = b1 * s.get("m", 0.0) + (1 - b1) * g
    s["v"] = b2 * s.get("v", 0.0) + (1 - b2) * g * g
    denom = np.sqrt(s["v"] / (1 - b2**t)) + eps
    m_hat = mu_next * s["m"] / (1 - s["prod"] * mu_next) + (1 - mu) * g / (1 - s["prod"])
    return w - lr * m_hat / denom


def radam(w, g, s, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0,
          decoupled_weight_decay=False):  # fmt: skip
    """Liu et al.'s rectified Adam (PyTorch's formulation)."""
    b1, b2 = betas
    if decoupled_weight_decay:
        w = w * (1 - lr * weight_decay)
    else:
        g = g + weight_decay * w
    t = s["t"] = s.get("t", 0) + 1
    s["m"] = b1 * s.get("m", 0.0) + (1 - b1) * g
    s["v"] = b2 * s.get("v", 0.0) + (1 - b2) * g * g
    m_hat = s["m"] / (1 - b1**t)
    rho_inf = 2 / (1 - b2) - 1
    rho_t = rho_inf - 2 * t * b2**t / (1 - b2**t)
    if rho_t <= 5:
        return w - lr * m_hat
    rect = np.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
    adaptive = np.sqrt(1 - b2**t) / (np.sqrt(s["v"]) + eps)
    return w - lr * m_hat * rect * adaptive


def rprop(w, g, s, lr=1e-2, etas=(0.5, 1.2), step_sizes=(1e-6, 50.0)):
    """Riedmiller and Braun's Rprop as PyTorch writes it (a flipped sign skips that step)."""
    prev = s.get("prev", np.zeros_like(w))
    step = s.get("step", np.full_like(w, lr))
    same = g * prev
    step = np.clip(step * np.where(same > 0, etas[1], np.where(same < 0, etas[0], 1.0)),
                   *step_sizes)  # fmt: skip
    g = np.where(same < 0, 0.0, g)
    s["prev"], s["step"] = g, step
    return w - np.sign(g) * step


def maximizing(reference):
    """``reference`` ascending: the update of -g (PyTorch's ``maximize=True``)."""

    def step(w, g, s, maximize=True, **hp):
        return reference(w, -g if maximize else g, s, **hp)

    return step
