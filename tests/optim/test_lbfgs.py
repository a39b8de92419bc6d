"""L-BFGS against PyTorch's on the Rosenbrock function (fixed step and strong-Wolfe line
search: the same closure evaluations and iterates), state round trips, errors."""

from __future__ import annotations

import copy

import numpy as np
import pytest

import xpnet as xn
from xpnet import nn

X0 = np.array([-1.2, 1.0, -0.5, 0.8])


def _rosenbrock(x):
    return ((1 - x[:-1]) ** 2).sum() + 100 * ((x[1:] - x[:-1] ** 2) ** 2).sum()


@pytest.mark.parametrize(
    ("line_search", "lr", "history"), [(None, 0.1, 100), ("strong_wolfe", 1.0, 3)]
)
def test_lbfgs_follows_pytorch(line_search, lr, history):
    torch = pytest.importorskip("torch")
    tp = torch.nn.Parameter(torch.tensor(X0))
    topt = torch.optim.LBFGS([tp], lr=lr, history_size=history, line_search_fn=line_search)
    p = nn.Parameter(xn.tensor(X0, dtype="float64"))
    opt = xn.optim.LBFGS([p], lr=lr, history_size=history, line_search_fn=line_search)

    def closure(o, x):
        def run():
            o.zero_grad()
            loss = _rosenbrock(x)
            loss.backward()
            return loss

        return run

    for _ in range(5):
        a = topt.step(closure(topt, tp))
        b = opt.step(closure(opt, p))
        assert float(b) == pytest.approx(float(a.detach()), rel=1e-8, abs=1e-12)
        assert opt.state[p]["func_evals"] == topt.state[tp]["func_evals"]
        np.testing.assert_allclose(p.numpy(), tp.detach().numpy(), rtol=1e-8, atol=1e-10)
    if line_search:
        np.testing.assert_allclose(p.numpy(), np.ones(4), atol=1e-4)  # the minimum


def test_lbfgs_fits_a_model_and_resumes_from_its_state_dict(backend):
    rng = np.random.default_rng(0)
    kw = {"backend": backend, "device": backend.device}
    x = xn.tensor(rng.standard_normal((32, 3)).astype(np.float32), **kw)
    y = x @ xn.tensor([[1.0], [-2.0], [0.5]], **kw) + 0.25
    xn.manual_seed(0)
    model = nn.Linear(3, 1, backend=backend, device=backend.device)
    opt = xn.optim.LBFGS(model.parameters(), line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        loss = nn.functional.mse_loss(model(x), y)
        loss.backward()
        return loss

    opt.step(closure)
    twin, twin_model = copy.deepcopy(opt.state_dict()), copy.deepcopy(model)
    opt.step(closure)
    assert nn.functional.mse_loss(model(x), y).item() < 1e-6
    again = xn.optim.LBFGS(twin_model.parameters(), line_search_fn="strong_wolfe")
    again.load_state_dict(twin)

    def closure2():
        again.zero_grad()
        loss = nn.functional.mse_loss(twin_model(x), y)
        loss.backward()
        return loss

    again.step(closure2)
    np.testing.assert_allclose(
        twin_model.weight.numpy(), model.weight.numpy(), rtol=1e-5, atol=1e-6
    )


def test_lbfgs_errors():
    p = nn.Parameter(xn.ones(2))
    with pytest.raises(xn.NotSupportedError, match="needs a closure"):
        xn.optim.LBFGS([p]).step()
    with pytest.raises(xn.ArgumentError, match="strong_wolfe"):
        xn.optim.LBFGS([p], line_search_fn="backtracking")
    with pytest.raises(xn.ArgumentError, match="one parameter group"):
        xn.optim.LBFGS([{"params": [p]}, {"params": [nn.Parameter(xn.ones(1))]}])
