"""Run under mpiexec: every collective gives the right values on every rank."""

import numpy as np

import gradkit as gk
import gradkit.distributed as dist

dist.init_process_group("mpi")
r, w = dist.get_rank(), dist.get_world_size()

t = gk.full((3,), float(r + 1))
dist.all_reduce(t)
assert np.allclose(t.numpy(), sum(range(1, w + 1))), t

t = gk.full((2, 2), float(r + 1))
dist.all_reduce(t, op=dist.ReduceOp.AVG)
assert np.allclose(t.numpy(), (w + 1) / 2), t

for op, expect in ((dist.ReduceOp.MAX, w), (dist.ReduceOp.MIN, 1)):
    t = gk.tensor([float(r + 1)])
    dist.all_reduce(t, op=op)
    assert t.item() == expect, (op, t)

# bitwise reductions of integers (BAND/BOR/BXOR) and their logical forms on bools
bits = gk.tensor([0b1100 | (1 << r), 0b0110, r + 1])
for op, expect in ((dist.ReduceOp.BAND, np.bitwise_and), (dist.ReduceOp.BOR, np.bitwise_or),
                   (dist.ReduceOp.BXOR, np.bitwise_xor)):
    t = bits.clone()
    dist.all_reduce(t, op=op)
    ranks = [np.array([0b1100 | (1 << i), 0b0110, i + 1]) for i in range(w)]
    assert t.tolist() == expect.reduce(ranks).tolist(), (op, t)
flags = gk.tensor([True, r == 0, False])
for op, expect in ((dist.ReduceOp.BAND, [True, w == 1, False]),
                   (dist.ReduceOp.BOR, [True, True, False])):
    t = flags.clone()
    dist.all_reduce(t, op=op)
    assert t.dtype == gk.bool and t.tolist() == expect, (op, t)

t = gk.full((4,), float(r))
work = dist.all_reduce(t, async_op=True)
work.wait()
assert np.allclose(t.numpy(), sum(range(w)))

t = gk.arange(5).float() * (r + 1)
dist.broadcast(t, src=0)
assert np.allclose(t.numpy(), np.arange(5))

out = [gk.zeros(2) for _ in range(w)]
dist.all_gather(out, gk.full((2,), float(r)))
assert all(np.allclose(o.numpy(), i) for i, o in enumerate(out))

big = gk.zeros(2 * w)
dist.all_gather_into_tensor(big, gk.full((2,), float(r)))
assert np.allclose(big.numpy(), np.repeat(np.arange(w), 2))

res = gk.zeros(3)
dist.reduce_scatter(res, [gk.full((3,), float(i + r)) for i in range(w)])
assert np.allclose(res.numpy(), sum(r_ + r for r_ in range(w))), res

dist.barrier()
print(f"collectives ok rank {r}/{w}", flush=True)
dist.destroy_process_group()
