#!/usr/bin/env bash
# Training-step speed in Pyodide (WebAssembly, under Node) against native CPython on the same
# machine: bash benchmarks/bench_pyodide.sh [ROUNDS]  (default 5)
#
# Sets Pyodide up through tests/pyodide/run.sh --setup-only (the same pinned, hash-checked
# packages as the Pyodide test job), then runs benchmarks/bench_pyodide.py ROUNDS times in each,
# alternating (native with one BLAS thread and one optimizer thread, as Pyodide has no threads),
# and prints the median steps/s per workload and the ratio native / Pyodide.
# Not part of CI: it takes a few minutes.
#
# Node runs with --no-liftoff (NODE_FLAGS overrides): every WebAssembly function is compiled by
# V8's optimizing tier up front, so the steps are timed on the code a page runs once warm.
# By default V8 first runs its baseline tier and optimizes hot functions in the background; on
# a loaded machine that tier-up can lag the whole measurement (the CNN at load 18: 26 steps/s
# with the default tiers, 301 with --no-liftoff, same run order).
set -euo pipefail
ROUNDS=${1:-5}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PYTHON=${PYTHON:-python3}
eval "$(bash "$ROOT/tests/pyodide/run.sh" --setup-only | grep -E '^(DIST|WHEEL)=')"
LOG=$(mktemp)
trap 'rm -f "$LOG"' EXIT
"$PYTHON" -c "import platform; print('CPU:', next((l.split(':', 1)[1].strip() for l in open('/proc/cpuinfo') if l.startswith('model name')), platform.processor()))" || true
for i in $(seq "$ROUNDS"); do
  OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 GRADKIT_OPTIM_THREADS=1 \
    PYTHONPATH="$ROOT" "$PYTHON" "$ROOT/benchmarks/bench_pyodide.py" | grep '^RESULT' | tee -a "$LOG"
  node ${NODE_FLAGS---no-liftoff} "$ROOT/tests/pyodide/run_in_pyodide.mjs" "$DIST" "$WHEEL" "$ROOT/benchmarks/bench_pyodide.py" \
    | grep '^RESULT' | tee -a "$LOG"
done
"$PYTHON" "$ROOT/benchmarks/bench_pyodide.py" --summarise "$LOG"
