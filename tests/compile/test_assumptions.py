"""A compiled step checks what it assumes on every call: each case changes something a
recording read (a hyperparameter, a flag, a parameter's storage, the loss scale...)
between steps and requires the compiled run to equal the eager run of the same script.
Each was a silently different (or crashing) replay before these checks existed."""

from __future__ import annotations

import sys
import threading
import warnings

import numpy as np
import pytest

import xpnet as xn
from xpnet import nn

from .steps import train_step


def _data(b, n=3):
    rng = np.random.default_rng(3)
    return [
        (xn.tensor(rng.standard_normal((8, 4)).astype(np.float32), backend=b),
         xn.tensor(rng.integers(0, 3, 8), backend=b))
        for _ in range(n)
    ]  # fmt: skip


def _model(b):
    xn.manual_seed(0)
    return nn.Sequential(
        nn.Linear(4, 8, backend=b), nn.Tanh(), nn.Dropout(0.2), nn.Linear(8, 3, backend=b)
    )


def _run(b, compiled, change=None, make_opt=None, steps=8, at=4):
    """Train ``steps`` steps; ``change(model, opt)`` runs before step ``at``. Returns the
    losses, the final parameters and the function that ran the steps."""
    model = _model(b)
    opt = (make_opt or (lambda ps: xn.optim.SGD(ps, lr=0.1, momentum=0.9)))(
        list(model.parameters())
    )
    data = _data(b)
    xn.manual_seed(7)
    step = train_step(model, opt)
    f = xn.compile(step) if compiled else step
    losses = []
    for i in range(steps):
        if change is not None and i == at:
            with xn.no_grad():
                change(model, opt)
        losses.append(float(f(*data[i % len(data)]).item()))
    params = {k: v.numpy() for k, v in model.state_dict().items()}
    return losses, params, f


def _same(b, eager, comp, replayed=True):
    (le, pe, _), (lc, pc, f) = eager, comp
    assert f.compiled or not replayed, "the compiled run never replayed"
    if b.name == "numpy":
        assert lc == le
        for k in pe:
            np.testing.assert_array_equal(pc[k], pe[k], err_msg=k)
    else:
        np.testing.assert_allclose(lc, le, rtol=1e-6, atol=1e-6)
        for k in pe:
            np.testing.assert_allclose(pc[k], pe[k], rtol=1e-5, atol=1e-6, err_msg=k)


def _reload_opt(model, opt):
    sd = opt.state_dict()
    for s in sd["state"].values():
        for k, v in s.items():
            if isinstance(v, xn.Tensor):
                s[k] = v * 0.5
    opt.load_state_dict(sd)


def _new_parameter(model, opt):
    old = model[3].bias
    model[3].bias = nn.Parameter(old.detach() * 0.0 + 0.3)
    opt.param_groups[0]["params"][-1] = model[3].bias  # the optimizer follows, as a user would
    opt.state.pop(old, None)


def _copy_into(model, opt):
    model[0].weight.copy_(model[0].weight * 0.5)


def _assign_data(model, opt):
    model[0].weight.data = (model[0].weight * 0.5).data


def _load_module(model, opt):
    model.load_state_dict({k: v * 0.5 for k, v in model.state_dict().items()})


def _freeze(model, opt):
    model[0].weight.requires_grad_(False)


def _group(key, value):
    def change(model, opt):
        opt.param_groups[0][key] = value

    return change


CHANGES = {
    "requires_grad_(False)": _freeze,
    "optimizer.load_state_dict": _reload_opt,
    "momentum edited": _group("momentum", 0.5),
    "weight_decay edited": _group("weight_decay", 0.05),
    "dampening edited": _group("dampening", 0.3),
    "Dropout.p edited": lambda m, o: setattr(m[2], "p", 0.6),
    "eval mode": lambda m, o: m.eval(),
    "a new Parameter object": _new_parameter,
    "Tensor.copy_": _copy_into,
    "tensor.data =": _assign_data,
    "Module.load_state_dict": _load_module,
}


