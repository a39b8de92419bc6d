#!/usr/bin/env bash
# The CPU job (the README's test command): install, lint, type-check, test.
# Backends exercised: numpy, array-api-strict (default device, device1, no_float64),
# torch (CPU build) and jax (CPU); cupy tests skip with a reason.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m pip install -q --disable-pip-version-check -e ".[test]" torch==2.13.0 jax==0.10.2
python3 -m ruff check xpnet tests examples bench
python3 -m ruff format --check xpnet tests examples bench
python3 -m mypy
# Two workers (CI has 2 cores): about 4 minutes instead of 7. -p no:benchmark: a
# pytest-benchmark plugin, where installed, refuses to run under xdist.
python3 -m pytest -n 2 -p no:benchmark "$@"
