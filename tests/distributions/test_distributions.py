"""``xn.distributions`` against ``torch.distributions``: log-probabilities, entropies,
moments, KL divergences and their gradients in the parameters; sample shapes, dtypes,
statistics and backends; argument checks; a policy gradient that learns."""

from __future__ import annotations

import numpy as np
import pytest

import xpnet as xn
from xpnet import distributions as D

torch = pytest.importorskip("torch")
TD = torch.distributions

rng = np.random.default_rng(0)
LOC = rng.standard_normal((3, 4))
SCALE = rng.uniform(0.5, 2.0, (3, 4))
LOGITS = rng.standard_normal((3, 5))
PROBS = rng.uniform(0.1, 1.0, (3, 5))
P01 = rng.uniform(0.05, 0.95, (3, 4))
_A = rng.standard_normal((4, 4))
COV = _A @ _A.T + 2.0 * np.eye(4)

# name -> (parameters, builder taking the module D or TD and the parameter tensors, values)
CASES = {
    "Normal": ((LOC, SCALE), lambda m, a, b: m.Normal(a, b), rng.standard_normal((2, 3, 4))),
    "Uniform": ((LOC - 2.0, LOC + SCALE), lambda m, a, b: m.Uniform(a, b), LOC - 1.0),
    "Laplace": ((LOC, SCALE), lambda m, a, b: m.Laplace(a, b), rng.standard_normal((3, 4))),
    "Categorical(logits)": ((LOGITS,), lambda m, a: m.Categorical(logits=a),
                            np.array([[0, 4, 2], [1, 1, 3]])),
    "Categorical(probs)": ((PROBS,), lambda m, a: m.Categorical(probs=a), np.array([0, 4, 2])),
    "Bernoulli(probs)": ((P01,), lambda m, a: m.Bernoulli(probs=a), (P01 > 0.5) * 1.0),
    "Bernoulli(logits)": ((LOC,), lambda m, a: m.Bernoulli(logits=a), (LOC > 0.0) * 1.0),
    "Independent(Normal)": ((LOC, SCALE), lambda m, a, b: m.Independent(m.Normal(a, b), 1),
                            rng.standard_normal((5, 3, 4))),
    "Exponential": ((SCALE,), lambda m, a: m.Exponential(a), rng.uniform(0.0, 3.0, (2, 3, 4))),
    "LogNormal": ((LOC, SCALE), lambda m, a, b: m.LogNormal(a, b), rng.uniform(0.1, 4, (3, 4))),
    "Gamma": ((SCALE, SCALE[::-1].copy()), lambda m, a, b: m.Gamma(a, b),
              rng.uniform(0.1, 4.0, (2, 3, 4))),
    "Beta": ((SCALE, SCALE[::-1].copy() + 0.3), lambda m, a, b: m.Beta(a, b),
             rng.uniform(0.05, 0.95, (3, 4))),
    "Dirichlet": ((PROBS * 3.0,), lambda m, a: m.Dirichlet(a),
                  rng.dirichlet(np.ones(5), (2, 3))),
    "Poisson": ((SCALE * 2.0,), lambda m, a: m.Poisson(a), rng.poisson(2.0, (2, 3, 4)) * 1.0),
    "MultivariateNormal(covariance)": ((LOC, COV),
                                       lambda m, a, b: m.MultivariateNormal(a, covariance_matrix=b),
                                       rng.standard_normal((2, 3, 4))),
    "MultivariateNormal(precision)": ((LOC[0], COV),
                                      lambda m, a, b: m.MultivariateNormal(a, precision_matrix=b),
                                      rng.standard_normal((5, 4))),
    "MultivariateNormal(scale_tril)": ((LOC, np.linalg.cholesky(COV)),
                                       lambda m, a, b: m.MultivariateNormal(a, scale_tril=b),
                                       rng.standard_normal(4)),
}  # fmt: skip


def _both(case):
    ps, build, value = CASES[case]
    xs = [xn.tensor(p, dtype=xn.float64, requires_grad=True) for p in ps]
    ts = [torch.tensor(p, dtype=torch.float64, requires_grad=True) for p in ps]
    return build(D, *xs), build(TD, *ts), xs, ts, value


def _close(a, t, rtol=1e-10, atol=1e-12, **kw):
    np.testing.assert_allclose(a.detach().numpy(), t.detach().numpy(), rtol=rtol, atol=atol, **kw)


# Gradients through digamma meet PyTorch's trigamma, good to about 5e-10 (xpnet's is SciPy's:
# pi^2/6 at 1 to the last bit); the rest is compared to 1e-10
LOOSER = {"Gamma", "Beta", "Dirichlet", "Poisson"}


