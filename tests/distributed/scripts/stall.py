"""Run under mpiexec -n 2: rank 1 stalls for 20 s; rank 0 must raise within the 2 s timeout,
naming what it waited in and that rank 1 did not answer, and the job must end (abort).

argv: "collective" (rank 1 stalls before an all_reduce) or "ddp" (rank 1 stalls between its
forward and backward, so rank 0 times out in a gradient bucket's all-reduce).
"""

import sys
import time
from datetime import timedelta

import gradkit as gk
import gradkit.distributed as dist
import gradkit.nn as nn
from gradkit.nn.parallel import DistributedDataParallel as DDP

mode = sys.argv[1]
dist.init_process_group("gloo", timeout=timedelta(seconds=2))
rank = dist.get_rank()
t = gk.ones(3)
dist.all_reduce(t)  # both ranks arrive: no error
if mode == "collective":
    if rank == 1:
        time.sleep(20)
    dist.all_reduce(t)
else:
    model = DDP(nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2)))
    loss = model(gk.randn(5, 4)).sum()
    if rank == 1:
        time.sleep(20)
    loss.backward()
print(f"unreachable on rank {rank}", flush=True)
