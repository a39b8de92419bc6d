"""Optimizers: step-by-step trajectories against the NumPy references and PyTorch,
parameter groups, errors, state placement, and save/load/continue round trips."""

from __future__ import annotations

import numpy as np
import pytest

import xpnet as xn
from xpnet import nn

from . import reference as ref

W0 = np.array([0.5, -1.2, 2.0, 0.1])
C = np.array([1.0, 3.0, 0.5, 2.0])
D = np.array([0.3, -0.2, 0.1, 0.0])

# (name, xpnet class, reference function, hyperparameters)
CONFIGS = [
    ("sgd", xn.optim.SGD, ref.sgd, dict(lr=0.1)),
    (
        "sgd-momentum-wd",
        xn.optim.SGD,
        ref.sgd,
        dict(lr=0.05, momentum=0.9, dampening=0.1, weight_decay=0.01),
    ),
    ("sgd-nesterov", xn.optim.SGD, ref.sgd, dict(lr=0.05, momentum=0.8, nesterov=True)),
    ("adam", xn.optim.Adam, ref.adam, dict(lr=0.05)),
    (
        "adam-wd-amsgrad",
        xn.optim.Adam,
        ref.adam,
        dict(lr=0.05, betas=(0.8, 0.99), weight_decay=0.1, amsgrad=True),
    ),
    (
        "adamw",
        xn.optim.AdamW,
        lambda w, g, s, **k: ref.adam(w, g, s, decoupled=True, **k),
        dict(lr=0.05, weight_decay=0.1),
    ),
    ("rmsprop", xn.optim.RMSprop, ref.rmsprop, dict(lr=0.01)),
    (
        "rmsprop-centered-momentum",
        xn.optim.RMSprop,
        ref.rmsprop,
        dict(lr=0.01, alpha=0.9, momentum=0.5, centered=True, weight_decay=0.05),
    ),
    ("adagrad", xn.optim.Adagrad, ref.adagrad, dict(lr=0.1)),
    (
        "adagrad-decay",
        xn.optim.Adagrad,
        ref.adagrad,
        dict(lr=0.1, lr_decay=0.05, weight_decay=0.01, initial_accumulator_value=0.1),
    ),
    ("adamax", xn.optim.Adamax, ref.adamax, dict(lr=0.05)),
    ("adamax-wd", xn.optim.Adamax, ref.adamax, dict(lr=0.05, betas=(0.8, 0.9), weight_decay=0.1)),
    ("adadelta", xn.optim.Adadelta, ref.adadelta, dict(lr=1.0)),
    ("adadelta-wd", xn.optim.Adadelta, ref.adadelta, dict(lr=0.5, rho=0.8, weight_decay=0.1)),
    ("nadam", xn.optim.NAdam, ref.nadam, dict(lr=0.05)),
    (
        "nadam-decoupled",
        xn.optim.NAdam,
        ref.nadam,
        dict(lr=0.05, weight_decay=0.1, decoupled_weight_decay=True, momentum_decay=0.01),
    ),
    ("radam", xn.optim.RAdam, ref.radam, dict(lr=0.05)),  # rectifies from step 6 on
    ("radam-wd", xn.optim.RAdam, ref.radam, dict(lr=0.05, betas=(0.8, 0.9), weight_decay=0.1)),
    ("rprop", xn.optim.Rprop, ref.rprop, dict(lr=0.05)),
    (
        "rprop-etas",
        xn.optim.Rprop,
        ref.rprop,
        dict(lr=0.3, etas=(0.3, 1.5), step_sizes=(0.01, 0.4)),
    ),
    # ascending grows |w|: steps capped so that w stays where the objective's sin series holds
    (
        "rprop-maximize",
        xn.optim.Rprop,
        ref.maximizing(ref.rprop),
        dict(lr=0.05, step_sizes=(1e-6, 0.04), maximize=True),
    ),
    (
        "sgd-maximize",
        xn.optim.SGD,
        ref.maximizing(ref.sgd),
        dict(lr=0.01, momentum=0.5, maximize=True),
    ),
    ("adam-maximize", xn.optim.Adam, ref.maximizing(ref.adam), dict(lr=0.05, maximize=True)),
    ("adamax-maximize", xn.optim.Adamax, ref.maximizing(ref.adamax), dict(lr=0.05, maximize=True)),
]
IDS = [c[0] for c in CONFIGS]
# PyTorch's NAdam keeps the momentum-schedule product in a float32 tensor whatever the
# parameter's dtype; xpnet and the reference keep it in float64 (1e-8 apart after 25 steps)
TORCH_RTOL = {"nadam": 1e-7, "nadam-decoupled": 1e-7}


def objective(w):
    """0.5 sum(c w^2) + sum(d w) + sum(sin w): a non-quadratic bowl."""
    c = xn.tensor(C, dtype=w.dtype, backend=w.backend)
    d = xn.tensor(D, dtype=w.dtype, backend=w.backend)
    return (0.5 * (w * w * c)).sum() + (w * d).sum() + _sin(w).sum()


