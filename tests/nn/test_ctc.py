"""The CTC loss against PyTorch's: padded and concatenated targets, every reduction,
unbatched input, another blank, targets no alignment fits (inf, or 0 with zero_infinity),
input lengths of 0; gradients through log_softmax equal PyTorch's, and a small
recurrent model learns to read sequences with it."""

from __future__ import annotations

import numpy as np
import pytest

import xpnet as xn
from xpnet import nn
from xpnet.nn import functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional

rng = np.random.default_rng(0)
LOGITS = rng.standard_normal((12, 3, 5))
TARGETS = np.array([[1, 2, 2, 3], [4, 1, 0, 0], [3, 3, 3, 0]])
TL, IL = np.array([4, 2, 3]), np.array([12, 9, 7])


def _both(logits, targets, il, tl, **kw):
    x = xn.tensor(logits, requires_grad=True)
    t = torch.tensor(logits, requires_grad=True)
    got = F.ctc_loss(
        F.log_softmax(x, dim=-1), xn.tensor(targets), xn.tensor(il), xn.tensor(tl), **kw
    )
    want = TF.ctc_loss(torch.log_softmax(t, -1), torch.tensor(targets), torch.tensor(il),
                       torch.tensor(tl), **kw)  # fmt: skip
    np.testing.assert_allclose(got.detach().numpy(), want.detach().numpy(), rtol=1e-12)
    if np.isfinite(want.detach().numpy()).all():
        got.sum().backward()
        want.sum().backward()
        np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-9, atol=1e-12)
    return got


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_matches_pytorch_with_padded_and_concatenated_targets(reduction):
    _both(LOGITS, TARGETS, IL, TL, reduction=reduction)
    cat = np.concatenate([TARGETS[i, : TL[i]] for i in range(3)])
    _both(LOGITS, cat, IL, TL, reduction=reduction)


def test_unbatched_another_blank_and_module():
    _both(LOGITS[:, 0], TARGETS[0], np.array(12), np.array(4), reduction="none")
    targets = np.where(TARGETS == 0, 4, TARGETS)  # 0 is a label now, 4 the blank
    targets[1, 2:] = 0
    _both(LOGITS, np.where(targets == 4, 2, targets), IL, TL, blank=4)
    m, tm = nn.CTCLoss(blank=0, zero_infinity=True), torch.nn.CTCLoss(blank=0, zero_infinity=True)
    assert repr(m) == "CTCLoss(reduction='mean')"  # xpnet's losses show their reduction
    lp = F.log_softmax(xn.tensor(LOGITS), dim=-1)
    got = m(lp, TARGETS, IL, TL).item()
    want = tm(torch.log_softmax(torch.tensor(LOGITS), -1), torch.tensor(TARGETS),
              torch.tensor(IL), torch.tensor(TL)).item()  # fmt: skip
    assert got == pytest.approx(want, rel=1e-12)


def test_unreachable_targets_are_infinite_or_zeroed_as_in_pytorch():
    il = np.array([3, 3, 0])  # 4 labels in 3 frames (with a repeat); 0 frames
    for zero_infinity in (False, True):
        got = _both(LOGITS, TARGETS, il, TL, reduction="none", zero_infinity=zero_infinity)
        assert np.isinf(got.detach().numpy()[[0, 2]]).all() != zero_infinity
    empty = _both(LOGITS, TARGETS, np.array([0, 5, 5]), np.array([0, 2, 3]), reduction="none")
    assert float(empty[0]) == 0.0  # no frames and no labels: probability 1
    x = xn.tensor(LOGITS, requires_grad=True)
    F.ctc_loss(F.log_softmax(x, dim=-1), TARGETS, il, TL, zero_infinity=True).backward()
    assert np.isfinite(x.grad.numpy()).all()  # no NaN from the unreachable states


def test_the_gradient_is_the_derivative_with_respect_to_log_probs():
    """PyTorch's own gradient with respect to log_probs adds exp(log_probs) on the frames
    used (it assumes a log_softmax before, where that term cancels); xpnet's is the
    derivative itself. Through log_softmax both are equal (the tests above)."""
    lp0 = torch.log_softmax(torch.tensor(LOGITS), -1).numpy()
    x, t = xn.tensor(lp0, requires_grad=True), torch.tensor(lp0, requires_grad=True)
    F.ctc_loss(x, TARGETS, IL, TL, reduction="sum").backward()
    TF.ctc_loss(
        t, torch.tensor(TARGETS), torch.tensor(IL), torch.tensor(TL), reduction="sum"
    ).backward()
    used = (np.arange(12)[:, None] < IL[None, :])[..., None]
    np.testing.assert_allclose(x.grad.numpy() + np.exp(lp0) * used, t.grad.numpy(), atol=1e-12)


def test_bad_arguments_are_refused():
    lp = F.log_softmax(xn.tensor(LOGITS), dim=-1)
    with pytest.raises(xn.ShapeError, match=r"input_lengths .* exceed the 12 frames"):
        F.ctc_loss(lp, TARGETS, [13, 1, 1], TL)
    with pytest.raises(xn.ArgumentError, match="other than the blank"):
        F.ctc_loss(lp, np.array([[0, 1], [1, 1], [1, 1]]), IL, [2, 2, 2])
    with pytest.raises(xn.ShapeError, match="concatenated targets"):
        F.ctc_loss(lp, np.array([1, 2, 3]), IL, TL)
    with pytest.raises(xn.ShapeError, match="must be 3 non-negative lengths"):
        F.ctc_loss(lp, TARGETS, [12, 9], TL)


def test_a_recurrent_model_learns_to_read_sequences():
    """An LSTM + CTC learns to emit digit sequences from frames that show each digit for
    a random number of frames (the alignment it must find itself)."""
    xn.manual_seed(0)
    data = np.random.default_rng(1)
    frames, labels, lengths = [], [], []
    for _ in range(64):
        seq = data.integers(1, 5, 3)
        reps = data.integers(2, 4, 3)
        x = np.concatenate(
            [np.repeat(np.eye(5)[s][None], r, 0) for s, r in zip(seq, reps, strict=True)]
        )
        frames.append(np.pad(x, ((0, 12 - len(x)), (0, 0))))
        labels.append(seq)
        lengths.append(len(x))
    xs = xn.tensor(np.stack(frames, 1).astype(np.float32))  # (T, N, 5)
    rnn, head = nn.LSTM(5, 32), nn.Linear(32, 5)
    opt = xn.optim.Adam([*rnn.parameters(), *head.parameters()], lr=0.02)
    for _ in range(150):
        lp = F.log_softmax(head(rnn(xs)[0]), dim=-1)
        loss = F.ctc_loss(lp, np.stack(labels), lengths, [3] * 64)
        opt.zero_grad()
        loss.backward()
        opt.step()
    best = lp.argmax(dim=-1).numpy()  # greedy decoding: collapse repeats, drop blanks
    right = 0
    for i in range(64):
        path = best[: lengths[i], i]
        read = [int(c) for j, c in enumerate(path) if c != 0 and (j == 0 or c != path[j - 1])]
        right += read == labels[i].tolist()
    assert float(loss) < 0.3 and right >= 56, (float(loss), right)
