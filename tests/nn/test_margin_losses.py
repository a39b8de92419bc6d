"""MultiMarginLoss and MultiLabelMarginLoss against PyTorch's (values and gradients)."""

from __future__ import annotations

import numpy as np
import pytest

import xpnet as xn
from xpnet import nn

torch = pytest.importorskip("torch")

X = np.random.default_rng(0).standard_normal((4, 5))
Y = np.array([0, 3, 4, 3])
LABELS = np.array([[3, 0, -1, 1, 1], [1, 2, 4, 0, -1], [4, -1, 2, 2, 2], [-1, 0, 0, 0, 0]])


@pytest.mark.parametrize(
    "kw",
    [{}, {"p": 2}, {"margin": 0.4, "reduction": "sum"}, {"reduction": "none"},
     {"weight": np.array([1.0, 2.0, 0.5, 1.5, 3.0])}],
)  # fmt: skip
def test_multi_margin_loss_matches_pytorch(kw):
    tkw = {k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kw.items()}
    xkw = {k: xn.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kw.items()}
    m, tm = nn.MultiMarginLoss(**xkw), torch.nn.MultiMarginLoss(**tkw)
    x, t = xn.tensor(X, requires_grad=True), torch.tensor(X, requires_grad=True)
    y, ty = m(x, xn.tensor(Y)), tm(t, torch.tensor(Y))
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-12)
    y.sum().backward()
    ty.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_multilabel_margin_loss_matches_pytorch(reduction):
    m, tm = (
        nn.MultiLabelMarginLoss(reduction=reduction),
        torch.nn.MultiLabelMarginLoss(reduction=reduction),
    )
    x, t = xn.tensor(X, requires_grad=True), torch.tensor(X, requires_grad=True)
    y, ty = m(x, xn.tensor(LABELS)), tm(t, torch.tensor(LABELS))
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-12)
    y.sum().backward()
    ty.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-12, atol=1e-14)
    one = xn.nn.functional.multilabel_margin_loss(
        xn.tensor(X[0]), xn.tensor(LABELS[0]), reduction=reduction
    )
    tone = torch.nn.functional.multilabel_margin_loss(torch.tensor(X[0]), torch.tensor(LABELS[0]),
                                                      reduction=reduction)  # fmt: skip
    np.testing.assert_allclose(one.numpy(), tone.numpy(), rtol=1e-12)


def test_bad_arguments():
    with pytest.raises(xn.ArgumentError, match="p must be 1 or 2"):
        xn.nn.functional.multi_margin_loss(xn.tensor(X), xn.tensor(Y), p=3)
    with pytest.raises(xn.ArgumentError, match=r"outside 0\.\.4"):
        xn.nn.functional.multilabel_margin_loss(xn.tensor(X[:1]), xn.tensor([[7, -1, 0, 0, 0]]))
