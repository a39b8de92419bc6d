"""fit: history, validation, metrics, early stopping, schedules, checkpoints and exact resume."""

from __future__ import annotations

import pytest

import xpnet as xn
from xpnet import nn
from xpnet.data import ArrayDataset, DataLoader


def _problem(backend=None):
    x, y = xn.datasets.spirals(240, classes=3, seed=0)
    kw = {"backend": backend, "device": backend.device} if backend is not None else {}
    train = DataLoader(ArrayDataset(x[:200], y[:200]), 32, shuffle=True, seed=1, **kw)
    val = DataLoader(ArrayDataset(x[200:], y[200:]), 100, **kw)
    return train, val


def _model(**kw):
    xn.manual_seed(0)
    return nn.Sequential(nn.Linear(2, 32, **kw), nn.ReLU(), nn.Dropout(0.1), nn.Linear(32, 3, **kw))


def test_fit_records_history_and_learns(backend):
    train, val = _problem(backend)
    model = _model(backend=backend, device=backend.device)
    opt = xn.optim.Adam(model.parameters(), lr=0.02)
    h = xn.train.fit(
        model, nn.functional.cross_entropy, opt, train, 15, val_loader=val, progress=False, log=None
    )
    assert len(h) == 15 and h["epoch"] == list(range(1, 16))
    for key in ("loss", "accuracy", "val_loss", "val_accuracy", "lr", "seconds", "samples_per_s"):
        assert len(h[key]) == 15, key
    assert h["loss"][-1] < 0.6 * h["loss"][0] and h["accuracy"][-1] > 0.7


def test_early_stopping_and_plateau_scheduler():
    train, val = _problem()
    model = _model()
    opt = xn.optim.SGD(model.parameters(), lr=1e-6)  # learns nothing: val_loss plateaus
    sched = xn.optim.lr_scheduler.ReduceLROnPlateau(opt, patience=0, factor=0.5)
    stop = xn.train.EarlyStopping(patience=2, min_delta=1e-3)
    h = xn.train.fit(model, nn.functional.cross_entropy, opt, train, 30, val_loader=val, callbacks=[stop],
                     scheduler=sched, progress=False, log=None)  # fmt: skip
    assert len(h) == 3 and stop.best_epoch == 0
    assert h["lr"][0] == 1e-6 and opt.param_groups[0]["lr"] < 1e-6


@pytest.mark.parametrize("name", ["numpy", "cupy"])
def test_resume_is_bit_identical(tmp_path, name):
    # Dropout draws from the backend's generator: resuming must restore its stream.
    try:
        b = xn.get_backend(name)
    except xn.BackendUnavailableError as e:
        pytest.skip(f"{name} unavailable: {e}")
    train, val = _problem(b)

    def run(epochs, resume, path):
        model = _model(backend=b)
        xn.manual_seed(0)  # the same dropout stream for both runs
        opt = xn.optim.AdamW(model.parameters(), lr=0.01)
        sched = xn.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
        loader = DataLoader(train.dataset, 32, shuffle=True, seed=1, backend=b)
        return xn.train.fit(model, nn.functional.cross_entropy, opt, loader, epochs, val_loader=val,
                            scheduler=sched, checkpoint=path, resume=resume, progress=False, log=None)  # fmt: skip

    straight = run(6, False, tmp_path / "a.xpn")
    run(3, False, tmp_path / "b.xpn")  # stops after epoch 3, as if interrupted
    resumed = run(6, True, tmp_path / "b.xpn")
    assert resumed["loss"] == straight["loss"] and resumed["val_loss"] == straight["val_loss"]
    assert resumed["lr"] == straight["lr"]


def test_progress_bar_and_log(capsys):
    train, _val = _problem()
    model = _model()
    opt = xn.optim.Adam(model.parameters(), lr=0.01)
    xn.train.fit(model, nn.functional.cross_entropy, opt, train, 1, progress=True)
    captured = capsys.readouterr()
    assert "epoch 1/1" in captured.out and "loss" in captured.out
    try:
        import tqdm  # noqa: F401
    except ImportError:  # the bar is optional (the GPU image has no tqdm): the log line stays
        return
    assert "samples_per_s" in captured.err  # tqdm's postfix


