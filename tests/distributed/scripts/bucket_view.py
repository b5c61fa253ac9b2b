"""Run under mpiexec -n 2: DistributedDataParallel(gradient_as_bucket_view=True).

Trains three copies of one model: DDP with gradient_as_bucket_view=True, DDP without it, and
(rank 0) one process on the full batches; argv[1] picks the communication hook (none|fp16).
Checks after every synchronised backward that the gradients are views of their bucket's flat
buffer and equal the default DDP's bit for bit; that with zero_grad(set_to_none=False) the same
view is reused (nothing copied in or out); that gradients existing before wrapping become views;
that an unused parameter (find_unused_parameters=True) gets a zero view; and at the end that
parameters and state_dicts equal the default DDP's, every rank's and one process's.

The default DDP makes a gradient a bucket view only where the program cannot tell: a gradient
made by the synchronised backward becomes one (no copy back), a gradient tensor that existed
before it (accumulated under no_sync, zeroed in place) keeps its identity and gets the averaged
values written into it, and a gradient of an earlier step that the program kept is never
changed by later steps (the bucket moves to fresh memory then, and only then).
"""

import copy
import sys

import numpy as np

import gradkit as gk
import gradkit.distributed as dist
import gradkit.nn as nn
from gradkit.distributed.algorithms.ddp_comm_hooks import default_hooks
from gradkit.nn.parallel import DistributedDataParallel as DDP

hook = sys.argv[1]
dist.init_process_group("mpi")
rank, world = dist.get_rank(), dist.get_world_size()


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = nn.Linear(6, 16)
        self.b = nn.Linear(16, 3)
        self.unused = nn.Linear(3, 3)

    def forward(self, x):
        return self.b(gk.tanh(self.a(x)))


gk.manual_seed(0)
base = Net()
ref = copy.deepcopy(base)
plain = copy.deepcopy(base)
# a gradient that exists before wrapping becomes a view of its bucket, with its values
pre = np.full(base.a.weight.shape, 0.5, np.float32)
base.a.weight.grad = gk.tensor(pre.copy())
view = DDP(base, bucket_cap_mb=0.0005, gradient_as_bucket_view=True,
           find_unused_parameters=True)
default = DDP(plain, bucket_cap_mb=0.0005, find_unused_parameters=True)
assert view.gradient_as_bucket_view and not default.gradient_as_bucket_view


def bucket_of(model, p):
    return model._buckets[model._bucket_of[id(p)]]


g0 = base.a.weight.grad._data
assert g0.base is bucket_of(view, base.a.weight).flat, "a .grad set before DDP is not a view"
np.testing.assert_array_equal(g0, pre)
base.a.weight.grad = None
if hook == "fp16":
    view.register_comm_hook(None, default_hooks.fp16_compress_hook)
    default.register_comm_hook(None, default_hooks.fp16_compress_hook)

