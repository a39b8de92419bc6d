"""What of the Array API 2024.12 standard the xpnet namespace covers, and how it is tested.

The table is rendered to docs/array_api.md (test_docs_table_is_current fails when the
doc is stale; regenerate with ``python -m tests.test_array_api_coverage``). Every
standard function is either in the namespace, with its gradient status, or listed
in MISSING with the reason.
"""

from __future__ import annotations

from pathlib import Path

import xpnet as xn
from xpnet._namespace import namespace

from .ops.spec import SPECS

DOC = Path(__file__).resolve().parents[1] / "docs" / "array_api.md"

STANDARD = {
    "constants": "e inf nan newaxis pi",
    "creation": "arange asarray empty empty_like eye from_dlpack full full_like linspace meshgrid "
    "ones ones_like tril triu zeros zeros_like",
    "data types": "astype can_cast finfo iinfo isdtype result_type",
    "elementwise": "abs acos acosh add asin asinh atan atan2 atanh bitwise_and bitwise_left_shift "
    "bitwise_invert bitwise_or bitwise_right_shift bitwise_xor ceil clip conj copysign cos cosh "
    "divide equal exp expm1 floor floor_divide greater greater_equal hypot imag isfinite isinf "
    "isnan less less_equal log log1p log2 log10 logaddexp logical_and logical_not logical_or "
    "logical_xor maximum minimum multiply negative nextafter not_equal positive pow real "
    "reciprocal remainder round sign signbit sin sinh square sqrt subtract tan tanh trunc",
    "indexing": "take take_along_axis",
    "inspection": "__array_namespace_info__",
    "linear algebra": "matmul matrix_transpose tensordot vecdot",
    "manipulation": "broadcast_arrays broadcast_to concat expand_dims flip moveaxis permute_dims "
    "repeat reshape roll squeeze stack tile unstack",
    "searching": "argmax argmin count_nonzero nonzero searchsorted where",
    "set": "unique_all unique_counts unique_inverse unique_values",
    "sorting": "argsort sort",
    "statistical": "cumulative_prod cumulative_sum max mean min prod std sum var",
    "utility": "all any diff",
    "linalg extension": "cholesky cross det diagonal eigh eigvalsh inv matmul matrix_norm "
    "matrix_power matrix_rank matrix_transpose outer pinv qr slogdet solve svd svdvals tensordot "
    "trace vecdot vector_norm",
    "fft extension": "fft ifft fftn ifftn rfft irfft rfftn irfftn hfft ihfft fftfreq rfftfreq "
    "fftshift ifftshift",
}


# Results that carry no gradient: integers, booleans, piecewise-constant functions,
# or values that are not functions of the inputs' values.
def _words(text: str) -> set[str]:
    return set(text.split())