@pytest.mark.parametrize("change", list(CHANGES), ids=list(CHANGES))
def test_state_changed_between_steps_is_seen(backend, change):
    fn = CHANGES[change]
    _same(backend, _run(backend, False, fn), _run(backend, True, fn))


ADAM_CHANGES = {
    "betas": ("betas", (0.5, 0.9)),
    "eps": ("eps", 0.5),
    "weight_decay": ("weight_decay", 0.1),
    "amsgrad": ("amsgrad", True),
}


@pytest.mark.parametrize("change", list(ADAM_CHANGES), ids=list(ADAM_CHANGES))
def test_adam_hyperparameters_edited_between_steps(backend, change):
    key, value = ADAM_CHANGES[change]

    def make(ps):
        return xn.optim.Adam(ps, lr=0.01)

    def fn(model, opt):
        opt.param_groups[0][key] = value
        if key == "amsgrad":  # PyTorch creates the running maximum lazily too
            for p, s in opt.state.items():
                s["max_exp_avg_sq"] = xn.zeros_like(p)

    _same(backend, _run(backend, False, fn, make), _run(backend, True, fn, make))


LIVE_EDITS = {
    # optimizer, hyperparameters at capture, the edit, the recordings it adds (other code)
    "SGD momentum": (xn.optim.SGD, dict(lr=0.1, momentum=0.9), ("momentum", 0.5), 0),
    "SGD dampening": (xn.optim.SGD, dict(lr=0.1, momentum=0.9), ("dampening", 0.3), 0),
    "SGD weight_decay on": (xn.optim.SGD, dict(lr=0.1), ("weight_decay", 0.05), 2),
    # the first momentum step (it copies the gradient into new buffers) differs from the
    # next: one recording more before the program settles
    "SGD momentum on": (xn.optim.SGD, dict(lr=0.1), ("momentum", 0.9), 3),
    "Adam betas": (xn.optim.Adam, dict(lr=0.01), ("betas", (0.5, 0.9)), 0),
    "Adam eps": (xn.optim.Adam, dict(lr=0.01), ("eps", 0.5), 0),
    "AdamW weight_decay": (xn.optim.AdamW, dict(lr=0.01), ("weight_decay", 0.2), 0),
    "RMSprop alpha": (xn.optim.RMSprop, dict(lr=0.01, momentum=0.5), ("alpha", 0.5), 0),
    "RMSprop momentum off": (
        xn.optim.RMSprop,
        dict(lr=0.01, momentum=0.5),
        ("momentum", 0.0),
        2,
    ),
    "Adagrad eps": (xn.optim.Adagrad, dict(lr=0.1), ("eps", 0.1), 0),
}


@pytest.mark.parametrize("case", list(LIVE_EDITS), ids=list(LIVE_EDITS))
def test_numeric_hyperparameters_are_program_inputs(backend, case):
    """Editing a value only refills a program input (no new recording); a value that becomes
    or stops being zero selects other code, so the step is recorded again."""
    cls, kw, (key, value), recordings = LIVE_EDITS[case]

    def make(ps):
        return cls(ps, **kw)

    base = _run(backend, True, None, make)[2].recordings
    eager, comp = (
        _run(backend, False, _group(key, value), make),
        _run(backend, True, _group(key, value), make),
    )
    _same(backend, eager, comp)
    assert comp[2].recordings == base + recordings, (base, comp[2].recordings)


def test_add_param_group_after_capture(backend):
    extra = []

    def make(ps):
        return xn.optim.SGD(ps[:2], lr=0.1)

    def fn(model, opt):
        extra.append(model[3].weight)
        opt.add_param_group({"params": list(model[3].parameters()), "lr": 0.05})

    _same(backend, _run(backend, False, fn, make), _run(backend, True, fn, make))