@pytest.mark.parametrize("case", list(CASES))
def test_log_prob_entropy_and_moments_match_torch(case):
    d, td, xs, ts, value = _both(case)
    assert d.batch_shape == tuple(td.batch_shape) and d.event_shape == tuple(td.event_shape)
    v = np.asarray(value)
    xv = xn.tensor(v, dtype=xn.int64 if v.dtype.kind == "i" else xn.float64)
    got, want = d.log_prob(xv), td.log_prob(torch.tensor(v))
    _close(got, want)
    if case == "Poisson":  # (PyTorch's Poisson has no entropy: a series, as xpnet's has not)
        ent, tent = xn.tensor(0.0, dtype=xn.float64), torch.tensor(0.0, dtype=torch.float64)
    else:
        ent, tent = d.entropy(), td.entropy()
    _close(ent, tent)
    (got.sum() + ent.sum()).backward()
    (want.sum() + tent.sum()).backward()
    for x, t in zip(xs, ts, strict=True):
        if case in LOOSER:
            _close(x.grad, t.grad, rtol=1e-8, atol=1e-9)
        else:
            _close(x.grad, t.grad)
    for name in ("mean", "variance", "stddev"):
        if "Categorical" not in case:
            _close(getattr(d, name), getattr(td, name), err_msg=name)


def _lib(m):
    return xn if m is D else torch


PAIRS = {
    "Normal": lambda m, a, b, c, e: (m.Normal(a, b), m.Normal(c, e)),
    "Laplace": lambda m, a, b, c, e: (m.Laplace(a, b), m.Laplace(c, e)),
    "Uniform": lambda m, a, b, c, e: (m.Uniform(a - 1.0, a + b), m.Uniform(a - 2.0, a + b + c * c)),
    "Categorical": lambda m, a, b, c, e: (m.Categorical(logits=a), m.Categorical(logits=c)),
    "Bernoulli": lambda m, a, b, c, e: (m.Bernoulli(logits=a), m.Bernoulli(logits=c)),
    "Independent": lambda m, a, b, c, e: (m.Independent(m.Normal(a, b), 2),
                                          m.Independent(m.Normal(c, e), 2)),
    "Exponential": lambda m, a, b, c, e: (m.Exponential(b), m.Exponential(e)),
    "Gamma": lambda m, a, b, c, e: (m.Gamma(b, e), m.Gamma(e + 0.5, b)),
    "Beta": lambda m, a, b, c, e: (m.Beta(b, e), m.Beta(e + 0.5, b)),
    "Dirichlet": lambda m, a, b, c, e: (m.Dirichlet(b), m.Dirichlet(e)),
    "Poisson": lambda m, a, b, c, e: (m.Poisson(b), m.Poisson(e)),
    "LogNormal": lambda m, a, b, c, e: (m.LogNormal(a, b), m.LogNormal(c, e)),
    "MultivariateNormal": lambda m, a, b, c, e: (
        m.MultivariateNormal(a, scale_tril=_lib(m).diag_embed(b)),
        m.MultivariateNormal(c, scale_tril=_lib(m).diag_embed(e)
                             + _lib(m).tril(c[:, :, None] * c[:, None, :] * 0.1, -1))),
}  # fmt: skip


@pytest.mark.parametrize("pair", list(PAIRS))
def test_kl_divergence_and_its_gradient_match_torch(pair):
    ps = [LOC, SCALE, rng.standard_normal((3, 4)), SCALE[::-1].copy()]
    xs = [xn.tensor(p, dtype=xn.float64, requires_grad=True) for p in ps]
    ts = [torch.tensor(p, dtype=torch.float64, requires_grad=True) for p in ps]
    got = D.kl_divergence(*PAIRS[pair](D, *xs))
    want = TD.kl_divergence(*PAIRS[pair](TD, *ts))
    _close(got, want)
    got.sum().backward()
    want.sum().backward()
    for x, t in zip(xs, ts, strict=True):
        if t.grad is not None:
            if pair in LOOSER:
                _close(x.grad, t.grad, rtol=1e-8, atol=1e-9)
            else:
                _close(x.grad, t.grad)


def test_kl_with_zero_probabilities_is_infinite_or_zero_as_in_torch():
    p, q = np.array([0.5, 0.5, 0.0]), np.array([0.0, 0.5, 0.5])
    for a, b in ((p, q), (q, q), (p, p)):
        got = D.kl_divergence(D.Categorical(probs=xn.tensor(a)), D.Categorical(probs=xn.tensor(b)))
        want = TD.kl_divergence(TD.Categorical(probs=torch.tensor(a)),
                                TD.Categorical(probs=torch.tensor(b)))  # fmt: skip
        assert float(got) == float(want)