opts = [gk.optim.SGD(m.parameters(), lr=0.1, momentum=0.9) for m in (view, default)]
ref_opt = gk.optim.SGD(ref.parameters(), lr=0.1, momentum=0.9)
data = np.random.default_rng(1)
X = data.standard_normal((12, 8, 6)).astype(np.float32)
Y = data.integers(0, 3, (12, 8))
loss_fn = nn.CrossEntropyLoss()
shard = slice(rank * 8 // world, (rank + 1) * 8 // world)
previous = None
kept = None
for step in range(12):
    set_to_none = step % 3 != 2  # PyTorch's default, and zeroing in place every third step
    for o in (*opts, ref_opt):
        o.zero_grad(set_to_none=set_to_none)
    x, y = gk.tensor(X[step]), gk.tensor(Y[step])
    moved = default.buckets_moved
    for m in (view, default):
        if step % 4 == 1:  # accumulate a micro-batch locally first
            with m.no_sync():
                (loss_fn(m(x[shard]), y[shard]) / 2).backward()
            # the default DDP's gradients before the synchronised backward
            before = {n: q.grad for n, q in plain.named_parameters()}
            (loss_fn(m(x[shard]), y[shard]) / 2).backward()
        else:
            before = {n: q.grad for n, q in plain.named_parameters()}
            loss_fn(m(x[shard]), y[shard]).backward()
    if rank == 0:
        if step % 4 == 1:
            (loss_fn(ref(x), y) / 2).backward()
            (loss_fn(ref(x), y) / 2).backward()
        else:
            loss_fn(ref(x), y).backward()
    grads = {}
    for (n, p), (_, q) in zip(base.named_parameters(), plain.named_parameters()):
        b = bucket_of(view, p)
        assert p.grad is not None, n
        assert p.grad._data.base is b.flat, f"step {step}: {n}.grad is not a view of its bucket"
        assert p.grad._data is b.views[b.position[id(p)]], n
        if before[n] is not None:  # it existed before backward: the same tensor, written back
            assert q.grad is before[n], f"step {step}: {n}.grad was replaced"
        if before[n] is None or before[n]._data.base is bucket_of(default, q).flat:
            # made by this backward, or a view kept by zero_grad(set_to_none=False): a view
            assert q.grad._data is bucket_of(default, q).views[bucket_of(default, q).position[
                id(q)]], f"step {step}: {n}.grad is not a view of the default DDP's bucket"
        else:
            assert not np.shares_memory(q.grad._data, bucket_of(default, q).flat), n
        np.testing.assert_array_equal(p.grad.numpy(), q.grad.numpy(), err_msg=f"{step} {n}")
        grads[n] = p.grad._data
    assert not base.unused.weight.grad.numpy().any(), "an unused parameter's gradient is not 0"
    if previous is not None and not set_to_none:
        # zeroed in place: the gradients were accumulated straight into the bucket views
        assert all(grads[n] is previous[n] for n in grads), step
    previous = grads
    if kept is not None:  # a gradient kept from step 3 did not change; its bucket moved once
        np.testing.assert_array_equal(kept[0].numpy(), kept[1], err_msg=f"step {step}")
        assert default.buckets_moved == 1, (step, default.buckets_moved)
    else:
        assert default.buckets_moved == moved == 0, (step, default.buckets_moved)
    if step == 3:
        kept = (plain.b.weight.grad, plain.b.weight.grad.numpy().copy())
    for o in opts:
        o.step()
    if rank == 0:
        ref_opt.step()

for m in (base, plain):
    for p in m.parameters():
        gathered = [gk.zeros(*p.shape) for _ in range(world)]
        dist.all_gather(gathered, p.detach().contiguous())
        for g in gathered:
            np.testing.assert_array_equal(g.numpy(), gathered[0].numpy())
sd_view, sd_default = view.state_dict(), default.state_dict()
assert list(sd_view) == list(sd_default) == [f"module.{k}" for k in ref.state_dict()], \
    list(sd_view)
for k in sd_view:
    np.testing.assert_array_equal(sd_view[k].numpy(), sd_default[k].numpy(), err_msg=k)
    assert not np.shares_memory(sd_view[k]._data, bucket_of(view, base.a.weight).flat), k
if rank == 0 and hook == "none":
    for (n, a), (_, b) in zip(base.named_parameters(), ref.named_parameters()):
        if not n.startswith("unused"):
            np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-4,
                                       atol=1e-5, err_msg=n)
print(f"bucket view ok rank {rank}/{world} hook={hook}", flush=True)

# the progress thread lives as long as its DDP module (parked between backward passes) and ends
# with it: a program that builds many DDP models does not pile up threads
import gc  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402


def progress_threads():
    return sum(t.name == "gradkit-ddp-progress" for t in threading.enumerate())


alive = progress_threads()
for _ in range(3):
    tmp = DDP(Net(), bucket_cap_mb=0.0005, find_unused_parameters=True)
    for _ in range(2):
        loss_fn(tmp(gk.tensor(X[0][shard])), gk.tensor(Y[0][shard])).backward()
    # it ran (buckets were in flight during backward) and is parked now
    assert tmp._poller is None or progress_threads() == alive + 1, progress_threads()
    del tmp
    gc.collect()
    deadline = time.monotonic() + 5
    while progress_threads() > alive and time.monotonic() < deadline:
        time.sleep(0.01)
    assert progress_threads() == alive, (progress_threads(), alive)
print(f"progress threads ok rank {rank}/{world}", flush=True)
