"""Run under mpiexec -n 2: ZeroRedundancyOptimizer equals the unsharded optimizer.

DDP + ZeroRedundancyOptimizer(Adam) on half batches against plain Adam on full batches (rank 0
keeps the reference): the same parameters after every step, half the optimizer state per rank,
an LR scheduler on the wrapper reaching the shards, consolidate_state_dict giving the plain
optimizer's state dict, and load_state_dict resuming to the same trajectory.
"""

import copy

import numpy as np

import gradkit as gk
import gradkit.distributed as dist
import gradkit.nn as nn
from gradkit.distributed.optim import ZeroRedundancyOptimizer
from gradkit.nn.parallel import DistributedDataParallel as DDP

dist.init_process_group("gloo")
rank, world = dist.get_rank(), dist.get_world_size()

gk.manual_seed(0)
base = nn.Sequential(nn.Linear(16, 32), nn.Tanh(), nn.Linear(32, 16), nn.Tanh(), nn.Linear(16, 3))
ref = copy.deepcopy(base)
model = DDP(base)
groups = lambda m: [{"params": list(m[0].parameters()) + list(m[2].parameters())},  # noqa: E731
                    {"params": list(m[4].parameters()), "lr": 0.003}]
zero = ZeroRedundancyOptimizer(groups(base), gk.optim.Adam, lr=0.01, weight_decay=1e-3)
plain = gk.optim.Adam(groups(ref), lr=0.01, weight_decay=1e-3)
sched = gk.optim.lr_scheduler.StepLR(zero, step_size=5, gamma=0.5)
ref_sched = gk.optim.lr_scheduler.StepLR(plain, step_size=5, gamma=0.5)

data = np.random.default_rng(1)
X = data.standard_normal((30, 8, 16)).astype(np.float32)
Y = data.integers(0, 3, (30, 8))
loss_fn = nn.CrossEntropyLoss()
half = slice(rank * 8 // world, (rank + 1) * 8 // world)


def params(m):
    return np.concatenate([p.detach().numpy().ravel() for p in m.parameters()])


def train(steps):
    for b in steps:
        zero.zero_grad()
        plain.zero_grad()
        loss_fn(model(gk.tensor(X[b][half])), gk.tensor(Y[b][half])).backward()
        zero.step()
        sched.step()
        loss_fn(ref(gk.tensor(X[b])), gk.tensor(Y[b])).backward()
        plain.step()
        ref_sched.step()
        np.testing.assert_allclose(params(base), params(ref), rtol=1e-5, atol=1e-6)


train(range(12))
assert zero.param_groups[0]["lr"] == plain.param_groups[0]["lr"] == 0.01 * 0.25
assert zero.optim.param_groups[0]["lr"] == 0.0025  # the scheduler reached the local optimizer

# each rank holds about half of Adam's state, and the shards together hold all of it
nbytes = sum(v._data.nbytes for st in zero.optim.state.values() for v in st.values()
             if hasattr(v, "_data") and v._data.ndim)
full = sum(v._data.nbytes for st in plain.state.values() for v in st.values()
           if hasattr(v, "_data") and v._data.ndim)
sizes = [None] * world
dist.all_gather_object(sizes, nbytes)
assert sum(sizes) == full and max(sizes) <= 0.6 * full, (sizes, full)
assert len(zero.optim.state) < len(plain.state)

# consolidated, the state dict is the plain optimizer's
try:
    zero.state_dict()
    raise SystemExit("state_dict before consolidate_state_dict must raise")
except RuntimeError as e:
    assert "consolidate_state_dict" in str(e)
zero.consolidate_state_dict(to=0)
if rank == 0:
    sd, ref_sd = zero.state_dict(), plain.state_dict()
    assert [g["params"] for g in sd["param_groups"]] == \
        [g["params"] for g in ref_sd["param_groups"]]
    assert [g["lr"] for g in sd["param_groups"]] == [g["lr"] for g in ref_sd["param_groups"]]
    assert sorted(sd["state"]) == sorted(ref_sd["state"])
    for i, st in ref_sd["state"].items():
        assert sorted(st) == sorted(sd["state"][i])
        for k, v in st.items():
            np.testing.assert_allclose(np.asarray(sd["state"][i][k]), np.asarray(v), rtol=1e-5,
                                       atol=1e-7)
    saved = copy.deepcopy(sd)
else:
    try:
        zero.state_dict()
        raise SystemExit("only rank 0 holds the consolidated state")
    except RuntimeError:
        pass
    saved = None

# a fresh ZeroRedundancyOptimizer loads the checkpoint (broadcast to every rank) and continues
box = [saved]
dist.broadcast_object_list(box, src=0)
zero = ZeroRedundancyOptimizer(groups(base), gk.optim.Adam, lr=0.5)
zero.load_state_dict(box[0])
assert zero.param_groups[1]["lr"] == 0.003 * 0.25
sched = gk.optim.lr_scheduler.StepLR(zero, step_size=5, gamma=0.5)
ref_sched = gk.optim.lr_scheduler.StepLR(plain, step_size=5, gamma=0.5)
train(range(12, 18))
print(f"zero ok rank {rank}: optimizer state {nbytes} of {full} bytes", flush=True)
dist.destroy_process_group()