def test_samples_have_torchs_shapes_dtypes_and_statistics():
    xn.manual_seed(0)
    n = D.Normal(xn.tensor([0.0, 3.0]), xn.tensor([1.0, 0.5]))
    s = n.sample((20000,))
    assert s.shape == (20000, 2) and s.dtype == xn.tensor(0.0).dtype and not s.requires_grad
    np.testing.assert_allclose(s.numpy().mean(0), [0.0, 3.0], atol=0.03)
    np.testing.assert_allclose(s.numpy().std(0), [1.0, 0.5], atol=0.03)
    c = D.Categorical(probs=xn.tensor([[0.2, 0.8, 0.0], [1.0, 1.0, 2.0]]))
    k = c.sample((30000,))
    assert k.shape == (30000, 2) and k.backend.dtype_name(k.dtype) == "int64"
    freq = [np.bincount(k.numpy()[:, i], minlength=3) / 30000 for i in range(2)]
    np.testing.assert_allclose(freq, [[0.2, 0.8, 0.0], [0.25, 0.25, 0.5]], atol=0.015)
    assert c.sample().shape == (2,) and tuple(
        TD.Categorical(probs=torch.ones(2, 3)).sample().shape
    ) == (2,)
    b = D.Bernoulli(probs=xn.tensor([0.1, 0.9]))
    bs = b.sample((4000, 3))
    assert bs.shape == (4000, 3, 2) and set(np.unique(bs.numpy())) == {0.0, 1.0}
    np.testing.assert_allclose(bs.numpy().mean((0, 1)), [0.1, 0.9], atol=0.02)
    u = D.Uniform(-1.0, 3.0).sample((10000,))
    assert u.shape == (10000,) and float(u.min()) >= -1.0 and float(u.max()) < 3.0
    lap = D.Laplace(1.0, 2.0).sample((40000,)).numpy()
    np.testing.assert_allclose([np.median(lap), np.abs(lap - 1.0).mean()], [1.0, 2.0], atol=0.05)


def test_rsample_carries_the_gradient_to_the_parameters():
    xn.manual_seed(1)
    loc = xn.tensor([0.5, -1.0], requires_grad=True)
    scale = xn.tensor([2.0, 0.5], requires_grad=True)
    z = D.Normal(loc, scale).rsample((1000,))
    z.sum().backward()
    eps = (z.detach() - loc.detach()) / scale.detach()
    np.testing.assert_allclose(loc.grad.numpy(), [1000.0, 1000.0])
    np.testing.assert_allclose(scale.grad.numpy(), eps.sum(0).numpy(), rtol=1e-5)
    with pytest.raises(xn.NotSupportedError, match="Categorical has no reparameterised"):
        D.Categorical(logits=xn.zeros(3)).rsample()


def test_every_backend_keeps_backend_device_and_dtype(backend):
    loc = xn.zeros((2, 3), backend=backend.name, device=backend.device)
    n = D.Normal(loc, 1.0)
    for t in (n.sample((4,)), n.rsample(), n.log_prob(loc), n.entropy()):
        assert t.backend is backend and t.dtype == loc.dtype
    c = D.Categorical(logits=loc)
    k = c.sample((5,))
    assert k.backend is backend and k.shape == (5, 2)
    assert c.log_prob(k).backend is backend and c.log_prob(k).shape == (5, 2)
    eye = xn.eye(3, dtype=loc.dtype, backend=backend.name, device=backend.device)
    for d in (D.Exponential(loc + 1.0), D.LogNormal(loc, 1.0), D.MultivariateNormal(loc, eye)):
        z = d.rsample((4,))
        assert z.backend is backend and z.dtype == loc.dtype
        assert d.log_prob(z).backend is backend and d.log_prob(z).shape == (4, 2) + (
            (3,) if not isinstance(d, D.MultivariateNormal) else ()
        )


def test_new_samplers_have_the_right_statistics():
    xn.manual_seed(3)
    e = D.Exponential(xn.tensor([0.5, 4.0])).sample((40000,)).numpy()
    np.testing.assert_allclose(e.mean(0), [2.0, 0.25], rtol=0.03)
    assert e.min() >= 0.0
    ln = D.LogNormal(xn.tensor(1.0), xn.tensor(0.5)).sample((40000,)).numpy()
    np.testing.assert_allclose([np.median(ln), np.log(ln).std()], [np.e, 0.5], rtol=0.03)
    mvn = D.MultivariateNormal(xn.tensor([1.0, -2.0, 0.5]), xn.tensor(COV[:3, :3]))
    z = mvn.sample((40000,)).numpy()
    np.testing.assert_allclose(z.mean(0), [1.0, -2.0, 0.5], atol=0.05)
    np.testing.assert_allclose(np.cov(z.T), COV[:3, :3], atol=0.12)
    with pytest.raises(xn.ArgumentError, match="exactly one of"):
        D.MultivariateNormal(xn.zeros(3))
    with pytest.raises(xn.ArgumentError, match=r"need \(\.\.\., k, k\)"):
        D.MultivariateNormal(xn.zeros(3), xn.eye(2))


