"""Learning-rate schedules: closed forms, PyTorch parity, state dicts."""

from __future__ import annotations

import math

import pytest

import xpnet as xn
from xpnet import nn
from xpnet.optim import lr_scheduler as S

SCHEDULES = [
    ("StepLR", dict(step_size=3, gamma=0.5), lambda e: 0.1 * 0.5 ** (e // 3)),
    (
        "MultiStepLR",
        dict(milestones=[2, 5], gamma=0.1),
        lambda e: 0.1 * 0.1 ** ((e >= 2) + (e >= 5)),
    ),
    ("ExponentialLR", dict(gamma=0.9), lambda e: 0.1 * 0.9**e),
    (
        "CosineAnnealingLR",
        dict(T_max=8, eta_min=0.01),
        lambda e: 0.01 + 0.09 * (1 + math.cos(math.pi * e / 8)) / 2,
    ),
    (
        "LinearLR",
        dict(start_factor=0.25, total_iters=4),
        lambda e: 0.1 * (0.25 + 0.75 * min(e, 4) / 4),
    ),
]


def _opt():
    return xn.optim.SGD([nn.Parameter(xn.ones(1))], lr=0.1)


@pytest.mark.parametrize(("name", "kw", "formula"), SCHEDULES, ids=[s[0] for s in SCHEDULES])
def test_closed_form(name, kw, formula):
    opt = _opt()
    sched = getattr(S, name)(opt, **kw)
    for epoch in range(10):
        assert opt.param_groups[0]["lr"] == pytest.approx(formula(epoch))
        assert sched.get_last_lr() == [opt.param_groups[0]["lr"]]
        opt.step()
        sched.step()


@pytest.mark.parametrize(("name", "kw", "formula"), SCHEDULES, ids=[s[0] for s in SCHEDULES])
def test_matches_pytorch(name, kw, formula):
    torch = pytest.importorskip("torch")
    topt = torch.optim.SGD([torch.nn.Parameter(torch.ones(1))], lr=0.1)
    tsched = getattr(torch.optim.lr_scheduler, name)(topt, **kw)
    opt = _opt()
    sched = getattr(S, name)(opt, **kw)
    for _ in range(12):
        assert opt.param_groups[0]["lr"] == pytest.approx(topt.param_groups[0]["lr"], rel=1e-12)
        topt.step()
        tsched.step()
        opt.step()
        sched.step()


def test_reduce_on_plateau_matches_pytorch():
    torch = pytest.importorskip("torch")
    topt = torch.optim.SGD([torch.nn.Parameter(torch.ones(1))], lr=1.0)
    tsched = torch.optim.lr_scheduler.ReduceLROnPlateau(
        topt, factor=0.5, patience=2, cooldown=1, min_lr=0.1
    )
    opt = xn.optim.SGD([nn.Parameter(xn.ones(1))], lr=1.0)
    sched = S.ReduceLROnPlateau(opt, factor=0.5, patience=2, cooldown=1, min_lr=0.1)
    metrics = [5, 4, 4, 4, 4, 3.9999, 4, 4, 4, 4, 4, 4, 4, 2, 2, 2, 2, 2, 2, 2]
    for m in metrics:
        tsched.step(m)
        sched.step(xn.tensor(m))
        assert opt.param_groups[0]["lr"] == pytest.approx(topt.param_groups[0]["lr"])
    assert opt.param_groups[0]["lr"] == pytest.approx(0.1)


def test_scheduler_state_dict_resumes():
    opt = _opt()
    sched = S.CosineAnnealingLR(opt, T_max=10)
    for _ in range(4):
        sched.step()
    state = sched.state_dict()
    opt2 = _opt()
    sched2 = S.CosineAnnealingLR(opt2, T_max=10)
    sched2.load_state_dict(state)
    sched.step()
    sched2.step()
    assert opt2.param_groups[0]["lr"] == opt.param_groups[0]["lr"]


def test_warmup_then_decay_on_param_groups():
    a, b = nn.Parameter(xn.ones(1)), nn.Parameter(xn.ones(1))
    opt = xn.optim.SGD([{"params": [a], "lr": 1.0}, {"params": [b], "lr": 0.1}])
    sched = S.LinearLR(opt, start_factor=0.5, total_iters=2)
    assert [g["lr"] for g in opt.param_groups] == pytest.approx([0.5, 0.05])
    sched.step()
    sched.step()
    assert [g["lr"] for g in opt.param_groups] == pytest.approx([1.0, 0.1])