def test_history_plot(tmp_path):
    pytest.importorskip("matplotlib")
    h = xn.train.History()
    for e in range(3):
        h.append(
            {
                "epoch": e + 1,
                "loss": 1.0 / (e + 1),
                "val_loss": 1.2 / (e + 1),
                "accuracy": 0.5 + e / 10,
            }
        )
    path = h.plot(tmp_path / "curves.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 5000


def test_metrics():
    logits = xn.tensor([[2.0, 0.1, 0.0], [0.0, 3.0, 0.0], [0.0, 0.0, 1.0], [5.0, 0.0, 0.0]])
    target = xn.tensor([0, 1, 1, 2])
    assert xn.train.accuracy(logits, target) == 0.5
    cm = xn.train.confusion_matrix(logits, target, 3)
    assert cm.tolist() == [[1, 0, 0], [0, 1, 1], [1, 0, 0]]
    probs = xn.tensor([0.9, 0.2, 0.6])
    assert xn.train.accuracy(probs, xn.tensor([1, 0, 0])) == pytest.approx(2 / 3)
    with pytest.raises(ValueError, match="unknown metric"):
        xn.train.fit(_model(), nn.functional.cross_entropy, xn.optim.SGD(_model().parameters(), lr=0.1),
                     _problem()[0], 1, metrics=["f1"], progress=False, log=None)  # fmt: skip


def _poisoned(after: int, batch: int = 20):
    """A loader of 10 batches whose data turn to NaN from batch ``after`` on."""
    x, y = xn.datasets.spirals(200, classes=3, seed=0)
    x = x.copy()
    x[after * batch :] = float("nan")
    return DataLoader(ArrayDataset(x, y), batch)


def _good_checkpoint(path):
    """A model, its optimizer, the clean loader, and the checkpoint bytes of one clean epoch."""
    model = _model()
    opt = xn.optim.SGD(model.parameters(), lr=0.05)
    clean = DataLoader(ArrayDataset(*xn.datasets.spirals(200, classes=3, seed=0)), 20)
    xn.train.fit(
        model, nn.functional.cross_entropy, opt, clean, 1, checkpoint=path, progress=False, log=None
    )
    return model, opt, clean, path.read_bytes()


def test_nonfinite_loss_stops_fit_and_keeps_the_good_checkpoint(tmp_path):
    path = tmp_path / "ckpt.xpn"
    model, opt, _, good = _good_checkpoint(path)
    with pytest.raises(xn.NonFiniteError, match="NaN or infinite in epoch 1"):
        xn.train.fit(model, nn.functional.cross_entropy, opt, _poisoned(4), 1, checkpoint=path,
                     progress=False, log=None, log_every=3)  # fmt: skip
    assert path.read_bytes() == good


def test_nonfinite_steps_can_be_skipped():
    model = _model()
    opt = xn.optim.SGD(model.parameters(), lr=0.05)
    h = xn.train.fit(model, nn.functional.cross_entropy, opt, _poisoned(7), 2,
                     on_nonfinite="skip", progress=False, log=None)  # fmt: skip
    assert h["skipped_steps"] == [3, 3]
    assert all(bool(xn.all(xn.isfinite(p)).item()) for p in model.parameters())


def test_checkpoint_is_not_written_over_nonfinite_parameters(tmp_path):
    path = tmp_path / "ckpt.xpn"
    model, opt, clean, good = _good_checkpoint(path)

    class Poison(xn.train.Callback):  # damages the weights after the epoch's checks
        def on_epoch_end(self, epoch, logs):
            with xn.no_grad():
                model[0].weight.data[0, 0] = float("inf")
            return False

    with pytest.raises(xn.NonFiniteError, match="left as it was"):
        xn.train.fit(model, nn.functional.cross_entropy, opt, clean, 1, callbacks=[Poison()],
                     checkpoint=path, progress=False, log=None)  # fmt: skip
    assert path.read_bytes() == good


def test_default_metrics_follow_the_task():
    x = xn.datasets.spirals(100, classes=3, seed=0)[0].astype("float32")
    model = nn.Sequential(
        nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 2)
    )  # an autoencoder-ish regression
    loader = DataLoader(ArrayDataset(x, x), 25)
    h = xn.train.fit(model, nn.functional.mse_loss, xn.optim.SGD(model.parameters(), lr=0.1), loader, 1,
                     val_loader=loader, progress=False, log=None)  # fmt: skip
    assert "accuracy" not in h and "val_accuracy" not in h and "val_loss" in h
    with pytest.raises(xn.DTypeError, match="values other than 0 and 1"):
        xn.train.fit(model, nn.functional.mse_loss, xn.optim.SGD(model.parameters(), lr=0.1), loader, 1,
                     metrics=["accuracy"], progress=False, log=None)  # fmt: skip


