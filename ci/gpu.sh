#!/usr/bin/env bash
# The GPU job: the test suite on numpy, array-api-strict and CuPy, failing (not skipping)
# when CuPy cannot use the GPU. Works offline when the packages are already there:
#   - an importable CuPy (cupy-cuda12x or cupy-cuda13x) is used as it is; only when none
#     is, the extra matching the driver's CUDA major is installed (that needs the network);
#   - XPNET_WHEELS=dir installs array-api-compat and array-api-strict from wheels in dir,
#     into a private folder on PYTHONPATH (no site-packages write: no PEP 668 refusal);
#   - tqdm and matplotlib are optional (the tests that need them skip);
#   - JAX, where installed, must not take 75% of the GPU's memory in a test worker;
#   - xpnet itself runs from the checkout (PYTHONPATH), so nothing is built.
# Extra arguments go to pytest (e.g. -x, -k cupy).
set -euo pipefail
cd "$(dirname "$0")/.."
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
export XLA_PYTHON_CLIENT_PREALLOCATE=false
PIP=(python3 -m pip install -q --disable-pip-version-check)

if [ -n "${XPNET_WHEELS:-}" ]; then
    site="${TMPDIR:-/tmp}/xpnet-site"
    "${PIP[@]}" --no-index --no-deps --target "$site" "$XPNET_WHEELS"/*.whl
    export PYTHONPATH="$site:$PYTHONPATH"
fi
missing=$(python3 - <<'EOF'
import importlib.util
need = {"numpy": "numpy", "array_api_compat": "array-api-compat", "array_api_strict": "array-api-strict",
        "pytest": "pytest", "hypothesis": "hypothesis"}
print(" ".join(pkg for mod, pkg in need.items() if importlib.util.find_spec(mod) is None))
EOF
)
if [ -n "$missing" ]; then
    echo "installing (needs the network): $missing"
    "${PIP[@]}" $missing
fi
if ! python3 -c "import cupy" 2>/dev/null; then
    major=$(nvidia-smi 2>/dev/null | sed -n 's/.*CUDA Version: \([0-9]*\).*/\1/p' | head -1)
    extra=$([ "${major:-13}" -ge 13 ] && echo cuda13 || echo cuda12)
    echo "no CuPy importable: installing the $extra extra (needs the network)"
    "${PIP[@]}" -e ".[$extra]"
fi
python3 -c "import cupy, xpnet as xn; print('CuPy', cupy.__version__, 'on', xn.get_backend('cupy'))"

# pytest-benchmark warns when xdist is active, and warnings are errors in this suite.
args=(-p no:cacheprovider -p no:benchmark)
if python3 -c "import xdist" 2>/dev/null; then
    args+=(-n "${XPNET_TEST_WORKERS:-8}")
fi
XPNET_TEST_BACKENDS="${XPNET_TEST_BACKENDS:-numpy,strict,cupy}" python3 -m pytest "${args[@]}" "$@"
