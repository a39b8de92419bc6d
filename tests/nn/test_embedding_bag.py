"""nn.EmbeddingBag / F.embedding_bag and Embedding(max_norm) against PyTorch's: 2-D bags
and 1-D bags with offsets (include_last_offset, empty bags), every mode, padding_idx,
per_sample_weights, max_norm's in-place renormalisation; values and gradients; and the
torchtext tutorial's text classifier learns with it."""

from __future__ import annotations

import numpy as np
import pytest

import xpnet as xn
from xpnet import nn

torch = pytest.importorskip("torch")

W0 = np.random.default_rng(0).standard_normal((10, 3)) * 1.5
FLAT = np.array([1, 2, 4, 5, 4, 3, 2, 9, 0, 0])
OFFSETS = np.array([0, 2, 2, 7])  # the second bag is empty


def _pair(**kw):
    m = nn.EmbeddingBag(10, 3, **kw).double()
    tm = torch.nn.EmbeddingBag(10, 3, **kw).double()
    assert repr(m) == repr(tm)
    m.load_state_dict({"weight": W0})
    tm.load_state_dict({"weight": torch.tensor(W0)})
    return m, tm


def _check(m, tm, inputs, tinputs):
    y, ty = m(*inputs), tm(*tinputs)
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-12, atol=1e-14)
    w = np.random.default_rng(1).standard_normal(y.shape)
    (y * xn.tensor(w)).sum().backward()
    (ty * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(
        m.weight.grad.numpy(), tm.weight.grad.numpy(), rtol=1e-12, atol=1e-14
    )
    np.testing.assert_allclose(m.weight.detach().numpy(), tm.weight.detach().numpy(), rtol=1e-12)
    return y, ty


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
@pytest.mark.parametrize("padding_idx", [None, 4])
@pytest.mark.parametrize("max_norm", [None, 1.0])
def test_bags_match_pytorch(mode, padding_idx, max_norm):
    m, tm = _pair(mode=mode, padding_idx=padding_idx, max_norm=max_norm)
    _check(
        m, tm, (xn.tensor(FLAT), xn.tensor(OFFSETS)), (torch.tensor(FLAT), torch.tensor(OFFSETS))
    )
    m, tm = _pair(mode=mode, padding_idx=padding_idx, max_norm=max_norm)
    two_d = FLAT.reshape(2, 5)
    _check(m, tm, (xn.tensor(two_d),), (torch.tensor(two_d),))


def test_include_last_offset_and_per_sample_weights_match_pytorch():
    m, tm = _pair(mode="sum", include_last_offset=True)
    last = np.append(OFFSETS, 10)
    _check(m, tm, (xn.tensor(FLAT), xn.tensor(last)), (torch.tensor(FLAT), torch.tensor(last)))
    m, tm = _pair(mode="sum")
    psw0 = np.linspace(0.5, 2.0, 10)
    psw, tpsw = xn.tensor(psw0, requires_grad=True), torch.tensor(psw0, requires_grad=True)
    _check(
        m,
        tm,
        (xn.tensor(FLAT), xn.tensor(OFFSETS), psw),
        (torch.tensor(FLAT), torch.tensor(OFFSETS), tpsw),
    )
    np.testing.assert_allclose(psw.grad.numpy(), tpsw.grad.numpy(), rtol=1e-12)


def test_embedding_max_norm_renormalises_in_place_like_pytorch():
    m, tm = (
        nn.Embedding(10, 3, max_norm=1.5).double(),
        torch.nn.Embedding(10, 3, max_norm=1.5).double(),
    )
    assert repr(m) == repr(tm)
    m.load_state_dict({"weight": W0})
    tm.load_state_dict({"weight": torch.tensor(W0)})
    idx = np.array([[1, 3, 3], [7, 1, 0]])
    _check(m, tm, (xn.tensor(idx),), (torch.tensor(idx),))
    norms = np.linalg.norm(m.weight.detach().numpy(), axis=1)
    assert (norms[[0, 1, 3, 7]] <= 1.5 + 1e-6).all() and (
        norms[[2, 4]] == np.linalg.norm(W0, axis=1)[[2, 4]]
    ).all()


def test_bad_bags_are_refused():
    m = nn.EmbeddingBag(10, 3)
    with pytest.raises(
        xn.ArgumentError, match="1-D with offsets, got shape \\(10,\\) without offsets"
    ):
        m(xn.tensor(FLAT))
    with pytest.raises(xn.ArgumentError, match="must start at 0"):
        m(xn.tensor(FLAT), xn.tensor([1, 3]))
    with pytest.raises(xn.ArgumentError, match="per_sample_weights need mode='sum'"):
        m(xn.tensor(FLAT), xn.tensor(OFFSETS), xn.ones(10))
    with pytest.raises(xn.ArgumentError, match="mode must be"):
        nn.EmbeddingBag(10, 3, mode="median")


def test_the_text_classification_tutorial_model_learns():
    """PyTorch's text classification tutorial: EmbeddingBag(mean) + Linear over bags of
    word ids given as one flat tensor and offsets; two topics told apart by their words."""
    xn.manual_seed(0)
    rng = np.random.default_rng(0)

    class TextClassificationModel(nn.Module):
        def __init__(self, vocab_size, embed_dim, num_class):
            super().__init__()
            self.embedding = nn.EmbeddingBag(vocab_size, embed_dim)
            self.fc = nn.Linear(embed_dim, num_class)
            initrange = 0.5
            self.embedding.weight.data.uniform_(-initrange, initrange)
            self.fc.weight.data.uniform_(-initrange, initrange)
            self.fc.bias.data.zero_()

        def forward(self, text, offsets):
            return self.fc(self.embedding(text, offsets))

    model = TextClassificationModel(40, 8, 2)
    opt = xn.optim.SGD(model.parameters(), lr=2.0)
    for _ in range(60):
        labels = rng.integers(0, 2, 32)
        docs = [rng.integers(0, 20, rng.integers(3, 9)) + 20 * lab for lab in labels]
        offsets = np.cumsum([0] + [len(d) for d in docs[:-1]])
        out = model(xn.tensor(np.concatenate(docs)), xn.tensor(offsets))
        loss = nn.functional.cross_entropy(out, xn.tensor(labels))
        opt.zero_grad()
        loss.backward()
        opt.step()
    acc = float((out.argmax(1) == xn.tensor(labels)).float().mean())
    assert float(loss) < 0.2 and acc == 1.0
