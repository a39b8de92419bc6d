"""fit's non-finite handling (a NaN gradient under a finite loss), resuming from the wrong
file, EarlyStopping(restore_best_weights) and ModelCheckpoint (the best model on disk)."""

from __future__ import annotations

import math

import numpy as np
import pytest

import xpnet as xn
from xpnet import nn
from xpnet.data import ArrayDataset, DataLoader


@pytest.fixture(autouse=True)
def _no_float_warnings():
    with np.errstate(all="ignore"):  # the NaN gradients below are made on purpose
        yield


def _loader(n=40, batch=8):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((n, 3)).astype(np.float32)
    y = (x @ np.array([[1.0], [-2.0], [0.5]], np.float32)).astype(np.float32)
    return DataLoader(ArrayDataset(x, y), batch)


def _nan_grad_loss(model, bad_calls):
    """MSE, plus sqrt(0 * w) on the calls listed: value 0 (the loss stays finite), gradient
    0/0 = NaN for w."""
    calls = [0]

    def loss_fn(out, y):
        calls[0] += 1
        loss = nn.functional.mse_loss(out, y)
        if calls[0] in bad_calls:
            loss = loss + xn.sqrt(model.weight * 0.0).sum()
        return loss

    return loss_fn


def test_skip_drops_a_nan_gradient_under_a_finite_loss():
    xn.manual_seed(0)
    model = nn.Linear(3, 1)
    opt = xn.optim.SGD(model.parameters(), lr=0.05)
    h = xn.train.fit(model, _nan_grad_loss(model, {2, 7}), opt, _loader(), 2,
                     on_nonfinite="skip", progress=False, log=None)  # fmt: skip
    assert h["skipped_steps"] == [1, 1]
    assert all(np.isfinite(p.numpy()).all() for p in model.parameters())
    assert all(math.isfinite(v) for v in h["loss"])


def test_skip_with_accumulation_drops_the_whole_group():
    xn.manual_seed(0)
    model = nn.Linear(3, 1)
    opt = xn.optim.SGD(model.parameters(), lr=0.05)
    h = xn.train.fit(model, _nan_grad_loss(model, {2}), opt, _loader(), 1, on_nonfinite="skip",
                     grad_accumulation_steps=2, progress=False, log=None)  # fmt: skip
    assert h["skipped_steps"] == [2]  # batch 2 and batch 1 of its group
    assert np.isfinite(model.weight.numpy()).all()


def test_an_epoch_of_skipped_steps_reports_nan_not_zero():
    xn.manual_seed(0)
    model = nn.Linear(3, 1)
    opt = xn.optim.SGD(model.parameters(), lr=0.05)
    h = xn.train.fit(model, _nan_grad_loss(model, set(range(1, 6))), opt, _loader(), 1,
                     on_nonfinite="skip", progress=False, log=None)  # fmt: skip
    assert h["skipped_steps"] == [5] and math.isnan(h["loss"][0])


@pytest.mark.parametrize("checkpoint", [False, True])
def test_raise_sees_a_nan_gradient_in_the_last_step(tmp_path, checkpoint):
    xn.manual_seed(0)
    model = nn.Linear(3, 1)
    opt = xn.optim.SGD(model.parameters(), lr=0.05)
    path = tmp_path / "ckpt.xn" if checkpoint else None
    with pytest.raises(xn.NonFiniteError, match="after epoch 1"):
        xn.train.fit(model, _nan_grad_loss(model, {5}), opt, _loader(), 2, checkpoint=path,
                     progress=False, log=None)  # fmt: skip
    assert path is None or not path.exists()


def test_resume_from_a_model_state_dict_says_what_the_file_is(tmp_path):
    model = nn.Linear(3, 1)
    path = tmp_path / "weights.xn"
    xn.save(model.state_dict(), path)
    opt = xn.optim.SGD(model.parameters(), lr=0.05)
    with pytest.raises(
        xn.CheckpointError, match=r"not a checkpoint written by fit.*load_state_dict"
    ):
        xn.train.fit(model, nn.functional.mse_loss, opt, _loader(), 1, checkpoint=path,
                     resume=True, progress=False, log=None)  # fmt: skip


def test_early_stopping_restores_the_best_weights(tmp_path):
    xn.manual_seed(0)
    model = nn.Linear(3, 1)
    opt = xn.optim.SGD(model.parameters(), lr=0.05)
    snapshots = []
    val = _loader(8, 8)
    best = tmp_path / "best.xn"
    keeper = xn.train.ModelCheckpoint(best)

    class Scripted(xn.train.Callback):
        """Overwrites val_loss with the script before the monitors read it."""

        def on_epoch_end(self, epoch, logs):
            logs["val_loss"] = [3.0, 1.0, 2.0, 4.0][epoch]
            snapshots.append({k: v.numpy().copy() for k, v in model.state_dict().items()})
            return False

    stopper = xn.train.EarlyStopping(patience=2, restore_best_weights=True)
    h = xn.train.fit(model, nn.functional.mse_loss, opt, _loader(), 10, val_loader=val,
                     callbacks=[Scripted(), stopper, keeper], progress=False, log=None)  # fmt: skip
    assert len(h) == 4 and stopper.best_epoch == 1
    for k, v in model.state_dict().items():  # epoch 2's weights, not epoch 4's
        np.testing.assert_array_equal(v.numpy(), snapshots[1][k])
        assert not np.array_equal(snapshots[3][k], snapshots[1][k])
    saved = xn.load(best)
    for k, v in saved.items():
        np.testing.assert_array_equal(v.numpy(), snapshots[1][k])
    assert "_model" not in stopper.state_dict() and "best_weights" in stopper.state_dict()


def test_callback_state_in_a_checkpoint_holds_no_model(tmp_path):
    model = nn.Linear(3, 1)
    opt = xn.optim.SGD(model.parameters(), lr=0.05)
    stopper = xn.train.EarlyStopping(monitor="loss", restore_best_weights=True)
    path = tmp_path / "ckpt.xn"
    xn.train.fit(model, nn.functional.mse_loss, opt, _loader(), 2, callbacks=[stopper],
                 checkpoint=path, progress=False, log=None)  # fmt: skip
    state = xn.load(path)["callbacks"][0]
    assert set(state["best_weights"]) == {"weight", "bias"} and "_model" not in state
