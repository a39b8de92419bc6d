"""Learning-rate schedules: closed forms, PyTorch parity, state dicts."""

from __future__ import annotations

import math
import warnings

import numpy as np
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
    ("ConstantLR", dict(factor=0.5, total_iters=3), lambda e: 0.05 if e < 3 else 0.1),
    ("PolynomialLR", dict(total_iters=6, power=2.0), lambda e: 0.1 * (1 - min(e, 6) / 6) ** 2),
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


def test_lambda_lr_per_group_matches_pytorch_and_its_state_leaves_out_the_functions():
    torch = pytest.importorskip("torch")
    fs = [lambda e: 0.95**e, lambda e: 1.0 / (1 + e)]
    tp = [torch.nn.Parameter(torch.ones(1)), torch.nn.Parameter(torch.ones(1))]
    topt = torch.optim.SGD([{"params": [tp[0]]}, {"params": [tp[1]], "lr": 0.5}], lr=0.1)
    tsched = torch.optim.lr_scheduler.LambdaLR(topt, fs)
    ps = [nn.Parameter(xn.ones(1)), nn.Parameter(xn.ones(1))]
    opt = xn.optim.SGD([{"params": [ps[0]]}, {"params": [ps[1]], "lr": 0.5}], lr=0.1)
    sched = S.LambdaLR(opt, fs)
    for _ in range(6):
        assert sched.get_last_lr() == pytest.approx(tsched.get_last_lr(), rel=1e-15)
        topt.step(), tsched.step(), opt.step(), sched.step()
    state = sched.state_dict()
    assert "lr_lambdas" not in state and state["last_epoch"] == 6
    again = S.LambdaLR(xn.optim.SGD([nn.Parameter(xn.ones(1))], lr=0.1), lambda e: 0.5)
    with pytest.raises(xn.ArgumentError, match="expected 2 lr_lambdas"):
        S.LambdaLR(opt, fs[:1])
    assert again.get_last_lr() == [0.05]


ONE_CYCLE = [
    dict(max_lr=0.1, total_steps=20),
    dict(max_lr=0.1, total_steps=20, three_phase=True, anneal_strategy="linear"),
    dict(max_lr=[0.2], epochs=3, steps_per_epoch=7, pct_start=0.25, div_factor=10.0),
    dict(max_lr=0.1, total_steps=10, cycle_momentum=False),
]


@pytest.mark.parametrize("opt_name", ["SGD", "Adam"])
@pytest.mark.parametrize(
    "kw", ONE_CYCLE, ids=["cos", "three-phase-linear", "epochs", "no-momentum"]
)
def test_one_cycle_lr_and_momentum_match_pytorch_step_by_step(kw, opt_name):
    torch = pytest.importorskip("torch")
    args = dict(lr=0.1, momentum=0.9) if opt_name == "SGD" else dict(lr=0.1)
    topt = getattr(torch.optim, opt_name)([torch.nn.Parameter(torch.ones(1))], **args)
    tsched = torch.optim.lr_scheduler.OneCycleLR(topt, **kw)
    opt = getattr(xn.optim, opt_name)([nn.Parameter(xn.ones(1))], **args)
    sched = S.OneCycleLR(opt, **kw)
    key = "momentum" if opt_name == "SGD" else "betas"
    for _ in range(sched.total_steps - 1):
        a, b = opt.param_groups[0], topt.param_groups[0]
        assert a["lr"] == pytest.approx(b["lr"], rel=1e-12, abs=1e-15)
        assert a[key] == pytest.approx(b[key], rel=1e-12)
        topt.step(), tsched.step(), opt.step(), sched.step()
    with pytest.raises(xn.ArgumentError, match="past total_steps"):
        sched.step()
        sched.step()