def test_fit_makes_no_host_read_per_step_on_a_device():
    b = xn.get_backend("array_api_strict", "device1")

    def reads(epochs_of_steps: int) -> int:
        x, y = xn.datasets.spirals(640, classes=3, seed=0)
        loader = DataLoader(ArrayDataset(x, y), 640 // epochs_of_steps, shuffle=True, backend=b)
        model = _model(backend=b)
        opt = xn.optim.Adam(model.parameters(), lr=0.01)
        sched = xn.optim.lr_scheduler.StepLR(opt, 10)
        before = xn.backend.HOST_READS[0]
        xn.train.fit(model, nn.functional.cross_entropy, opt, loader, 1, scheduler=sched,
                     scheduler_interval="step", progress=False, log=None, log_every=10_000)  # fmt: skip
        return xn.backend.HOST_READS[0] - before

    fifty, hundred = reads(50), reads(100)
    assert fifty == hundred, f"{fifty} host reads for 50 steps, {hundred} for 100"
    assert fifty <= 4  # the epoch's loss and accuracy, read once each at its end


def test_compiled_fit_equals_eager_fit():
    def run(compile):
        train, val = _problem()
        model = _model()
        opt = xn.optim.Adam(model.parameters(), lr=0.02)
        sched = xn.optim.lr_scheduler.StepLR(opt, step_size=3, gamma=0.5)
        xn.manual_seed(3)
        return xn.train.fit(model, nn.functional.cross_entropy, opt, train, 4, val_loader=val,
                            scheduler=sched, scheduler_interval="step", progress=False, log=None,
                            compile=compile)  # fmt: skip

    eager, compiled = run(False), run(True)
    for k in ("loss", "accuracy", "val_loss", "val_accuracy", "lr"):
        assert compiled[k] == eager[k], k  # bit-identical on NumPy
    with pytest.raises(xn.ArgumentError, match="compile=True cannot skip"):
        xn.train.fit(_model(), nn.functional.cross_entropy, xn.optim.SGD(_model().parameters(), lr=0.1),
                     _problem()[0], 1, compile=True, on_nonfinite="skip", progress=False, log=None)  # fmt: skip


def _regression(n=48, seed=0):
    import numpy as np

    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, 4)).astype("float32")
    y = (x @ rng.standard_normal((4, 1))).astype("float32")
    return x, y


