"""Data-parallel scaling on this machine: the MLP 784-1024-1024-10 step at batch 512.

Runs the same global batch on 1 process and on 2 MPI ranks (each with half the batch) and
reports the step time, the share of the step spent waiting for gradient all-reduces, and the
scaling efficiency at equal core count (t1 / t2: both runs use the same 2 cores).

Run: python benchmarks/bench_distributed.py          (launches mpiexec itself)
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def worker(steps=30):
    sys.path.insert(0, str(HERE))
    import common  # noqa: F401  (BLAS environment)
    import numpy as np

    import gradkit as gk
    import gradkit.distributed as dist
    import gradkit.nn as nn
    from gradkit.nn.parallel import DistributedDataParallel as DDP

    dist.init_process_group("mpi")
    rank, world = dist.get_rank(), dist.get_world_size()
    gk.manual_seed(0)
    model = nn.Sequential(nn.Linear(784, 1024), nn.ReLU(), nn.Linear(1024, 1024), nn.ReLU(),
                          nn.Linear(1024, 10))
    model = DDP(model)
    opt = gk.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    loss_fn = nn.CrossEntropyLoss()
    rng = np.random.default_rng(rank)
    per_rank = 512 // world
    x = gk.tensor(rng.standard_normal((per_rank, 784)).astype(np.float32))
    y = gk.tensor(rng.integers(0, 10, per_rank))

    waited = [0.0]
    orig_finish = model._finish

    def timed_finish():
        t0 = time.perf_counter()
        orig_finish()
        waited[0] += time.perf_counter() - t0

    model._finish = timed_finish
    times = []
    for i in range(steps + 5):
        if i == 5:
            waited[0] = 0.0
        dist.barrier()
        t0 = time.perf_counter()
        opt.zero_grad()
        loss_fn(model(x), y).backward()
        opt.step()
        times.append(time.perf_counter() - t0)
    med = float(np.median(times[5:]))
    if rank == 0:
        print(f"RESULT world={world} step_ms={med * 1e3:.2f} "
              f"comm_wait_share={waited[0] / sum(times[5:]):.3f}", flush=True)


def main():
    mpiexec = shutil.which("mpiexec", path=str(Path(sys.executable).parent)) or \
        shutil.which("mpiexec")
    if mpiexec is None:
        print("bench_distributed: mpiexec not found (pip install mpi4py mpich)")
        return
    env = dict(os.environ, BENCH_THREADS="1")
    results = {}
    for n in (1, 2):
        # one BLAS thread per rank so 2 ranks use the same 2 cores as 1 rank with 2 threads
        env_n = dict(env, OPENBLAS_NUM_THREADS=str(2 // n), OMP_NUM_THREADS=str(2 // n))
        out = subprocess.run([mpiexec, "-n", str(n), sys.executable, __file__, "--worker"],
                             capture_output=True, text=True, env=env_n, timeout=600)
        line = [ln for ln in out.stdout.splitlines() if ln.startswith("RESULT")]
        if not line:
            print(out.stdout, out.stderr)
            return
        fields = dict(kv.split("=") for kv in line[0].split()[1:])
        results[n] = (float(fields["step_ms"]), float(fields["comm_wait_share"]))
    t1, _ = results[1]
    t2, share = results[2]
    print("\n## distributed: MLP 784-1024-1024-10, global batch 512, SGD momentum")
    print(f"1 process (2 BLAS threads):      {t1:8.2f} ms/step")
    print(f"2 ranks (1 BLAS thread each):    {t2:8.2f} ms/step, {share * 100:.1f}% of the step "
          f"waiting for all-reduce")
    # Both runs use the same 2 cores (2 BLAS threads vs 2 ranks of 1 thread), so the ideal is
    # equal step time: the efficiency is t1 / t2, and what it loses is communication plus the
    # per-rank work that does not split (Python overhead, optimizer on every rank).
    print(f"scaling efficiency {t1 / t2 * 100:.0f}% at equal core count (ideal 100%: the same "
          f"2 cores do the same work; 2 ranks on 2 machines would double the cores)")


if __name__ == "__main__":
    if "--worker" in sys.argv:
        worker()
    else:
        main()
