"""Run under ``mpiexec -n 2``: the differentiable collectives of ``torch.distributed.nn`` give
each rank the values and gradients of the adjoint collectives (printed by rank 0 and rank 1)."""

import sys
import warnings

import gradkit as gk
import gradkit.distributed as dist
from gradkit.distributed import nn as dist_nn

warnings.simplefilter("ignore", FutureWarning)
dist.init_process_group("mpi")
rank = dist.get_rank()
x = (gk.arange(3.0) + 10 * rank).requires_grad_()
w = gk.tensor([1.0, 2.0, 3.0]) * (rank + 1)  # a different weight on each rank
summed = dist_nn.all_reduce(x)                 # grad: sum over ranks of w -> 3 * [1,2,3]
gathered = dist_nn.all_gather(x)               # grad of rank r: sum over ranks of their w * (r+1)
bcast = dist_nn.broadcast(x, 0)                # grad only on rank 0: sum over ranks of w
loss = (summed * w).sum() + sum((g * w * (i + 1)).sum() for i, g in enumerate(gathered))
loss = loss + (bcast * w).sum()
loss.backward()
sys.stdout.write(f"rank {rank} summed {summed.tolist()} gathered "  # (one write per record:
                 f"{[g.tolist() for g in gathered]} grad {x.grad.tolist()}\n")  # ranks share
sys.stdout.flush()  # the launcher's stdout)
dist.destroy_process_group()