def test_one_cycle_lr_refuses_bad_arguments():
    opt = xn.optim.Adagrad([nn.Parameter(xn.ones(1))], lr=0.1)
    with pytest.raises(xn.ArgumentError, match="cycle_momentum needs an optimizer with momentum"):
        S.OneCycleLR(opt, max_lr=0.1, total_steps=10)
    with pytest.raises(xn.ArgumentError, match="total_steps, or epochs and steps_per_epoch"):
        S.OneCycleLR(opt, max_lr=0.1, cycle_momentum=False)
    with pytest.raises(xn.ArgumentError, match="anneal_strategy"):
        S.OneCycleLR(opt, max_lr=0.1, total_steps=5, anneal_strategy="exp", cycle_momentum=False)


def test_one_cycle_lr_drives_a_compiled_step_without_recording_again():
    """The learning rate and momentum move every step; a compiled step takes both as
    refreshed inputs (recorded once), and trains as the eager step does."""
    import numpy as np

    def run(compiled, scheduled=True):
        xn.manual_seed(0)
        model = nn.Linear(3, 2)
        opt = xn.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        sched = S.OneCycleLR(opt, max_lr=0.5, total_steps=12) if scheduled else None
        x = xn.tensor(np.linspace(-1, 1, 12, dtype=np.float32).reshape(4, 3))

        def step(x):
            opt.zero_grad()
            loss = (model(x) ** 2).mean()
            loss.backward()
            opt.step()
            return loss.detach()

        f = xn.compile(step) if compiled else step
        losses = []
        for _ in range(11):
            losses.append(f(x).item())
            if sched is not None:
                sched.step()
        return losses, f

    eager, _ = run(False)
    losses, f = run(True)
    _, unscheduled = run(True, scheduled=False)
    assert f.recordings == unscheduled.recordings and f.replays == 11 - f.recordings >= 8
    np.testing.assert_allclose(losses, eager, rtol=1e-6)
    assert len(set(losses)) == len(losses)


@pytest.mark.parametrize("t_mult", [1, 2])
def test_cosine_annealing_warm_restarts_matches_pytorch_per_epoch_and_per_batch(t_mult):
    torch = pytest.importorskip("torch")
    topt = torch.optim.SGD([torch.nn.Parameter(torch.ones(1))], lr=0.1)
    tsched = torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(
        topt, T_0=3, T_mult=t_mult, eta_min=0.01
    )
    opt = _opt()
    sched = S.CosineAnnealingWarmRestarts(opt, T_0=3, T_mult=t_mult, eta_min=0.01)
    for _ in range(25):
        assert opt.param_groups[0]["lr"] == pytest.approx(topt.param_groups[0]["lr"], rel=1e-12)
        topt.step(), tsched.step(), opt.step(), sched.step()
    for e in np.arange(0, 12, 0.25):  # fractional epochs (a step per batch)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # PyTorch's deprecation of step(epoch)
            tsched.step(float(e))
        sched.step(float(e))
        assert opt.param_groups[0]["lr"] == pytest.approx(topt.param_groups[0]["lr"], rel=1e-12)
    with pytest.raises(xn.ArgumentError, match="T_0 must be a positive int"):
        S.CosineAnnealingWarmRestarts(opt, T_0=0)


def test_sequential_lr_warmup_then_decay_matches_pytorch_and_resumes():
    torch = pytest.importorskip("torch")

    def make(lib, opt):
        sch = lib.optim.lr_scheduler if lib is torch else S
        warm = sch.LinearLR(opt, start_factor=0.1, total_iters=3)
        decay = sch.CosineAnnealingLR(opt, T_max=10, eta_min=0.001)
        step = sch.StepLR(opt, step_size=2, gamma=0.5)
        return sch.SequentialLR(opt, [warm, decay, step], milestones=[3, 9])

    topt = torch.optim.SGD([torch.nn.Parameter(torch.ones(1))], lr=0.1)
    tsched = make(torch, topt)
    opt = _opt()
    sched = make(xn, opt)
    for _ in range(15):
        assert opt.param_groups[0]["lr"] == pytest.approx(topt.param_groups[0]["lr"], rel=1e-9)
        topt.step(), tsched.step(), opt.step(), sched.step()
    state = sched.state_dict()
    opt2 = _opt()
    again = make(xn, opt2)
    again.load_state_dict(state)
    for g in opt2.param_groups:
        g["lr"] = opt.param_groups[0]["lr"]
    opt.step(), sched.step(), opt2.step(), again.step()
    assert opt2.param_groups[0]["lr"] == pytest.approx(opt.param_groups[0]["lr"], rel=1e-12)
    with pytest.raises(xn.ArgumentError, match="3 schedulers need 2 increasing milestones"):
        S.SequentialLR(opt, sched._schedulers, milestones=[3])


