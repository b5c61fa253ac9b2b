"""Run under mpiexec -n 2: rank 1 raises; the job must end (non-zero) instead of hanging."""

import gradkit as gk
import gradkit.distributed as dist

dist.init_process_group("mpi")
if dist.get_rank() == 1:
    raise ValueError("rank 1 fails on purpose")
t = gk.ones(3)
dist.all_reduce(t)  # rank 0 would wait here forever without the abort hook
print("unreachable", flush=True)
