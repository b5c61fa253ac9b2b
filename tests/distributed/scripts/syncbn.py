"""Run under mpiexec -n 2: SyncBatchNorm on half batches equals BatchNorm on the global batch.

A conv net with BatchNorm2d and BatchNorm1d is converted with convert_sync_batchnorm and wrapped
in DDP; rank 0 keeps a plain copy trained on the full batches. Per step: each rank's output
equals the reference's rows of its shard, its input gradient equals the reference's times the
world size (each rank's loss is the mean over its shard), and after the step the parameters
and running statistics equal the reference's. Eval mode uses the running statistics.
"""

import copy

import numpy as np

import gradkit as gk
import gradkit.distributed as dist
import gradkit.nn as nn
from gradkit.nn.parallel import DistributedDataParallel as DDP

dist.init_process_group("gloo")
rank, world = dist.get_rank(), dist.get_world_size()
gk.manual_seed(0)
net = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), nn.ReLU(), nn.Flatten(),
                    nn.Linear(4 * 4 * 4, 8), nn.BatchNorm1d(8, momentum=None), nn.Tanh(),
                    nn.Linear(8, 2))
ref = copy.deepcopy(net)
sync = nn.SyncBatchNorm.convert_sync_batchnorm(net)
assert isinstance(sync[1], nn.SyncBatchNorm) and isinstance(sync[5], nn.SyncBatchNorm)
assert sync[1].weight is net[1].weight and len(list(sync.parameters())) == 10
model = DDP(sync)
opt = gk.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
ref_opt = gk.optim.SGD(ref.parameters(), lr=0.1, momentum=0.9)
data = np.random.default_rng(2)
B = 10  # shards of 5
rows = slice(rank * B // world, (rank + 1) * B // world)
for _step in range(4):
    X = (data.standard_normal((B, 3, 6, 6)) * 2 + 1).astype(np.float32)
    Y = data.integers(0, 2, B)
    x = gk.tensor(X[rows], requires_grad=True)
    out = model(x)
    nn.functional.cross_entropy(out, gk.tensor(Y[rows])).backward()
    xr = gk.tensor(X, requires_grad=True)
    ref_out = ref(xr)
    nn.functional.cross_entropy(ref_out, gk.tensor(Y)).backward()
    np.testing.assert_allclose(out.detach().numpy(), ref_out.detach().numpy()[rows],
                               rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(x.grad.numpy(), world * xr.grad.numpy()[rows], rtol=1e-4,
                               atol=1e-6)
    for p, q in zip(sync.parameters(), ref.parameters()):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-4, atol=1e-6)
    opt.step()
    ref_opt.step()
    opt.zero_grad()
    ref_opt.zero_grad()
    for (name, b), (_, rb) in zip(sync.named_buffers(), ref.named_buffers()):
        np.testing.assert_allclose(b.numpy(), rb.numpy(), rtol=1e-5, atol=1e-6, err_msg=name)

sync.eval()
ref.eval()
X = data.standard_normal((4, 3, 6, 6)).astype(np.float32)
np.testing.assert_allclose(sync(gk.tensor(X)).detach().numpy(),
                           ref(gk.tensor(X)).detach().numpy(), rtol=1e-5, atol=1e-6)
try:
    nn.SyncBatchNorm(3)(gk.ones(3))
    raise SystemExit("a 1-D input must be refused")
except ValueError as e:
    assert "expected at least 2D input (got 1D input)" in str(e)
print(f"syncbn ok rank {rank}", flush=True)
dist.destroy_process_group()