@pytest.mark.parametrize(
    ("opt_name", "kw"),
    [
        ("SGD", dict(base_lr=0.01, max_lr=0.1, step_size_up=3, mode="triangular2")),
        ("SGD", dict(base_lr=[0.01, 0.02], max_lr=0.2, step_size_up=2, step_size_down=4,
                     mode="exp_range", gamma=0.9)),
        ("Adam", dict(base_lr=0.001, max_lr=0.01, step_size_up=4, base_momentum=0.85,
                      max_momentum=0.95)),
        ("Adam", dict(base_lr=0.001, max_lr=0.01, step_size_up=2, cycle_momentum=False,
                      scale_fn=lambda x: 1.0 / (1.0 + x), scale_mode="iterations")),
    ],
)  # fmt: skip
def test_cyclic_lr_matches_pytorch(opt_name, kw):
    torch = pytest.importorskip("torch")

    def groups(lib, make):
        return [{"params": [make()]}, {"params": [make()], "lr": 0.5}]

    extra = {"momentum": 0.9} if opt_name == "SGD" else {}
    topt = getattr(torch.optim, opt_name)(groups(torch, lambda: torch.nn.Parameter(torch.ones(1))),
                                          lr=0.1, **extra)  # fmt: skip
    opt = getattr(xn.optim, opt_name)(groups(xn, lambda: nn.Parameter(xn.ones(1))), lr=0.1, **extra)
    tsched = torch.optim.lr_scheduler.CyclicLR(topt, **kw)
    sched = S.CyclicLR(opt, **kw)
    key = "momentum" if opt_name == "SGD" else "betas"
    for _ in range(15):
        for g, tg in zip(opt.param_groups, topt.param_groups, strict=True):
            assert g["lr"] == pytest.approx(tg["lr"], rel=1e-12)
            assert g[key] == pytest.approx(tg[key], rel=1e-12)
        topt.step(), opt.step()
        tsched.step(), sched.step()


def test_multiplicative_lr_matches_pytorch():
    torch = pytest.importorskip("torch")
    topt = torch.optim.SGD([torch.nn.Parameter(torch.ones(1))], lr=0.1)
    tsched = torch.optim.lr_scheduler.MultiplicativeLR(topt, lambda e: 0.9 if e % 2 else 0.5)
    opt = _opt()
    sched = S.MultiplicativeLR(opt, lambda e: 0.9 if e % 2 else 0.5)
    for _ in range(8):
        assert opt.param_groups[0]["lr"] == pytest.approx(topt.param_groups[0]["lr"], rel=1e-12)
        topt.step(), opt.step()
        tsched.step(), sched.step()
    with pytest.raises(xn.ArgumentError, match="one per group"):
        S.MultiplicativeLR(_opt(), [lambda e: 1.0, lambda e: 1.0])
    with pytest.raises(xn.ArgumentError, match="cycle_momentum needs an optimizer"):
        S.CyclicLR(xn.optim.Adagrad([nn.Parameter(xn.ones(1))]), 0.01, 0.1)


CHAINS = {
    "constant+exponential": lambda m, o: [m.ConstantLR(o, factor=0.5, total_iters=4),
                                          m.ExponentialLR(o, gamma=0.9)],
    "step+linear": lambda m, o: [m.StepLR(o, 3, 0.5), m.LinearLR(o, 0.25, 1.0, 5)],
    "multistep+polynomial": lambda m, o: [m.MultiStepLR(o, [2, 6], 0.3), m.PolynomialLR(o, 8, 2.0)],
    "cosine+constant": lambda m, o: [m.CosineAnnealingLR(o, 6), m.ConstantLR(o, 0.1, 3)],
}  # fmt: skip