def _sin(w):
    # sin from primitives (the standard has sin, but xpnet's closed set does not need it):
    # a Taylor series is plenty accurate on |w| < 3 and exercises composite gradients.
    out, term = w * 0.0, w
    for k in range(12):
        out = out + term
        term = term * w * w * (-1.0 / ((2 * k + 2) * (2 * k + 3)))
    return out


def grad_ref(w):
    return C * w + D + np.cos(w)


@pytest.mark.parametrize(("name", "cls", "reference", "hp"), CONFIGS, ids=IDS)
def test_trajectory_matches_reference(name, cls, reference, hp, backend):
    dtype = "float64" if backend.float64 else "float32"
    p = nn.Parameter(xn.tensor(W0, dtype=dtype, backend=backend, device=backend.device))
    opt = cls([p], **hp)
    w, state = W0.copy(), {}
    for _ in range(25):
        opt.zero_grad()
        objective(p).backward()
        opt.step()
        w = reference(w, grad_ref(w), state, **hp)
        tol = 1e-10 if dtype == "float64" else 2e-5
        np.testing.assert_allclose(p.numpy(), w, rtol=tol, atol=tol)
    assert p.backend is backend and backend.dtype_name(p.dtype) == dtype
    for v in opt.state[p].values():
        if isinstance(v, xn.Tensor):
            assert v.backend is backend, "optimizer state must live on the parameter's device"


@pytest.mark.parametrize(("name", "cls", "reference", "hp"), CONFIGS, ids=IDS)
def test_trajectory_matches_pytorch(name, cls, reference, hp):
    torch = pytest.importorskip("torch")
    tcls = getattr(torch.optim, cls.__name__)
    tp = torch.nn.Parameter(torch.tensor(W0))
    topt = tcls([tp], **hp)
    p = nn.Parameter(xn.tensor(W0, dtype="float64"))
    opt = cls([p], **hp)
    tc, td = torch.tensor(C), torch.tensor(D)
    for _ in range(25):
        topt.zero_grad()
        (0.5 * (tp * tp * tc)).sum().add((tp * td).sum()).add(torch.sin(tp).sum()).backward()
        topt.step()
        opt.zero_grad()
        objective(p).backward()
        opt.step()
        rtol = TORCH_RTOL.get(name, 1e-9)
        np.testing.assert_allclose(p.numpy(), tp.detach().numpy(), rtol=rtol, atol=rtol / 10)


def _train(model, opt, xs, ys, steps):
    losses = []
    for i in range(steps):
        opt.zero_grad()
        loss = nn.functional.cross_entropy(model(xs[i]), ys[i])
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses


def _mlp(seed):
    xn.manual_seed(seed)
    return nn.Sequential(nn.Linear(5, 8), nn.Tanh(), nn.Linear(8, 3))


@pytest.mark.parametrize(("name", "cls", "reference", "hp"), CONFIGS, ids=IDS)
def test_save_load_continue_is_bit_identical(name, cls, reference, hp, tmp_path):
    rng = np.random.default_rng(0)
    xs = [xn.tensor(rng.standard_normal((6, 5)).astype(np.float32)) for _ in range(10)]
    ys = [xn.tensor(rng.integers(0, 3, 6)) for _ in range(10)]
    straight = _mlp(1)
    opt = cls(straight.parameters(), **hp)
    expected = _train(straight, opt, xs, ys, 10)

    first = _mlp(1)
    opt1 = cls(first.parameters(), **hp)
    got = _train(first, opt1, xs[:4], ys[:4], 4)
    path = tmp_path / "ck.xpn"
    xn.save({"model": first.state_dict(), "optim": opt1.state_dict()}, path)
    second = _mlp(99)  # different initial weights: everything must come from the file
    opt2 = cls(second.parameters(), **hp)
    ck = xn.load(path)
    second.load_state_dict(ck["model"])
    opt2.load_state_dict(ck["optim"])
    got += _train(second, opt2, xs[4:], ys[4:], 6)
    assert got == expected  # bit-identical on numpy


def test_param_groups_have_their_own_hyperparameters():
    a, b = nn.Parameter(xn.ones(2)), nn.Parameter(xn.ones(2))
    opt = xn.optim.SGD([{"params": [a]}, {"params": [b], "lr": 0.5}], lr=0.1, momentum=0.0)
    (a.sum() + b.sum()).backward()
    opt.step()
    assert a.tolist() == pytest.approx([0.9, 0.9]) and b.tolist() == pytest.approx([0.5, 0.5])
    assert opt.param_groups[1]["momentum"] == 0.0


def test_optimizer_errors():
    p = nn.Parameter(xn.ones(2))
    with pytest.raises(ValueError, match="empty parameter list"):
        xn.optim.Adam([])
    with pytest.raises(ValueError, match="appears twice"):
        xn.optim.SGD([p, p], lr=0.1)
    with pytest.raises(ValueError, match="appears twice"):
        xn.optim.SGD([{"params": [p]}, {"params": [p]}], lr=0.1)
    with pytest.raises(ValueError, match="leaf"):
        xn.optim.SGD([p * 2.0], lr=0.1)
    with pytest.raises(ValueError, match="learning rate"):
        xn.optim.SGD([p], lr=-1.0)
    with pytest.raises(ValueError, match="betas"):
        xn.optim.Adam([p], betas=(1.0, 0.9))
    with pytest.raises(ValueError, match="unknown hyperparameters"):
        xn.optim.SGD([{"params": [p], "lr": 0.1, "momentun": 0.9}], lr=0.1)


