"""Run under mpiexec -n 2 (or alone): DDP on half batches equals one process on full batches.

argv: optimizer name (SGD|Adam), accumulation steps (1 or 2). With GRADKIT_DDP_PART_MB set
small, the first gradients of each bucket are all-reduced ahead of the rest of it.
Rank 0 also trains a plain model on the full batches and compares the final parameters.
"""

import copy
import sys

import numpy as np

import gradkit as gk
import gradkit.distributed as dist
import gradkit.nn as nn
from gradkit.nn.parallel import DistributedDataParallel as DDP

opt_name, accum = sys.argv[1], int(sys.argv[2])
dist.init_process_group("mpi")
rank, world = dist.get_rank(), dist.get_world_size()

gk.manual_seed(0)
base = nn.Sequential(nn.Linear(6, 16), nn.Tanh(), nn.Linear(16, 3))
ref = copy.deepcopy(base)
if rank != 0:  # DDP must broadcast rank 0's weights: perturb the others
    with gk.no_grad():
        for p in base.parameters():
            p.add_(1.0)
model = DDP(base, bucket_cap_mb=0.0005)  # tiny buckets: several all-reduces per step

data = np.random.default_rng(1)
X = data.standard_normal((20 * accum, 8, 6)).astype(np.float32)
Y = data.integers(0, 3, (20 * accum, 8))


def make_opt(params):
    if opt_name == "SGD":
        return gk.optim.SGD(params, lr=0.1, momentum=0.9)
    return gk.optim.Adam(params, lr=0.01)


opt = make_opt(model.parameters())
ref_opt = make_opt(ref.parameters())
loss_fn = nn.CrossEntropyLoss()
shard = slice(rank * 8 // world, (rank + 1) * 8 // world)
for step in range(20):
    opt.zero_grad()
    ref_opt.zero_grad()
    for k in range(accum):
        b = step * accum + k
        x, y = gk.tensor(X[b]), gk.tensor(Y[b])
        if k < accum - 1:
            with model.no_sync():
                (loss_fn(model(x[shard]), y[shard]) / accum).backward()
        else:
            (loss_fn(model(x[shard]), y[shard]) / accum).backward()
        if rank == 0:
            (loss_fn(ref(x), y) / accum).backward()
    opt.step()
    if rank == 0:
        ref_opt.step()

# all ranks agree
for p in base.parameters():
    gathered = [gk.zeros(*p.shape) for _ in range(world)]
    dist.all_gather(gathered, p.detach().contiguous())
    for g in gathered:
        np.testing.assert_allclose(g.numpy(), gathered[0].numpy(), rtol=0, atol=0)
if rank == 0:
    for (n, a), (_, b) in zip(base.named_parameters(), ref.named_parameters()):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-4, atol=1e-5,
                                   err_msg=n)
print(f"equivalence ok rank {rank}/{world} {opt_name} accum={accum} "
      f"parts={model.parts_started}", flush=True)
