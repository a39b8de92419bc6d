"""Run SciPy's and scikit-learn's Array API functions on xpnet tensors (float64) and
compare values with NumPy's and gradients with central finite differences; prints one
JSON object. Run with SCIPY_ARRAY_API=1 (test_scipy_sklearn.py does): SciPy reads it at
import."""

from __future__ import annotations

import json
import sys
import warnings

import numpy as np

import xpnet as xn

warnings.simplefilter("ignore")  # SciPy's own RuntimeWarnings on the finite differences


def _positive(shape, rng):
    return rng.uniform(0.5, 2.0, shape)


def cases():
    import scipy.integrate as si
    import scipy.special as sps
    import scipy.stats as st
    from sklearn.decomposition import PCA
    from sklearn.metrics.pairwise import (
        euclidean_distances,
        linear_kernel,
        polynomial_kernel,
        rbf_kernel,
    )
    from sklearn.preprocessing import MaxAbsScaler, MinMaxScaler

    rng = np.random.default_rng(0)
    other = rng.standard_normal((6, 3))

    def o(x):
        return other if isinstance(x, np.ndarray) else xn.tensor(other, dtype="float64")

    n = rng.standard_normal
    return {
        # SciPy (SCIPY_ARRAY_API=1)
        "scipy.special.logsumexp": (lambda x: sps.logsumexp(x, axis=1), n((4, 5))),
        "scipy.special.softmax": (lambda x: sps.softmax(x, axis=1), n((4, 5))),
        "scipy.special.log_softmax": (lambda x: sps.log_softmax(x, axis=1), n((4, 5))),
        "scipy.special.xlogy": (lambda x: sps.xlogy(x, x), _positive((4, 5), rng)),
        "scipy.stats.zscore": (lambda x: st.zscore(x, axis=1), n((4, 5))),
        "scipy.stats.kurtosis": (lambda x: st.kurtosis(x, axis=1), n((4, 5))),
        "scipy.stats.skew": (lambda x: st.skew(x, axis=1), n((4, 5))),
        "scipy.stats.moment": (lambda x: st.moment(x, order=3, axis=1), n((4, 5))),
        "scipy.stats.variation": (lambda x: st.variation(x, axis=1), _positive((4, 5), rng)),
        "scipy.stats.gmean": (lambda x: st.gmean(x, axis=1), _positive((4, 5), rng)),
        "scipy.stats.hmean": (lambda x: st.hmean(x, axis=1), _positive((4, 5), rng)),
        "scipy.stats.pmean": (lambda x: st.pmean(x, 2.0, axis=1), _positive((4, 5), rng)),
        "scipy.stats.sem": (lambda x: st.sem(x, axis=1), n((4, 5))),
        "scipy.stats.tmean": (lambda x: st.tmean(x), n((4, 5))),
        "scipy.integrate.trapezoid": (lambda x: si.trapezoid(x, axis=1), n((4, 5))),
        "scipy.integrate.cumulative_trapezoid": (
            lambda x: si.cumulative_trapezoid(x, axis=1),
            n((4, 5)),
        ),
        # scikit-learn (array_api_dispatch=True)
        "sklearn.preprocessing.MinMaxScaler": (
            lambda x: MinMaxScaler().fit_transform(x),
            n((6, 3)),
        ),
        "sklearn.preprocessing.MaxAbsScaler": (
            lambda x: MaxAbsScaler().fit_transform(x),
            n((6, 3)),
        ),
        "sklearn.metrics.pairwise.euclidean_distances": (
            lambda x: euclidean_distances(x, o(x)),
            n((6, 3)),
        ),
        "sklearn.metrics.pairwise.rbf_kernel": (lambda x: rbf_kernel(x, o(x)), n((6, 3))),
        "sklearn.metrics.pairwise.linear_kernel": (lambda x: linear_kernel(x), n((6, 3))),
        "sklearn.metrics.pairwise.polynomial_kernel": (lambda x: polynomial_kernel(x), n((6, 3))),
        "sklearn.decomposition.PCA": (lambda x: PCA(n_components=2).fit_transform(x), n((8, 4))),
    }


def check(f, data):
    from sklearn import config_context

    x = xn.tensor(data, dtype="float64", requires_grad=True)
    try:
        with config_context(array_api_dispatch=True):
            y = f(x)
    except Exception as e:  # reported, not hidden: the test names the function and the error
        return {"error": f"{type(e).__name__}: {e}"[:300]}
    ref = np.asarray(f(data), float)
    got = y.detach().numpy() if isinstance(y, xn.Tensor) else np.asarray(y)
    out = {"values": bool(np.allclose(got, ref, rtol=1e-6, atol=1e-9)), "grad": None}
    if isinstance(y, xn.Tensor) and y.requires_grad:
        weights = np.random.default_rng(1).standard_normal(ref.shape)
        (y * xn.tensor(weights, dtype="float64")).sum().backward()
        eps, fd = 1e-6, np.zeros_like(data)
        for idx in np.ndindex(data.shape):
            d = np.zeros_like(data)
            d[idx] = eps
            fd[idx] = (np.sum(f(data + d) * weights) - np.sum(f(data - d) * weights)) / (2 * eps)
        out["grad"] = bool(np.allclose(x.grad.numpy(), fd, rtol=1e-4, atol=1e-6))
    return out


if __name__ == "__main__":
    wanted = sys.argv[1:]
    print(json.dumps({k: check(*v) for k, v in cases().items() if not wanted or k in wanted}))