def test_load_state_dict_mismatch_changes_nothing():
    p, q = nn.Parameter(xn.ones(2)), nn.Parameter(xn.ones(3))
    opt = xn.optim.Adam([p], lr=0.1)
    p.sum().backward()
    opt.step()
    other = xn.optim.Adam([p, q], lr=0.5)
    with pytest.raises(ValueError, match="1 parameters saved and 2 here"):
        other.load_state_dict(opt.state_dict())
    assert other.param_groups[0]["lr"] == 0.5 and not other.state


def test_step_skips_parameters_without_gradients_and_accepts_a_closure():
    p, q = nn.Parameter(xn.ones(2)), nn.Parameter(xn.ones(2))
    opt = xn.optim.SGD([p, q], lr=0.1)
    loss = opt.step(lambda: (p * 3.0).sum().backward() or (p * 3.0).sum())
    assert loss.item() == 6.0
    assert p.tolist() == pytest.approx([0.7, 0.7]) and q.tolist() == [1.0, 1.0]
    opt.zero_grad()
    assert p.grad is None


def test_clip_grad_norm_and_value(backend):
    kw = {"backend": backend, "device": backend.device}
    a = nn.Parameter(xn.tensor([3.0, 0.0], **kw))
    b = nn.Parameter(xn.tensor([0.0, 4.0], **kw))
    (a * a * 0.5).sum().backward()
    (b * b * 0.5).sum().backward()
    total = nn.utils.clip_grad_norm_([a, b], max_norm=1.0)
    assert total.item() == pytest.approx(5.0) and total.backend is backend
    assert a.grad.tolist() == pytest.approx([0.6, 0.0], rel=1e-5)
    assert b.grad.tolist() == pytest.approx([0.0, 0.8], rel=1e-5)
    nn.utils.clip_grad_value_([a, b], 0.7)
    assert b.grad.tolist() == pytest.approx([0.0, 0.7])
    inf_total = nn.utils.clip_grad_norm_([a, b], 10.0, norm_type=float("inf"))
    assert inf_total.item() == pytest.approx(0.7)
    frozen = nn.Parameter(xn.tensor([1.0], **kw))  # no gradient: a norm of 0, as PyTorch
    none = nn.utils.clip_grad_norm_([frozen], 1.0)
    assert none.item() == 0.0 and none.backend is backend
    b.grad = b.grad * float("nan")
    before = a.grad.numpy().copy()
    with pytest.raises(xn.NonFiniteError, match="no gradient was changed"):
        nn.utils.clip_grad_norm_([a, b], 1.0, error_if_nonfinite=True)
    np.testing.assert_array_equal(a.grad.numpy(), before)


@pytest.mark.parametrize("owner", ["optimizer", "module"])
def test_zero_grad_without_set_to_none_writes_zeros_over_nan_and_inf(owner):
    model = nn.Linear(2, 1)
    opt = xn.optim.SGD(model.parameters(), lr=0.1)
    for p in model.parameters():
        p.grad = xn.full(p.shape, float("nan"))
        p.grad.data[..., 0] = float("inf")
    grads = [p.grad for p in model.parameters()]
    (opt if owner == "optimizer" else model).zero_grad(set_to_none=False)
    for p, g in zip(model.parameters(), grads, strict=True):
        assert p.grad is g  # the same tensor, filled in place
        assert np.array_equal(p.grad.numpy(), np.zeros(p.shape, dtype=np.float32))


def test_load_state_dict_converts_and_copies_foreign_state():
    p = nn.Parameter(xn.tensor([1.0, 2.0]))
    opt = xn.optim.Adam([p], lr=0.1)
    p.grad = xn.tensor([0.5, 0.5])
    opt.step()
    saved = opt.state_dict()
    moved = {
        "param_groups": saved["param_groups"],
        "state": {
            0: {
                k: (v.to(backend="array_api_strict") if isinstance(v, xn.Tensor) else v)
                for k, v in saved["state"][0].items()
            }
        },
    }
    fresh = xn.optim.Adam([p], lr=0.1)
    fresh.load_state_dict(moved)
    m = fresh.state[p]["exp_avg"]
    assert m.backend is p.backend and m.tolist() == saved["state"][0]["exp_avg"].tolist()
    bad = {
        "param_groups": saved["param_groups"],
        "state": {0: {"exp_avg": xn.tensor([1 + 2j, 0j], dtype="complex64")}},
    }
    with pytest.raises(xn.DTypeError, match="state 'exp_avg' of parameter 0"):
        fresh.load_state_dict(bad)
    assert fresh.state[p]["exp_avg"] is m  # nothing changed
