"""``xn.optim.swa_utils`` against PyTorch's: PyTorch's SWA recipe (CosineAnnealingLR, then
SWALR with AveragedModel, then update_bn) and an EMA, step by step on the same data."""

from __future__ import annotations

import numpy as np
import pytest

import xpnet as xn


def _models(torch):
    tm = torch.nn.Sequential(
        torch.nn.Linear(3, 8), torch.nn.BatchNorm1d(8), torch.nn.ReLU(), torch.nn.Linear(8, 1)
    ).double()
    xm = xn.nn.Sequential(
        xn.nn.Linear(3, 8), xn.nn.BatchNorm1d(8), xn.nn.ReLU(), xn.nn.Linear(8, 1)
    ).double()
    xm.load_state_dict({k: v.detach().numpy() for k, v in tm.state_dict().items()})
    return tm, xm


def _batches(seed=0):
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(4):
        x = rng.standard_normal((16, 3))
        out.append((x, (x @ np.array([[1.0], [-2.0], [0.5]])) ** 2))
    return out


@pytest.mark.parametrize("strategy", ["cos", "linear"])
def test_the_swa_recipe_matches_pytorch(strategy):
    torch = pytest.importorskip("torch")
    ts, xs = torch.optim.swa_utils, xn.optim.swa_utils
    tm, xm = _models(torch)
    topt = torch.optim.SGD(tm.parameters(), lr=0.1, momentum=0.9)
    xopt = xn.optim.SGD(xm.parameters(), lr=0.1, momentum=0.9)
    tswa, xswa = ts.AveragedModel(tm), xs.AveragedModel(xm)
    tsched = torch.optim.lr_scheduler.CosineAnnealingLR(topt, T_max=10)
    xsched = xn.optim.lr_scheduler.CosineAnnealingLR(xopt, T_max=10)
    tswa_s = ts.SWALR(topt, swa_lr=0.02, anneal_epochs=3, anneal_strategy=strategy)
    xswa_s = xs.SWALR(xopt, swa_lr=0.02, anneal_epochs=3, anneal_strategy=strategy)
    data = _batches()
    for epoch in range(9):
        for x, y in data:
            for m, o, lib in ((tm, topt, torch), (xm, xopt, xn)):
                o.zero_grad()
                ((m(lib.tensor(x)) - lib.tensor(y)) ** 2).mean().backward()
                o.step()
        if epoch > 4:
            tswa.update_parameters(tm), xswa.update_parameters(xm)
            tswa_s.step(), xswa_s.step()
        else:
            tsched.step(), xsched.step()
        assert xopt.param_groups[0]["lr"] == pytest.approx(topt.param_groups[0]["lr"], rel=1e-12)
    assert int(xswa.n_averaged.item()) == int(tswa.n_averaged.item()) == 4
    loader = [(xn.tensor(x), xn.tensor(y)) for x, y in data]
    ts.update_bn([(torch.tensor(x), torch.tensor(y)) for x, y in data], tswa)
    xs.update_bn(loader, xswa)
    want = {k: v.detach().numpy() for k, v in tswa.state_dict().items()}
    got = {k: v.numpy() for k, v in xswa.state_dict().items()}
    assert list(got) == list(want)  # module.0.weight, ..., n_averaged
    for k in want:
        np.testing.assert_allclose(got[k], want[k], rtol=1e-9, atol=1e-12, err_msg=k)
    assert xswa.module[1].momentum == 0.1 and xswa.training  # restored
    tswa.eval(), xswa.eval()
    x = np.random.default_rng(9).standard_normal((5, 3))
    np.testing.assert_allclose(
        xswa(xn.tensor(x)).numpy(), tswa(torch.tensor(x)).detach().numpy(), rtol=1e-9
    )


def test_an_ema_of_the_weights_matches_pytorch():
    torch = pytest.importorskip("torch")
    ts, xs = torch.optim.swa_utils, xn.optim.swa_utils
    tm, xm = _models(torch)
    tema = ts.AveragedModel(tm, multi_avg_fn=ts.get_ema_multi_avg_fn(0.9), use_buffers=True)
    xema = xs.AveragedModel(xm, multi_avg_fn=xs.get_ema_multi_avg_fn(0.9), use_buffers=True)
    tavg = ts.AveragedModel(tm, avg_fn=ts.get_ema_avg_fn(0.8))
    xavg = xs.AveragedModel(xm, avg_fn=xs.get_ema_avg_fn(0.8))
    topt = torch.optim.Adam(tm.parameters(), lr=0.01)
    xopt = xn.optim.Adam(xm.parameters(), lr=0.01)
    for x, y in _batches(1) * 2:
        for m, o, lib in ((tm, topt, torch), (xm, xopt, xn)):
            o.zero_grad()
            ((m(lib.tensor(x)) - lib.tensor(y)) ** 2).mean().backward()
            o.step()
        tema.update_parameters(tm), xema.update_parameters(xm)
        tavg.update_parameters(tm), xavg.update_parameters(xm)
    for t, x in ((tema, xema), (tavg, xavg)):
        for (k, v), (k2, w) in zip(t.state_dict().items(), x.state_dict().items(), strict=True):
            assert k == k2
            np.testing.assert_allclose(
                w.numpy(), v.detach().numpy(), rtol=1e-7, atol=1e-9, err_msg=k
            )


def test_swa_utils_refuse_bad_arguments():
    m = xn.nn.Linear(2, 1)
    opt = xn.optim.SGD(m.parameters(), lr=0.1)
    sw = xn.optim.swa_utils
    with pytest.raises(xn.ArgumentError, match="anneal_strategy must be 'cos' or 'linear'"):
        sw.SWALR(opt, 0.01, anneal_strategy="exp")
    with pytest.raises(xn.ArgumentError, match="not both"):
        sw.AveragedModel(m, avg_fn=sw.get_swa_avg_fn(), multi_avg_fn=sw.get_swa_multi_avg_fn())
    with pytest.raises(xn.ArgumentError, match="not the same architecture"):
        sw.AveragedModel(m).update_parameters(xn.nn.Linear(2, 1, bias=False))
