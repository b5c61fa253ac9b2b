"""A PyTorch DDP training script written in PyTorch's idioms, run unchanged by both
``torchrun --nproc_per_node 2 torch_ddp.py`` and ``mpiexec -n 2 gradkit run torch_ddp.py``.

It reads the launcher's variables before init_process_group, shards the data with a shuffling
DistributedSampler, wraps the model in DDP, all-reduces a metric, checks with all_gather that
every rank holds the same weights, saves rank 0's checkpoint and leaves the group. argv: the
backend, the checkpoint path.
"""

import os
import sys
from datetime import timedelta

import numpy as np
import torch
import torch.distributed as dist
import torch.nn as nn
from torch.nn.parallel import DistributedDataParallel as DDP
from torch.utils.data import DataLoader, TensorDataset
from torch.utils.data.distributed import DistributedSampler


def main():
    backend, ckpt = sys.argv[1], sys.argv[2]
    rank = int(os.environ["RANK"])
    world_size = int(os.environ["WORLD_SIZE"])
    local_rank = int(os.environ["LOCAL_RANK"])
    assert 0 <= local_rank < int(os.environ["LOCAL_WORLD_SIZE"]) and os.environ["MASTER_ADDR"]
    dist.init_process_group(backend=backend, init_method="env://", rank=rank,
                            world_size=world_size, timeout=timedelta(seconds=120))
    assert dist.is_initialized() and dist.get_world_size() == world_size

    data = np.random.default_rng(0)
    X = torch.from_numpy(data.standard_normal((192, 10)).astype(np.float32))
    y = torch.from_numpy((X.numpy()[:, 0] + X.numpy()[:, 1] > 0).astype(np.int64))
    dataset = TensorDataset(X, y)
    sampler = DistributedSampler(dataset, num_replicas=world_size, rank=rank, shuffle=True,
                                 seed=3)
    loader = DataLoader(dataset, batch_size=16, sampler=sampler)

    model = nn.Sequential(nn.Linear(10, 32), nn.Tanh(), nn.Linear(32, 2))
    init = np.random.default_rng(1 + rank)  # different on each rank: DDP broadcasts rank 0's
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.from_numpy(init.standard_normal(tuple(p.shape)).astype(np.float32)
                                     * 0.3))
    ddp_model = DDP(model)
    optimizer = torch.optim.SGD(ddp_model.parameters(), lr=0.1, momentum=0.9)
    loss_fn = nn.CrossEntropyLoss()

    for epoch in range(3):
        sampler.set_epoch(epoch)
        ddp_model.train()
        totals = torch.zeros(3)
        for xb, yb in loader:
            optimizer.zero_grad()
            out = ddp_model(xb)
            loss = loss_fn(out, yb)
            loss.backward()
            optimizer.step()
            correct = (out.argmax(dim=1) == yb).sum().item()
            totals += torch.tensor([loss.item() * yb.size(0), correct, yb.size(0)])
        dist.all_reduce(totals, op=dist.ReduceOp.SUM)
        if rank == 0:
            print(f"epoch {epoch} loss {totals[0].item() / totals[2].item():.6f} "
                  f"acc {totals[1].item() / totals[2].item():.4f} n {int(totals[2].item())}",
                  flush=True)
    dist.barrier()

    flat = torch.cat([p.detach().reshape(-1) for p in ddp_model.module.parameters()])
    gathered = [torch.zeros_like(flat) for _ in range(world_size)]
    dist.all_gather(gathered, flat)
    assert all(torch.equal(gathered[0], g) for g in gathered), "ranks diverged"
    if rank == 0:
        torch.save(ddp_model.module.state_dict(), ckpt)
        print(f"weights {flat.sum().item():.6f} {flat.abs().sum().item():.6f}", flush=True)
    ranks = [None] * world_size
    dist.all_gather_object(ranks, f"rank {rank}/{world_size} local {local_rank} done")
    if rank == 0:  # one process prints: the two ranks' lines would interleave
        print("\n".join(ranks), flush=True)
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
