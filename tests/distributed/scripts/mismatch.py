"""Run under mpiexec -n 2: ranks build different models; DDP names the parameter."""

import gradkit.distributed as dist
import gradkit.nn as nn
from gradkit.nn.parallel import DistributedDataParallel as DDP

dist.init_process_group("mpi")
width = 4 if dist.get_rank() == 0 else 5
try:
    DDP(nn.Linear(3, width))
except RuntimeError as e:
    print(f"mismatch detected rank {dist.get_rank()}: {e}", flush=True)