def test_rmsprop_with_momentum_not_centered(backend):
    def make(ps):
        return xn.optim.RMSprop(ps, lr=0.01, momentum=0.5)  # grad_avg is None: skipped

    _same(backend, _run(backend, False, None, make), _run(backend, True, None, make))


def test_grad_scaler_scale_is_an_input_not_a_constant(backend):
    def run(compiled):
        xn.manual_seed(0)
        m = nn.Linear(4, 3, backend=backend)
        scaler = xn.amp.GradScaler(init_scale=1024.0)
        x, y = _data(backend)[0]

        def forward_backward(x, y):
            loss = nn.functional.cross_entropy(m(x), y)
            scaler.scale(loss).backward()
            return loss.detach()

        f = xn.compile(forward_backward) if compiled else forward_backward
        grads = []
        for i in range(6):
            m.zero_grad()
            f(x, y)
            grads.append(m.weight.grad.numpy())
            if i == 3:
                scaler.update(new_scale=8.0)
        return grads, f

    (ge, _), (gc, f) = run(False), run(True)
    assert f.compiled
    for a, c in zip(ge, gc, strict=True):
        np.testing.assert_allclose(c, a, rtol=1e-6, atol=1e-7)
    assert np.abs(gc[-1]).max() < 10  # scaled by 8, not by the 1024 of the capture


@pytest.mark.parametrize("inside", ["unscale_", "step"])
def test_grad_scaler_bookkeeping_inside_a_step_falls_back_with_its_name(inside):
    # unscale_ and step note Python state (and step reads the overflow flag): a replay would
    # skip both, so the step runs eagerly, saying why, and trains exactly as eager does
    def run(compiled):
        xn.manual_seed(0)
        m = nn.Linear(4, 3)
        opt = xn.optim.SGD(m.parameters(), lr=0.1)
        scaler = xn.amp.GradScaler(init_scale=256.0)
        x, y = _data(None)[0]

        def step(x, y):
            opt.zero_grad()
            scaler.scale(nn.functional.cross_entropy(m(x), y)).backward()
            if inside == "unscale_":
                scaler.unscale_(opt)
            scaler.step(opt)
            scaler.update()

        f = xn.compile(step) if compiled else step
        for _ in range(4):
            f(x, y)
        return m.weight.numpy(), f

    we, _ = run(False)
    with pytest.warns(xn.CompileWarning, match=f"GradScaler.{inside}"):
        wc, f = run(True)
    assert f.eager_reason is not None
    np.testing.assert_array_equal(wc, we)


def test_a_compiled_module_keeps_training_what_comes_before_it(backend):
    """head(f(x)).backward() with f = xn.compile(encoder) must reach the encoder's parameters
    on every call (a replay returns no graph, so such a call runs eagerly, after one warning)."""
    xn.manual_seed(0)
    enc, head = nn.Linear(4, 8, backend=backend), nn.Linear(8, 3, backend=backend)
    f = xn.compile(enc)
    x, y = _data(backend)[0]
    with pytest.warns(xn.CompileWarning, match="carries a graph"):
        for _ in range(4):
            enc.zero_grad()
            nn.functional.cross_entropy(head(f(x)), y).backward()
            assert enc.weight.grad is not None
            assert f(x).requires_grad
    with xn.no_grad():  # without a graph the same function is replayed
        for _ in range(3):
            out = f(x)
        np.testing.assert_allclose(out.numpy(), enc(x).numpy(), rtol=1e-6)
    assert f.compiled


def test_gradients_assigned_from_an_argument_are_replayed():
    w = xn.tensor([1.0, 2.0], requires_grad=True)
    opt = xn.optim.SGD([w], lr=0.5)

    def step(g):
        w.grad = g  # a gradient computed elsewhere
        opt.step()

    f = xn.compile(step)
    for k in range(5):
        f(xn.tensor([1.0, float(k % 2)]))
        assert w.grad is not None, f"call {k}: the assignment was not replayed"
        np.testing.assert_array_equal(w.grad.numpy(), [1.0, float(k % 2)])
    # eager: w -= 0.5 * [1, k % 2] for k = 0..4
    np.testing.assert_array_equal(w.numpy(), [1.0 - 2.5, 2.0 - 1.0])
    assert f.compiled


