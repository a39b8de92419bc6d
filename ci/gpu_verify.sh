#!/usr/bin/env bash
# A lent GPU machine's whole check in one call, offline (see ../shared/gpu/README.md):
#   1. CuPy and xpnet import, the GPU is named;
#   2. the test suite on the cupy backend (tests without the backend fixture run too),
#      failing, not skipping, where CuPy is missing;
#   3. examples/gpu_training.py for two epochs;
#   4. bench/gpu.py --quick (every workload's ms/step against hand-written CuPy and PyTorch).
# Logs and bench/results/gpu.{json,md} go to $OUT (default ./gpu-out). The steps have
# their own time limits (TEST_TIMEOUT, BENCH_TIMEOUT seconds) so that one slow step
# still leaves the others' output. Wheels in .whl/ (array-api-compat, array-api-strict)
# are installed into /tmp/site first, where there is such a folder.
set -uo pipefail
cd "$(dirname "$0")/.."
out="${OUT:-gpu-out}"
mkdir -p "$out"
if [ -d .whl ]; then
    python3 -m pip install -q --no-index --no-deps --target /tmp/site .whl/*.whl || exit 1
fi
export PYTHONPATH="/tmp/site:$PWD${PYTHONPATH:+:$PYTHONPATH}"
export XLA_PYTHON_CLIENT_PREALLOCATE=false PYTHONUNBUFFERED=1

python3 -c "import cupy, xpnet as xn; print('CuPy', cupy.__version__, 'on', xn.get_backend('cupy'))" \
    2>&1 | tee "$out/env.log" || { echo "no usable CuPy: stopping"; exit 1; }
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv 2>&1 | tee -a "$out/env.log"

status=0
XPNET_TEST_BACKENDS=cupy timeout "${TEST_TIMEOUT:-300}" python3 -m pytest -q -n 8 \
    -p no:cacheprovider -p no:benchmark -rfs 2>&1 | tee "$out/pytest.log" | tail -40 || status=1
timeout 120 python3 examples/gpu_training.py --epochs 2 2>&1 | tee "$out/example.log" | tail -5 \
    || status=1
timeout "${BENCH_TIMEOUT:-240}" python3 bench/gpu.py --quick 2>&1 | tee "$out/bench.log" | tail -30 \
    || status=1
cp bench/results/gpu.json bench/results/gpu.md "$out/" 2>/dev/null
exit $status