def test_arguments_outside_the_support_are_refused_like_torch():
    with pytest.raises(xn.ArgumentError, match="scale must be positive"):
        D.Normal(0.0, -1.0)
    with pytest.raises(ValueError):
        TD.Normal(0.0, -1.0)
    with pytest.raises(xn.ArgumentError, match=r"a value outside 0\.\.2"):
        D.Categorical(logits=xn.zeros(3)).log_prob(xn.tensor(3))
    with pytest.raises(xn.ArgumentError, match="probs must be in"):
        D.Bernoulli(probs=xn.tensor([1.5]))
    with pytest.raises(xn.ArgumentError, match="either probs or logits"):
        D.Categorical(probs=xn.ones(2), logits=xn.ones(2))
    with pytest.raises(xn.NotSupportedError, match="no rule for Normal and Categorical"):
        D.kl_divergence(D.Normal(0.0, 1.0), D.Categorical(logits=xn.zeros(2)))
    D.Normal(0.0, -1.0, validate_args=False)  # unchecked when asked
    assert repr(D.Normal(0.0, 1.0)) == "Normal(loc: 0.0, scale: 1.0)"


def test_reinforce_with_categorical_learns_the_better_arm():
    """The policy-gradient loss of PyTorch's REINFORCE example, -log_prob(action) * return,
    on a two-armed bandit: the policy ends on the arm that pays."""
    xn.manual_seed(0)
    logits = xn.zeros(2, requires_grad=True)
    opt = xn.optim.Adam([logits], lr=0.1)
    for _ in range(100):
        m = D.Categorical(logits=logits)
        actions = m.sample((16,))
        rewards = xn.astype(actions == 1, xn.float32)  # arm 1 pays
        loss = -(m.log_prob(actions) * (rewards - rewards.mean())).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert float(D.Categorical(logits=logits).probs[1]) > 0.95


def test_gamma_family_samples_statistics_seeds_and_backends():
    xn.manual_seed(5)
    g = D.Gamma(xn.tensor([0.5, 3.0]), xn.tensor([2.0, 1.5])).sample((40000,)).numpy()
    np.testing.assert_allclose(g.mean(0), [0.25, 2.0], rtol=0.03)
    np.testing.assert_allclose(g.var(0), [0.125, 4 / 3], rtol=0.06)
    assert g.min() > 0.0 and g.dtype == np.float32
    b = D.Beta(xn.tensor(2.0), xn.tensor(5.0)).sample((40000,)).numpy()
    np.testing.assert_allclose([b.mean(), b.var()], [2 / 7, 10 / (49 * 8)], rtol=0.03)
    dr = D.Dirichlet(xn.tensor([1.0, 2.0, 7.0])).sample((20000,)).numpy()
    assert dr.shape == (20000, 3)
    np.testing.assert_allclose(dr.sum(-1), 1.0, rtol=1e-6)
    np.testing.assert_allclose(dr.mean(0), [0.1, 0.2, 0.7], atol=0.01)
    p = D.Poisson(xn.tensor([0.5, 20.0])).sample((40000,)).numpy()
    np.testing.assert_allclose([p.mean(0), p.var(0)], [[0.5, 20.0], [0.5, 20.0]], rtol=0.04)
    assert (p == np.round(p)).all()
    xn.manual_seed(7)
    first = D.Gamma(2.0, 1.0).sample((5,)).numpy()
    xn.manual_seed(7)
    np.testing.assert_array_equal(D.Gamma(2.0, 1.0).sample((5,)).numpy(), first)
    with pytest.raises(xn.NotSupportedError, match="Gamma has no reparameterised sample"):
        D.Gamma(2.0, 1.0).rsample()
    strict = pytest.importorskip("array_api_strict")
    dev = strict.Device("device1")
    a = xn.ones(3, backend="array_api_strict", device=dev)
    for d in (D.Gamma(a, a), D.Beta(a, a), D.Dirichlet(a), D.Poisson(a)):
        z = d.sample((2,))
        assert z.backend is a.backend and z.device == dev and z.dtype == a.dtype
        assert d.log_prob(z if not isinstance(d, D.Beta) else z * 0.5 + 0.25).backend is a.backend
    with pytest.raises(xn.ArgumentError, match="Gamma: concentration must be positive"):
        D.Gamma(xn.tensor([-1.0]), 1.0)
    with pytest.raises(xn.ArgumentError, match="Dirichlet: concentration needs a last axis"):
        D.Dirichlet(xn.tensor(1.0))