@pytest.mark.parametrize("chain", list(CHAINS))
def test_chained_scheduler_matches_pytorch(chain):
    torch = pytest.importorskip("torch")
    ts, xs = torch.optim.lr_scheduler, xn.optim.lr_scheduler
    to = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.7)
    xo = xn.optim.SGD([xn.nn.Parameter(xn.zeros(1))], lr=0.7)
    tchain, xchain = (
        ts.ChainedScheduler(CHAINS[chain](ts, to)),
        xs.ChainedScheduler(CHAINS[chain](xs, xo)),
    )
    got, want = [], []
    for _ in range(14):
        got.append(xchain.get_last_lr()[0])
        want.append(to.param_groups[0]["lr"])
        to.step()
        tchain.step()
        xchain.step()
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15)
    state = xchain.state_dict()
    again = xs.ChainedScheduler(CHAINS[chain](xs, xo))
    again.load_state_dict(state)
    assert again.get_last_lr() == xchain.get_last_lr()


def test_chained_scheduler_refuses_what_it_cannot_multiply():
    opt = xn.optim.SGD([xn.nn.Parameter(xn.zeros(1))], lr=0.1)
    other = xn.optim.SGD([xn.nn.Parameter(xn.zeros(1))], lr=0.1)
    sch = xn.optim.lr_scheduler
    with pytest.raises(
        xn.NotSupportedError, match="scheduler 1 \\(OneCycleLR\\) cannot be chained"
    ):
        sch.ChainedScheduler([sch.StepLR(opt, 2), sch.OneCycleLR(opt, 1.0, total_steps=10)])
    with pytest.raises(xn.NotSupportedError, match="CosineAnnealingLR with eta_min=0"):
        sch.ChainedScheduler([sch.CosineAnnealingLR(opt, 5, eta_min=0.01)])
    with pytest.raises(xn.ArgumentError, match="another optimizer"):
        sch.ChainedScheduler([sch.StepLR(opt, 2), sch.StepLR(other, 2)])
    with pytest.raises(xn.ArgumentError, match="at least one"):
        sch.ChainedScheduler([])


BACK_TO_BACK = {
    # PyTorch's documented "chaining": schedulers stepped one after another
    "exponential, multistep": lambda m, o: [m.ExponentialLR(o, 0.9), m.MultiStepLR(o, [3, 5], 0.1)],
    "constant, exponential": lambda m, o: [m.ConstantLR(o, 0.5, total_iters=4),
                                           m.ExponentialLR(o, 0.9)],
    "linear, cosine": lambda m, o: [m.LinearLR(o, 0.25, total_iters=4),
                                    m.CosineAnnealingLR(o, 10, eta_min=0.05)],
    "step, polynomial": lambda m, o: [m.StepLR(o, 2, 0.5), m.PolynomialLR(o, 8, 2.0)],
}  # fmt: skip


@pytest.mark.parametrize("hand", [None, 2], ids=["alone", "rate-set-by-hand"])
@pytest.mark.parametrize("chain", list(BACK_TO_BACK))
def test_schedulers_stepped_back_to_back_compose_as_pytorchs(chain, hand):
    """Two schedulers on one optimizer, or a rate set by hand mid-way, compose with the
    schedule: before, the last scheduler stepped silently overwrote the others' rates."""
    torch = pytest.importorskip("torch")
    ts, xs = torch.optim.lr_scheduler, xn.optim.lr_scheduler
    to = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.7)
    xo = xn.optim.SGD([xn.nn.Parameter(xn.zeros(1))], lr=0.7)
    tsch, xsch = BACK_TO_BACK[chain](ts, to), BACK_TO_BACK[chain](xs, xo)
    got, want = [], []
    for epoch in range(12):
        got.append(xo.param_groups[0]["lr"])
        want.append(to.param_groups[0]["lr"])
        to.step()
        if epoch == hand:
            to.param_groups[0]["lr"] *= 0.3
            xo.param_groups[0]["lr"] *= 0.3
        for t, x in zip(tsch, xsch, strict=True):
            t.step()
            x.step()
    np.testing.assert_allclose(got, want, rtol=1e-12)


