"""xn.compile: a replayed step equals the eager step, on every backend, for models,
optimizers and schedules; what cannot be captured falls back with a warning."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import xpnet as xn
from xpnet import nn

from .steps import train_step

OPTIMIZERS = {
    "sgd": lambda ps: xn.optim.SGD(ps, lr=0.05),
    "sgd-momentum-wd": lambda ps: xn.optim.SGD(ps, lr=0.05, momentum=0.9, weight_decay=1e-3),
    "sgd-nesterov": lambda ps: xn.optim.SGD(ps, lr=0.05, momentum=0.9, nesterov=True),
    "adam-amsgrad": lambda ps: xn.optim.Adam(ps, lr=0.01, amsgrad=True),
    "adamw": lambda ps: xn.optim.AdamW(ps, lr=0.01),
    "rmsprop-centered-momentum": lambda ps: xn.optim.RMSprop(
        ps, lr=0.01, momentum=0.5, centered=True
    ),
    "adagrad": lambda ps: xn.optim.Adagrad(ps, lr=0.05, lr_decay=0.01),
    "adamax": lambda ps: xn.optim.Adamax(ps, lr=0.01, weight_decay=1e-3),
    "adadelta": lambda ps: xn.optim.Adadelta(ps, lr=0.5),
    "rprop": lambda ps: xn.optim.Rprop(ps, lr=0.01, etas=(0.4, 1.3)),
    "nadam-decoupled": lambda ps: xn.optim.NAdam(
        ps, lr=0.01, weight_decay=0.01, decoupled_weight_decay=True
    ),
    # its update takes the rectified branch from step 6 on: recorded again there
    "radam": lambda ps: xn.optim.RAdam(ps, lr=0.01),
    "adam-maximize": lambda ps: xn.optim.Adam(ps, lr=0.001, maximize=True),  # ascends
}


def _mlp(b):
    xn.manual_seed(0)
    return nn.Sequential(
        nn.Linear(6, 16, backend=b), nn.Tanh(), nn.Dropout(0.25), nn.Linear(16, 3, backend=b)
    )


def _cnn(
    b,
):  # no conv bias before BatchNorm: its gradient is 0, and Adam would amplify rounding noise
    xn.manual_seed(0)
    return nn.Sequential(
        nn.Conv2d(1, 4, 3, padding=1, bias=False, backend=b), nn.BatchNorm2d(4, backend=b), nn.ReLU(),
        nn.MaxPool2d(2), nn.Dropout(0.1), nn.Flatten(), nn.Linear(4 * 4 * 4, 3, backend=b),
    )  # fmt: skip


def _batches(b, image, n=4):
    rng = np.random.default_rng(1)
    shape = (8, 1, 8, 8) if image else (8, 6)
    return [
        (xn.tensor(rng.standard_normal(shape).astype(np.float32), backend=b),
         xn.tensor(rng.integers(0, 3, 8), backend=b))
        for _ in range(n)
    ]  # fmt: skip


def _train(b, make_model, make_opt, image, steps, compiled, scheduler=False):
    model = make_model(b)
    opt = make_opt(list(model.parameters()))
    sched = xn.optim.lr_scheduler.ExponentialLR(opt, gamma=0.97) if scheduler else None
    data = _batches(b, image)
    xn.manual_seed(5)  # the dropout stream

    step = train_step(model, opt)

    f = xn.compile(step, cuda_graph=compiled == "graph") if compiled else step
    losses = []
    for i in range(steps):
        losses.append(f(*data[i % len(data)]))
        if sched is not None:
            sched.step()
    return [float(v.item()) for v in losses], model, opt, f


def _state(model, opt):
    out = {k: v.numpy() for k, v in model.state_dict().items()}
    for i, s in opt.state_dict()["state"].items():
        for k, v in s.items():
            out[f"opt{i}.{k}"] = v.numpy() if isinstance(v, xn.Tensor) else np.asarray(v)
    return out


def _compare(b, eager, compiled, slack=4):
    (le, me, oe, _), (lc, mc, oc, f) = eager, compiled
    assert f.compiled and f.replays >= len(lc) - slack, f"replayed {f.replays} of {len(lc)} steps"
    exact = b.name == "numpy"
    if exact:
        assert le == lc
    else:
        np.testing.assert_allclose(lc, le, rtol=1e-6, atol=1e-6)
    se, sc = _state(me, oe), _state(mc, oc)
    assert se.keys() == sc.keys()
    for k in se:
        if exact:
            np.testing.assert_array_equal(sc[k], se[k], err_msg=k)
        else:
            np.testing.assert_allclose(sc[k], se[k], rtol=1e-5, atol=1e-6, err_msg=k)


@pytest.mark.parametrize("opt", list(OPTIMIZERS), ids=list(OPTIMIZERS))
def test_mlp_with_every_optimizer_and_a_per_step_schedule(backend, opt):
    steps = 100 if backend.name in ("numpy", "array_api_strict") else 30
    eager = _train(backend, _mlp, OPTIMIZERS[opt], False, steps, False, scheduler=True)
    comp = _train(backend, _mlp, OPTIMIZERS[opt], False, steps, True, scheduler=True)
    _compare(backend, eager, comp, slack=6 if opt == "radam" else 4)  # RAdam: two recordings
    # more where its update turns to the rectified branch


def test_cnn_with_batchnorm_dropout_and_pooling(backend):
    steps = 100 if backend.name == "numpy" else 20
    opt = OPTIMIZERS["adam-amsgrad"]
    eager = _train(backend, _cnn, opt, True, steps, False)
    comp = _train(backend, _cnn, opt, True, steps, True)
    _compare(backend, eager, comp)
    bn = comp[1][1]
    assert bn.num_batches_tracked.item() == steps  # running statistics kept moving


def test_a_host_read_falls_back_to_eager_with_one_warning():
    model = _mlp(None)
    opt = xn.optim.SGD(model.parameters(), lr=0.1)

    def step(x, y):
        opt.zero_grad()
        loss = nn.functional.cross_entropy(model(x), y)
        if loss.item() > 100:  # Python branching on a value: cannot be replayed
            loss = loss * 0.0
        loss.backward()
        opt.step()
        return loss

    f = xn.compile(step)
    x, y = _batches(None, False)[0]
    with pytest.warns(
        xn.CompileWarning, match=r"runs eagerly from now on: a value is read back.*loss.item\(\)"
    ):
        f(x, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # warned once only
        for _ in range(3):
            f(x, y)
    assert not f.compiled and f.eager_reason is not None


def test_a_python_value_that_changes_every_call_falls_back():
    w = xn.tensor([1.0, 2.0])  # (a result with a live graph would run eagerly at once)
    calls = [0]

    def step(x):
        calls[0] += 1
        return (w * x * float(calls[0])).sum()

    f = xn.compile(step)
    with pytest.warns(xn.CompileWarning, match="all differ, first at instruction"):
        for _ in range(5):
            f(xn.ones(2))
    assert f(xn.ones(2)).item() == pytest.approx(3.0 * 6)  # still right, eagerly


def test_train_and_eval_get_their_own_programs():
    model = _mlp(None)

    def infer(x):
        with xn.no_grad():  # (a result that carries a graph is not replayed)
            return model(x)

    f = xn.compile(infer)
    x = _batches(None, False)[0][0]
    model.eval()
    ev = [f(x).numpy() for _ in range(3)]
    model.train()
    tr = [f(x).numpy() for _ in range(3)]
    model.eval()
    again = f(x).numpy()
    np.testing.assert_array_equal(again, ev[0])  # eval: no dropout, deterministic
    assert not np.array_equal(tr[1], tr[2])  # train: fresh dropout masks every call
    assert sum(len(v) for v in f.entries.values()) == 2


def test_new_shapes_record_new_programs_and_replays_free_intermediates():
    w = xn.tensor(np.ones((3, 3), dtype=np.float32), requires_grad=True)

    def step(x):
        y = (x @ w).exp()
        z = (y * 2.0).sum()
        z.backward()
        return z

    f = xn.compile(step)
    for n in (2, 2, 2, 5, 5, 5):
        out = f(xn.ones(n, 3))
        assert out.item() == pytest.approx(2.0 * n * 3 * np.exp(3.0), rel=1e-5)
    assert len(f.entries) == 2 and f.compiled
    assert "del matmul_0" in f.source()  # intermediates are released after their last use


def test_cuda_graph_replay_matches_eager():
    try:
        b = xn.get_backend("cupy")
    except xn.BackendUnavailableError as e:
        pytest.skip(f"cupy unavailable: {e}")

    def mlp(b):
        xn.manual_seed(0)
        return nn.Sequential(nn.Linear(6, 16, backend=b), nn.Tanh(), nn.Linear(16, 3, backend=b))

    make_opt = OPTIMIZERS["adam-amsgrad"]
    eager = _train(b, mlp, make_opt, False, 40, False, scheduler=True)
    comp = _train(b, mlp, make_opt, False, 40, "graph", scheduler=True)
    _compare(b, eager, comp)
    program = next(e.program for v in comp[3].entries.values() for e in v if e.program)
    assert type(program).__name__ == "CudaGraphProgram" and program.failed is None, program.failed
    assert program.graph.captured


def test_the_key_of_no_keyword_arguments_is_what_flattening_an_empty_dict_gives():
    """A call without keyword arguments skips walking ``{}``: its key part must stay equal."""
    from xpnet._compile import _NO_KWARGS, _flatten

    parts: list = []
    _flatten({}, [], parts, "kwargs")
    assert parts == [_NO_KWARGS]

    @xn.compile
    def f(x, scale=2.0):
        return x * scale

    x = xn.ones(3)
    for _ in range(4):  # with and without the keyword: two signatures, both replayed
        assert f(x).tolist() == [2.0] * 3 and f(x, scale=2.0).tolist() == [2.0] * 3
    assert f(x, scale=3.0).tolist() == [3.0] * 3
    assert f.replays >= 4