def test_a_step_without_zero_grad_then_an_update_outside():
    """backward in the compiled function, zero_grad and step outside it: each call sees the
    gradients the previous update left (none), as eagerly."""

    def run(compiled):
        xn.manual_seed(0)
        m = nn.Linear(4, 3)
        opt = xn.optim.SGD(m.parameters(), lr=0.1)
        x, y = _data(None)[0]

        def fb(x, y):
            loss = nn.functional.cross_entropy(m(x), y)
            loss.backward()
            return loss.detach()

        f = xn.compile(fb) if compiled else fb
        out = []
        for i in range(6):
            out.append(float(f(x, y).item()))
            if i % 2:  # accumulate two batches, then update outside
                opt.step()
                opt.zero_grad()
        return out, m.weight.numpy()

    (le, we), (lc, wc) = run(False), run(True)
    assert le == lc
    np.testing.assert_array_equal(wc, we)


def test_arguments_are_compared_by_content_not_identity():
    def scaled(x, cfg):
        return (x * cfg["scale"]).sum()

    f = xn.compile(scaled)
    x = xn.ones(2)
    got = [f(x, {"scale": s}).item() for s in (1.0, 1.0, 1.0, 3.0, 1.0)]
    assert got == [2.0, 2.0, 2.0, 6.0, 2.0]


def test_tensors_inside_containers_are_arguments():
    f = xn.compile(lambda batch: (batch["x"] * 2.0).sum())
    got = [f({"x": xn.full((2,), float(k))}).item() for k in range(4)]
    assert got == [0.0, 4.0, 8.0, 12.0]
    assert f.compiled


def test_an_unhashable_argument_falls_back_with_its_name():
    class Config:
        __hash__ = None  # type: ignore[assignment]
        scale = 2.0

    f = xn.compile(lambda x, c: (x * c.scale).sum())
    with pytest.warns(xn.CompileWarning, match=r"args\[1\] is a Config"):
        assert f(xn.ones(2), Config()).item() == 4.0


def test_a_read_through_data_falls_back_with_the_line():
    w = xn.tensor([1.0, 2.0])

    def step(x):
        loss = (w * x).sum()
        if float(loss.native()) > 100:  # Python branching on the native array
            return loss * 0.0
        return loss

    f = xn.compile(step)
    with pytest.warns(
        xn.CompileWarning,
        match=r"reads its native array \(tensor.native\(\)\) at .*float\(loss.native\(\)\)",
    ):
        f(xn.ones(2))
    got = [f(xn.full((2,), v)).item() for v in (1.0, 1.0, 100.0)]
    assert got == [3.0, 3.0, 0.0]


def test_a_changing_python_number_is_named_after_a_few_calls():
    w = xn.tensor([1.0, 2.0])
    f = xn.compile(lambda x, k: (w * x * k).sum())
    x = xn.ones(2)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        got = [f(x, float(k)).item() for k in range(12)]
    assert got == [3.0 * k for k in range(12)]
    msgs = [str(c.message) for c in caught if issubclass(c.category, xn.CompileWarning)]
    assert len(msgs) == 1, msgs
    assert "args[1]" in msgs[0] and "as tensors" in msgs[0]
    assert f.recordings <= 4  # eager from then on: no recording per value


SCALE = 2.0


def test_a_closure_or_global_number_is_part_of_the_signature():
    # a number the step reads from its closure or module globals is a constant of the
    # recording: changing it records again instead of replaying the old value
    x = xn.tensor(np.arange(4.0, dtype=np.float32))
    offset = 1.0

    def step(x):
        return x * SCALE + offset

    f = xn.compile(step)
    global SCALE
    for scale, off in [(2.0, 1.0)] * 3 + [(3.0, 1.0)] * 3 + [(3.0, -1.0)] * 3:
        SCALE, offset = scale, off
        np.testing.assert_array_equal(f(x).numpy(), np.arange(4.0) * scale + off)
    SCALE = 2.0
    assert f.compiled and f.eager_reason is None