@pytest.mark.parametrize("compile_", [False, True])
def test_grad_accumulation_equals_one_big_batch(compile_):
    # 4 batches of 6, accumulated, are one step on the batch of 24 (a mean loss), also for a
    # short last group (2 batches out of 4: its gradient is their mean, not half of it).
    x, y = _regression(36)

    def run(batch, accum):
        xn.manual_seed(0)
        model = nn.Linear(4, 1)
        opt = xn.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        loader = DataLoader(ArrayDataset(x, y), batch)
        xn.train.fit(model, nn.functional.mse_loss, opt, loader, 3, grad_accumulation_steps=accum,
                     compile=compile_, progress=False, log=None)  # fmt: skip
        return model.weight.numpy(), model.bias.numpy()

    import numpy as np

    for got, want in zip(run(6, 4), run(24, 1), strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def test_clip_grad_norm_bounds_every_step_and_logs_the_norm():
    import numpy as np

    x, y = _regression(32)
    y = y * 100.0  # large gradients
    xn.manual_seed(0)
    model = nn.Linear(4, 1)
    before = model.weight.numpy().copy()
    opt = xn.optim.SGD(model.parameters(), lr=1.0)
    loader = DataLoader(ArrayDataset(x, y), 32)
    h = xn.train.fit(model, nn.functional.mse_loss, opt, loader, 1, clip_grad_norm=0.5,
                     progress=False, log=None)  # fmt: skip
    step = np.concatenate([(model.weight.numpy() - before).ravel()])
    assert h["grad_norm"][0] > 0.5
    assert np.linalg.norm(step) <= 0.5 + 1e-5  # one SGD step of a gradient clipped to norm 0.5


@pytest.mark.parametrize(
    "kw, pattern",
    [
        ({"grad_accumulation_steps": 0}, "grad_accumulation_steps must be a positive int"),
        ({"grad_accumulation_steps": 1.5}, "grad_accumulation_steps must be a positive int"),
        ({"clip_grad_norm": 0.0}, "clip_grad_norm must be positive"),
    ],
)
def test_fit_refuses_bad_accumulation_and_clipping(kw, pattern):
    x, y = _regression(8)
    model = nn.Linear(4, 1)
    opt = xn.optim.SGD(model.parameters(), lr=0.1)
    with pytest.raises(xn.ArgumentError, match=pattern):
        xn.train.fit(model, nn.functional.mse_loss, opt, DataLoader(ArrayDataset(x, y), 4), 1,
                     progress=False, log=None, **kw)  # fmt: skip


def test_fit_accepts_any_iterable_of_batches_and_a_per_step_scheduler():
    x, y = _regression(16)
    batches = [(xn.tensor(x[i : i + 4]), xn.tensor(y[i : i + 4])) for i in range(0, 16, 4)]
    model = nn.Linear(4, 1)
    opt = xn.optim.SGD(model.parameters(), lr=0.1)
    sched = xn.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
    h = xn.train.fit(model, nn.functional.mse_loss, opt, iter(batches), 1, scheduler=sched,
                     scheduler_interval="step", progress=False, log=None)  # fmt: skip
    assert len(h) == 1 and opt.param_groups[0]["lr"] == pytest.approx(0.1 * 0.5**4)


def test_history_repr_len_indexing_and_to_dict():
    h = xn.train.History()
    for e in range(3):
        h.append({"epoch": e + 1, "loss": 1.0 / (e + 1), "lr": 0.1})
    assert len(h) == 3 and h[-1] == {"epoch": 3, "loss": pytest.approx(1 / 3), "lr": 0.1}
    assert (
        h[0]["loss"] == 1.0 and repr(h) == "History(3 epochs; last: epoch=3, loss=0.3333, lr=0.1)"
    )
    assert h.to_dict() == {"epoch": [1, 2, 3], "loss": [1.0, 0.5, 1 / 3], "lr": [0.1, 0.1, 0.1]}
    with pytest.raises(xn.OutOfRangeError, match="epoch index 3 out of range for 3 epoch"):
        h[3]
    with pytest.raises(xn.KeyMismatchError, match="History has no 'accuracy'"):
        h["accuracy"]


def test_history_plot_leaves_matplotlibs_backend_alone(tmp_path):
    matplotlib = pytest.importorskip("matplotlib")
    before = matplotlib.get_backend()
    matplotlib.use("svg")  # not Agg: a plot that switched to Agg would show here
    try:
        h = xn.train.History({"epoch": [1, 2], "loss": [1.0, 0.5]})
        h.plot(tmp_path / "c.png")
        assert matplotlib.get_backend() == "svg"
        assert (tmp_path / "c.png").read_bytes()[:4] == b"\x89PNG"
    finally:
        matplotlib.use(before)
