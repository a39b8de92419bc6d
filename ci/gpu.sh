#!/usr/bin/env bash
# The GPU job, for a self-hosted runner with a CUDA 12 GPU: adds CuPy to the backends
# and fails (rather than skips) when CuPy cannot use the GPU.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m pip install -q --disable-pip-version-check -e ".[test,cuda12]"
python3 -c "import xpnet as xn; print(xn.get_backend('cupy'))"
XPNET_TEST_BACKENDS="${XPNET_TEST_BACKENDS:-numpy,strict,cupy}" python3 -m pytest "$@"