def test_a_step_schedule_beside_reduce_on_plateau_keeps_both_as_pytorch():
    torch = pytest.importorskip("torch")
    ts, xs = torch.optim.lr_scheduler, xn.optim.lr_scheduler
    to = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
    xo = xn.optim.SGD([xn.nn.Parameter(xn.zeros(1))], lr=0.1)
    tstep, xstep = ts.StepLR(to, 4, 0.5), xs.StepLR(xo, 4, 0.5)
    tplat, xplat = ts.ReduceLROnPlateau(to, patience=1), xs.ReduceLROnPlateau(xo, patience=1)
    losses = [1.0, 0.8, 0.9, 0.95, 0.97, 0.7, 0.75, 0.8, 0.85, 0.6, 0.61, 0.62]
    for loss in losses:
        to.step()
        tstep.step(), xstep.step()
        tplat.step(loss), xplat.step(loss)
        assert xo.param_groups[0]["lr"] == pytest.approx(to.param_groups[0]["lr"], rel=1e-12)
    assert xo.param_groups[0]["lr"] < 0.1 * 0.5**2  # both reduced it


def test_a_resumed_scheduler_keeps_its_scale_with_or_without_the_optimizers_state():
    opt = _opt()
    sched = S.StepLR(opt, 2, 0.5)
    sched.step()
    opt.param_groups[0]["lr"] = 0.03  # by hand: the schedule goes on from 0.03
    for _ in range(3):
        sched.step()
    want = opt.param_groups[0]["lr"]
    assert want == pytest.approx(0.03 * 0.5**2)
    for restore_optimizer in (True, False):
        opt2 = _opt()
        if restore_optimizer:
            opt2.load_state_dict(opt.state_dict())
        sched2 = S.StepLR(opt2, 2, 0.5)
        sched2.load_state_dict(sched.state_dict())
        sched2.step()
        sched2.step()
        assert opt2.param_groups[0]["lr"] == pytest.approx(0.03 * 0.5**3)


@pytest.mark.parametrize("name", ["StepLR", "ExponentialLR", "CosineAnnealingLR", "LinearLR"])
def test_a_param_group_added_later_joins_the_schedule_as_in_pytorch(name):
    """Fine-tuning unfreezes layers with add_param_group while a scheduler runs: PyTorch's
    chainable schedules take the new group along from its own rate."""
    torch = pytest.importorskip("torch")
    kw = {"StepLR": {"step_size": 2, "gamma": 0.5}, "ExponentialLR": {"gamma": 0.8},
          "CosineAnnealingLR": {"T_max": 10}, "LinearLR": {"start_factor": 0.2, "total_iters": 6}}[name]  # fmt: skip
    to = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=1.0)
    xo = xn.optim.SGD([nn.Parameter(xn.zeros(1))], lr=1.0)
    ts, xs = getattr(torch.optim.lr_scheduler, name)(to, **kw), getattr(S, name)(xo, **kw)
    for _ in range(3):
        to.step()
        ts.step(), xs.step()
    to.add_param_group({"params": [torch.nn.Parameter(torch.zeros(1))], "lr": 0.1})
    xo.add_param_group({"params": [nn.Parameter(xn.zeros(1))], "lr": 0.1})
    for _ in range(5):
        to.step()
        ts.step(), xs.step()
        got = [g["lr"] for g in xo.param_groups]
        np.testing.assert_allclose(got, [g["lr"] for g in to.param_groups], rtol=1e-12)


def test_a_param_group_added_to_a_non_chainable_schedule_is_refused_clearly():
    opt = _opt()
    sched = S.LambdaLR(opt, lambda e: 0.9**e)
    opt.add_param_group({"params": [nn.Parameter(xn.zeros(1))], "lr": 0.5})
    with pytest.raises(xn.ArgumentError, match="make the scheduler after add_param_group"):
        sched.step()