NO_GRADIENT = _words(
    "e inf nan newaxis pi arange empty empty_like eye from_dlpack full full_like linspace "
    "ones ones_like zeros zeros_like astype can_cast finfo iinfo isdtype result_type "
    "bitwise_and bitwise_left_shift bitwise_invert bitwise_or bitwise_right_shift bitwise_xor ceil "
    "equal floor floor_divide greater greater_equal isfinite isinf isnan less less_equal "
    "logical_and logical_not logical_or logical_xor nextafter not_equal round sign signbit trunc "
    "__array_namespace_info__ argmax argmin count_nonzero nonzero searchsorted unique_all "
    "unique_counts unique_inverse unique_values argsort all any matrix_rank fftfreq rfftfreq"
)
# Differentiable through other primitives: where the composition is checked.
COMPOSED = {
    "eigh": "eigvalsh + eigh_vectors (spec); infinite at repeated eigenvalues, as PyTorch",
    "svd": "svd_u + svdvals + svd_vh (spec); full_matrices=True differentiable for square input",
    "pinv": "svd (spec) + where",
    "qr": "qr_q + qr_r (spec): reduced tall or square (PyTorch's rule), wide by composition",
    "asarray": "keeps the graph: the tensor itself, or astype/to/clone of it (tests/test_operators.py)",
    "astype": "astype primitive (spec)",
    "fftn": "spec row (fftn primitive; ifftn too)",
    "ifftn": "fftn primitive (spec)",
    "ifft": "fft primitive (spec)",
    "fftshift": "roll: slice + concat (spec)",
    "rfftn": "rfft + fftn primitives (spec)",
    "irfftn": "fftn + irfft primitives (spec)",
    "hfft": "conj + irfft primitives (spec)",
    "ihfft": "rfft + conj primitives (spec)",
    "ifftshift": "roll: slice + concat (spec)",
    "positive": "identity",
    "reciprocal": "divide (spec)",
    "square": "multiply (spec)",
    "meshgrid": "reshape + broadcast_to (spec); tests/test_namespace.py",
    "tril": "where (spec); tests/test_namespace.py",
    "triu": "where (spec); tests/test_namespace.py",
    "mean": "sum (spec)",
    "var": "spec row",
    "std": "spec row",
    "cumulative_prod": "multiply per entry; tests/test_namespace.py (exact at zeros)",
    "diff": "slice + subtract (spec); tests/test_namespace.py",
    "sort": "argsort + take_along_axis (gather spec); tests/test_namespace.py",
    "flip": "slice (spec)",
    "roll": "slice + concat (spec)",
    "tile": "reshape + broadcast_to (spec)",
    "repeat": "broadcast_to or take (spec)",
    "moveaxis": "permute_dims (spec)",
    "unstack": "slice (spec)",
    "broadcast_arrays": "broadcast_to (spec)",
    "take": "gather (spec)",
    "take_along_axis": "gather (spec)",
    "concat": "spec row",
    "stack": "spec row",
    "reshape": "spec row",
    "squeeze": "spec row",
    "expand_dims": "spec row",
    "permute_dims": "spec row",
    "broadcast_to": "spec row",
    "matrix_transpose": "permute_dims (spec)",
    "tensordot": "permute_dims + reshape + matmul (spec); tests/test_namespace.py",
    "vecdot": "multiply + sum (spec)",
    "where": "spec row",
    "clip": "spec row",
    "cross": "slice + multiply + stack (spec)",
    "diagonal": "take (gather spec)",
    "trace": "diagonal + sum",
    "outer": "multiply (spec)",
    "vector_norm": "abs/sqrt/sum/max (spec)",
    "matrix_norm": "sqrt/sum/max/svdvals (spec); fro, nuc, ±1, ±2 and ±inf",
    "matrix_power": "matmul, inv (spec)",
    "slogdet": "logabsdet primitive (spec); the sign has no gradient",
    "abs": "spec row",
    "negative": "spec row",
    "max": "spec row",
    "min": "spec row",
    "maximum": "spec row",
    "minimum": "spec row",
}
MISSING: dict[str, str] = {}


def _provided(ns, category: str, name: str) -> bool:
    if category == "linalg extension":
        return hasattr(ns.linalg, name)
    if category == "fft extension":
        return hasattr(ns.fft, name)
    return hasattr(ns, name)


def _status(name: str, spec_prims: set[str]) -> str:
    if name in MISSING:
        return "missing: " + MISSING[name]
    if name in spec_prims:
        return "gradient: spec row (orders 1 and 2, every backend)"
    if name in COMPOSED:
        return "gradient: composed (" + COMPOSED[name] + ")"
    if name in NO_GRADIENT:
        return "no gradient"
    return "UNCLASSIFIED"


def render() -> str:
    spec_prims = {s.prim for s in SPECS} | {
        "slogdet" if s.prim == "logabsdet" else s.prim for s in SPECS
    }
    ns = namespace(xn.get_backend("numpy"))
    lines = [
        "# Array API 2024.12 coverage of the xpnet namespace",
        "",
        "Generated by `python -m tests.test_array_api_coverage` from the namespace and the spec",
        "table (`tests/ops/spec.py`); `tests/test_array_api_coverage.py` fails when it is stale.",
        "`x.__array_namespace__()` of an xpnet tensor returns this namespace, bound to the",
        'tensor\'s backend. "spec row": forward values against NumPy and first- and second-order',
        "gradients against finite differences on every backend.",
        "",
    ]
    total = provided = 0
    for category, names in STANDARD.items():
        lines += [f"## {category}", "", "| function | in xpnet | gradient |", "| --- | --- | --- |"]
        for name in names.split():
            has = _provided(ns, category, name)
            total += 1
            provided += has
            lines.append(f"| `{name}` | {'yes' if has else 'no'} | {_status(name, spec_prims)} |")
        lines.append("")
    lines.insert(
        7,
        f"Covered: {provided} of {total} functions and constants; the rest are listed with the reason.\n",
    )
    return "\n".join(lines + TRAILER)


