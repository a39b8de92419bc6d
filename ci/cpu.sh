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
# The documentation site (its tutorials execute) and the wheel and sdist, built where
# nothing is kept: both must build without a warning.
out=$(mktemp -d)
NO_MKDOCS_2_WARNING=1 python3 -m mkdocs build --strict --quiet --site-dir "$out/site"
python3 -m build --outdir "$out/dist" . >"$out/build.log" 2>&1 || { cat "$out/build.log"; exit 1; }
python3 -m twine check --strict "$out"/dist/*
rm -rf "$out"
# Two workers (CI has 2 cores): about 4 minutes instead of 7. -p no:benchmark: a
# pytest-benchmark plugin, where installed, refuses to run under xdist.
python3 -m pytest -n 2 -p no:benchmark "$@"
