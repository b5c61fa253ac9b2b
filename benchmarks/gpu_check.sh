#!/usr/bin/env bash
# The device check for the CuPy backend, run on a machine with an NVIDIA GPU, CuPy and PyTorch
# (nothing is installed): GPU parity tests for every layer, loss and optimizer, then the GPU
# benchmark against PyTorch on the same GPU. Logs go to $OUT (or ./gpu_out).
set -uo pipefail
cd "$(dirname "$0")/.."
out="${OUT:-gpu_out}"
mkdir -p "$out"
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1
{
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
  python3 -c "import cupy, numpy, torch; print('cupy', cupy.__version__, 'numpy', numpy.__version__, 'torch', torch.__version__)"
  python3 -c "import gradkit as gk; print('gradkit cuda available:', gk.cuda.is_available())"
} 2>&1 | tee "$out/env.txt"
python3 -m pytest -q -p no:cacheprovider -o addopts="" tests/device tests/test_smoke.py \
  2>&1 | tee "$out/gpu_tests.log"
tests_rc=${PIPESTATUS[0]}
timeout 300 python3 benchmarks/bench_gpu.py 2>&1 | tee "$out/bench_gpu.log"
echo "tests exit code: $tests_rc" | tee -a "$out/env.txt"
exit "$tests_rc"