def test_threads_record_their_own_steps():
    """Two threads compiling two steps at once: no spurious fallback, right values."""
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def worker(k):
        try:
            w = xn.tensor([float(k), 1.0])

            def step(x):
                for _ in range(50):  # long enough that the threads' recordings overlap
                    x = x * 1.0
                return (w * x).sum()

            f = xn.compile(step)
            start.wait()
            for i in range(20):
                assert f(xn.full((2,), float(i))).item() == (k + 1.0) * i
            assert f.compiled and f.eager_reason is None, f.eager_reason
            ops = [e.program.ops for v in f.entries.values() for e in v if e.program]
            assert ops == [52], f"thread {k} recorded {ops} operations: another thread's ops?"
        except BaseException as e:  # reported in the main thread
            errors.append(e)

    switch = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads often, inside the recordings
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            threads = [threading.Thread(target=worker, args=(k,)) for k in range(4)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
    finally:
        sys.setswitchinterval(switch)
    assert not errors, errors
    assert not [str(c.message) for c in caught], "spurious warnings"


def test_cuda_graph_replay_sees_state_changes():
    try:
        b = xn.get_backend("cupy")
    except xn.BackendUnavailableError as e:
        pytest.skip(f"cupy unavailable: {e}")

    def run(compiled, change):
        model = _model(b)
        model[2].p = 0.0  # no random draws: graphable
        opt = xn.optim.Adam(list(model.parameters()), lr=0.01)
        data = _data(b)
        step = train_step(model, opt)
        f = xn.compile(step, cuda_graph=True) if compiled else step
        out = []
        for i in range(10):
            if i == 5:
                with xn.no_grad():
                    change(model, opt)
            out.append(float(f(*data[i % 3]).item()))
        grads = [p.grad.numpy() for p in model.parameters()]
        return out, {k: v.numpy() for k, v in model.state_dict().items()}, grads

    for change in (_load_module, _reload_opt, _assign_data, _group("eps", 0.1)):
        (le, pe, ge), (lc, pc, gc) = run(False, change), run(True, change)
        np.testing.assert_allclose(lc, le, rtol=1e-5, atol=1e-6)
        for k in pe:
            np.testing.assert_allclose(pc[k], pe[k], rtol=1e-5, atol=1e-6, err_msg=k)
        for a, c in zip(ge, gc, strict=True):
            np.testing.assert_allclose(c, a, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize(
    "make",
    [lambda ps: xn.optim.Adam(ps, lr=0.05), lambda ps: xn.optim.SGD(ps, lr=0.1, momentum=0.9)],
    ids=["adam", "sgd-momentum"],
)
def test_parameters_updated_apart_leave_the_multi_tensor_update(backend, make):
    """A compiled step updates the parameters that share their scalars (Adam: the same step
    count) with one call. An eager step that updates only one of them between two compiled
    steps splits them (Adam's counts differ, SGD's first momentum step): the replay must not
    update them together any more."""
    x = xn.tensor(np.linspace(-1, 1, 6).reshape(2, 3).astype(np.float32), backend=backend)
    results = [_apart(x, make, backend, compiled) for compiled in (True, False)]
    (l1, a1, b1), (l2, a2, b2) = results
    tol = dict(rtol=1e-5, atol=1e-6)  # jax.jit's fused arithmetic rounds differently
    np.testing.assert_allclose(l1, l2, **tol)
    np.testing.assert_allclose(a1, a2, **tol)
    np.testing.assert_allclose(b1, b2, **tol)


def _apart(x, make, backend, compiled):
    w1 = nn.Parameter(xn.tensor(np.ones((3, 2), dtype=np.float32), backend=backend))
    w2 = nn.Parameter(xn.tensor(np.full((2, 1), 0.5, dtype=np.float32), backend=backend))
    opt = make([w1, w2])

    def step(x, both=True):
        opt.zero_grad()
        h = x @ w1
        loss = ((h @ w2) ** 2).sum() if both else (h**2).sum()
        loss.backward()
        opt.step()
        return loss

    f = xn.compile(step) if compiled else step
    losses = [f(x).item() for _ in range(5)]
    replays = getattr(f, "replays", 0)
    step(x, both=False)  # eager: w1 alone moves on (w2.grad is None)
    losses += [f(x).item() for _ in range(5)]
    if compiled:  # replayed before and after the split
        assert replays >= 1 and f.replays >= replays + 1
    return losses, w1.numpy(), w2.numpy()


class _TorchStyleSGD(xn.optim.Optimizer):
    """An optimizer written as PyTorch's documentation shows: its own ``step`` reading
    ``group["lr"]`` as a number and ``self.state[p]`` as a dict to fill."""

    def __init__(self, params, lr=0.1, momentum=0.9):
        super().__init__(params, dict(lr=lr, momentum=momentum))

    @xn.no_grad()
    def step(self, closure=None):
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state[p]
                if "momentum_buffer" not in state:
                    state["momentum_buffer"] = xn.clone(p.grad).detach()
                else:
                    state["momentum_buffer"].mul_(group["momentum"]).add_(p.grad)
                p.add_(state["momentum_buffer"], alpha=-group["lr"])


class _OwnUpdate(xn.optim.Optimizer):
    """xpnet's extension point, ``_update``, reading ``lr`` as a number."""

    def __init__(self, params, lr=0.1):
        super().__init__(params, dict(lr=lr))

    def _update(self, p, grad, state, group):
        p -= group["lr"] * grad


@pytest.mark.parametrize("cls", [_TorchStyleSGD, _OwnUpdate], ids=["own step", "own _update"])
@pytest.mark.parametrize("edit", ["lr once", "lr every step", "momentum"])
def test_optimizers_written_by_users_see_their_hyperparameters(backend, cls, edit):
    """A recording fixes the numbers such code reads: each edit records again (it was a
    silently stale replay: the learning rate at the first recording forever)."""
    if edit == "momentum" and cls is _OwnUpdate:
        pytest.skip("_OwnUpdate has no momentum")

    def change(model, opt):
        if edit == "lr once":
            opt.param_groups[0]["lr"] = 0.0
        elif edit == "momentum":
            opt.param_groups[0]["momentum"] = 0.5

    def make(ps):
        return cls(ps, lr=0.1)

    def run(compiled):
        if edit != "lr every step":
            return _run(backend, compiled, change, make)
        model, data = _model(backend), _data(backend)
        opt = make(list(model.parameters()))
        xn.manual_seed(7)
        step = train_step(model, opt)
        f = xn.compile(step) if compiled else step
        losses = []
        for i in range(8):
            opt.param_groups[0]["lr"] = 0.1 / (i + 1)
            losses.append(float(f(*data[i % len(data)]).item()))
        return losses, {k: v.numpy() for k, v in model.state_dict().items()}, f

    # (a learning rate edited before every step is recorded again every step: correct,
    # never a replay)
    _same(backend, run(False), run(True), replayed=edit != "lr every step")


def test_optimizer_state_is_a_defaultdict():
    p = nn.Parameter(xn.ones(2))
    opt = _TorchStyleSGD([p])
    assert opt.state[p] == {}  # PyTorch's: a parameter's state reads as an empty dict
    p.grad = xn.ones(2)
    opt.step()
    opt2 = _TorchStyleSGD([p])
    opt2.load_state_dict(opt.state_dict())
    assert opt2.state[p]["momentum_buffer"].tolist() == [1.0, 1.0]
    assert opt2.state[nn.Parameter(xn.ones(1))] == {}