TRAILER = [
    "## the official conformance suite",
    "",
    "`tests/test_array_api_conformance.py` runs data-apis/array-api-tests (release 2025.05.23,",
    "the 2024.12 suite, vendored at `../shared/array-api-tests`) against `xpnet.array_api` in",
    "the default test run: `--max-examples=20 --derandomize`, complex dtypes and the fft",
    "extension included. Measured 2026-12-06 on the NumPy backend: 1214 passed, 19 expected",
    "failures, 7 skipped; every expected failure is listed with its reason in",
    "`tests/array_api_xfails.txt` (18 are floor_divide with infinite operands, where NumPy",
    "returns NaN as Python does; 1 a suite bug with NumPy dtypes). A new failure, or a listed",
    "test that passes, fails the test. array-api-strict in the same configuration: 1213",
    "passed, 20 failed (the same 18, `test_devices` and `test_repeat`).",
    "",
    "## complex numbers",
    "",
    "Complex tensors (`xn.tensor(1 + 2j)` is complex64, beside the float32 default) work with",
    "the elementwise functions, reductions, matmul and the fft extension, and can require grad.",
    "Gradients follow JAX's convention: each rule is the transpose of the derivative as a",
    "linear map, so for a real loss `L(z)` the gradient is `dL/dx - i dL/dy` (PyTorch returns",
    "its conjugate: step along `conj(z.grad)` to descend). A complex output is seeded with 1,",
    "which gives `f'(z)` for a holomorphic `f` (JAX's `grad(holomorphic=True)`).",
    "`tests/autodiff/test_complex.py` and `tests/ops/test_fft.py` check against `jax.grad`.",
    "The 2025.12 `linalg.eig` and `linalg.eigvals` are there too (on the host where the library",
    "has none): eigenvalues differentiate twice, eigenvectors once (checked against PyTorch and",
    "finite differences; a second derivative through them raises).",
    "",
    "## operators, conversion and in-place updates",
    "",
    "- Operators: `+ - * / // % ** @`, comparisons, `& | ^ ~ << >>` (bitwise on integer",
    "  tensors, logical on bool), their reflected and in-place forms, `__index__` (0-d",
    "  integer tensors), `__int__`, `__float__`, `__bool__`, `__complex__`",
    "  (`tests/test_operators.py`).",
    "- `asarray(x)` of an xpnet tensor returns `x` itself (or a differentiable cast, move",
    "  or copy with `dtype=`, `device=`, `copy=True`), and a list of tensors is stacked in",
    "  the graph, so `xp.asarray(x)` at the top of a library function keeps the gradient.",
    "  `np.asarray(t)` of a tensor that requires grad raises `GraphError` (as PyTorch does):",
    "  code that goes through NumPy would silently drop the gradient.",
    "- In-place updates in differentiated code (`x[key] = v`, `x += y`, `x *= y`...) are",
    "  recorded as PyTorch records them: the out-of-place operation, with `x` rebased onto",
    "  its result; a node that kept the old `x` refuses it at backward; a leaf that requires",
    "  grad is refused (`tests/autodiff/test_inplace_in_graph.py`, PyTorch as the oracle).",
    "  Integer-array `__setitem__` is not in the standard (array-api-strict refuses it).",
    "",
    "## SciPy's and scikit-learn's own test suites",
    "",
    "`tests/interop/test_library_suites.py` (`-m slow`, about 6 minutes on 2 cores) runs every",
    "test of SciPy 1.17's own suite that takes its `xp` fixture on xpnet's namespace (float64",
    "by default, as SciPy runs PyTorch; the plugin `tests/interop/xpnet_array_backend.py`",
    "adds xpnet as a backend SciPy has no special cases for). Measured 2026-12-07: 26,499",
    "passed, 51 expected failures, 3,396 skipped by SciPy's own markers; each expected failure",
    "is listed with its reason in `tests/interop/scipy_xfails.txt` (48 are `RBFInterpolator`,",
    "which calls `xp.diag`, not in the standard; the others use `xp.logspace`, test a lazy",
    "library, or match other libraries' error messages). Its first run found 178 failures,",
    "each fixed in xpnet and tested on its own in `tests/test_scipy_findings.py`: in-place",
    "writes into 0-d results and `tile` results, `full`'s dtype from its fill, NumPy scalars in",
    "lists keeping their dtype, `iter()` of a 0-d tensor, a Python complex beside a 0-d",
    "float64 result, `moveaxis` without axes, the default complex dtype beside float64, real",
    "matrices' eigenvalues in exact conjugate pairs, NumPy ufuncs on tensors",
    "(`tests/test_ufunc.py`) and PyTorch's `view(dtype)`.",
    "",
    "The same suite runs on xpnet's PyTorch backend (`XPNET_SUITE_BACKEND=torch`, about 10",
    "minutes). Its first run (2026-12-07) failed 1,616 tests: `full` with a 0-d tensor as the",
    "fill (762), NumPy code writing into `np.asarray(t)` as an `output=` array (ndimage",
    "filters; the copy took the writes), `devices()` listing PyTorch's `meta` device, tensor",
    "bounds of `linspace`/`arange`, NumPy arrays with negative strides, and a mean one ulp off",
    "(a product with 1/n instead of a division). Each is fixed and tested in",
    "`tests/test_scipy_findings.py`, as is `clone()`, which was `x * 1` (a complex infinity",
    "came back with a NaN part). Measured 2026-12-08 after the fixes: every test passes but",
    "the 51 expected failures above and the 51 of `tests/interop/scipy_torch_xfails.txt`",
    "(tests SciPy itself skips for PyTorch, and unsigned integers wider than 8 bits, for which",
    "PyTorch has no comparison, division or `linspace` kernels; xpnet moves their bits for",
    "gathers and flips). Two tests SciPy skips for PyTorch pass on xpnet's PyTorch backend.",
    "",
    "The same file runs scikit-learn 1.9's Array API tests (those that take their namespace",
    "from `yield_namespace_device_dtype_combinations`: estimators' `check_array_api_input`,",
    "metrics, PCA, Ridge, LogisticRegression, GaussianMixture, preprocessing, the loss and",
    "utility functions) on `xpnet.array_api` in float64 and float32: on the NumPy backend 999",
    "passed, 1 skipped by scikit-learn, none failed, on the first run; on the PyTorch backend",
    "995 passed and 4 failed, `label_binarize` of uint16-64 labels (no PyTorch kernels; the",
    "test leaves those dtypes out for a namespace named torch), listed in",
    "`tests/interop/sklearn_torch_xfails.txt`.",
    "",
    "## SciPy and scikit-learn through xpnet",
    "",
    "`tests/interop/test_scipy_sklearn.py` runs these on float64 xpnet tensors",
    "(`SCIPY_ARRAY_API=1`, `sklearn.config_context(array_api_dispatch=True)`): values equal",
    "NumPy's, gradients equal central finite differences. SciPy: `special.logsumexp`,",
    "`softmax`, `log_softmax`, `xlogy`; `stats.zscore`, `kurtosis`, `skew`, `moment`,",
    "`variation`, `gmean`, `hmean`, `pmean`, `sem`, `tmean`; `integrate.trapezoid`,",
    "`cumulative_trapezoid`. scikit-learn: `MinMaxScaler`, `MaxAbsScaler`,",
    "`euclidean_distances`, `rbf_kernel`, `linear_kernel`, `polynomial_kernel`, `PCA`",
    "(through `linalg.svd`).",
    "",
    "Known not to differentiate, each failing loudly: `scipy.special.expit`, `logit`,",
    "`entr`, `stats.entropy`, `integrate.simpson` (they call NumPy ufuncs: `GraphError`",
    "from `np.asarray`); `preprocessing.normalize`, `cosine_similarity`, `stats.boxcox_llf`",
    "(they change in place a value their own graph still needs: `GraphError`, as in",
    "PyTorch); `StandardScaler` (NaN gradients: the incremental variance divides 0 by 0 in",
    "the branch `where` discards, as PyTorch would); `Ridge` (centres its input in place",
    "after using it: `GraphError`).",
    "Metrics that return Python floats (`mean_squared_error`) have no gradient to give.",
    "",
]


def test_every_standard_name_is_provided_or_explained():
    ns = namespace(xn.get_backend("numpy"))
    spec_prims = {s.prim for s in SPECS}
    for category, names in STANDARD.items():
        for name in names.split():
            has = _provided(ns, category, name)
            assert has != (name in MISSING), (
                f"{name}: provided={has}, listed missing={name in MISSING}"
            )
            assert _status(name, spec_prims) != "UNCLASSIFIED", f"{name} has no gradient status"


def test_docs_table_is_current():
    assert DOC.read_text() == render(), (
        "docs/array_api.md is stale: run python -m tests.test_array_api_coverage"
    )


if __name__ == "__main__":
    DOC.write_text(render())
    print(f"wrote {DOC}")
