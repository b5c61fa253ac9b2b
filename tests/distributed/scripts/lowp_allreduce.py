"""Run under mpiexec -n 2 (or 3): the fp16/bf16 hooks' 16-bit all-reduce on buckets of odd
sizes (segments of unequal length, several 64 Ki chunks, one element fewer than the ranks):
every rank ends with the same bits, each element the 16-bit rounding of the float32 sum of the
ranks' contributions (each x / R rounded to 16 bits, the owner's own segment unrounded), within
one 16-bit rounding of the exact average; infinities and NaNs pass through."""

import numpy as np

import gradkit as gk
import gradkit.distributed as dist
import gradkit.nn as nn
from gradkit.distributed.algorithms.ddp_comm_hooks import _lowp, default_hooks
from gradkit.nn.parallel.distributed import GradBucket

dist.init_process_group("gloo")
rank, world = dist.get_rank(), dist.get_world_size()
codecs = {"float16": (default_hooks.fp16_compress_hook, 2.0 ** -11),
          "bfloat16": (default_hooks.bf16_compress_hook, 2.0 ** -8)}
for n in (world - 1, 7, 200_003):
    for dtype, (hook, eps) in codecs.items():
        every = [(np.random.default_rng(100 * r + n).standard_normal(n)
                  * 10.0 ** np.random.default_rng(r).integers(-6, 3, n)).astype(np.float32)
                 for r in range(world)]
        if n > 10:
            every[0][5], every[1][7], every[1][n - 1] = np.inf, np.nan, -np.inf
        mine = every[rank].copy()
        flat = gk.tensor(mine)
        bucket = GradBucket(0, flat, [nn.Parameter(gk.zeros(n))], [(0, n)], True)
        out = hook(None, bucket).wait().numpy().copy()
        assert out.dtype == np.float32 and out.shape == (n,), (out.dtype, out.shape, n)
        # the same on every rank, bit for bit
        allout = [None] * world
        dist.all_gather_object(allout, out.view(np.uint32).tobytes())
        assert all(a == allout[0] for a in allout), (dtype, n)
        enc, dec = _lowp.CODECS[dtype]
        scale = np.float32(1.0 / world)

        def rounded(v, enc=enc, dec=dec):
            return dec(enc(v, np.empty(v.size, np.uint16)), np.empty(v.size, np.float32))

        with np.errstate(invalid="ignore", over="ignore"):
            expect = np.empty(n, np.float32)
            for owner in range(world):
                lo, hi = owner * n // world, (owner + 1) * n // world
                acc = every[owner][lo:hi] * scale
                for r in range(world):
                    if r != owner:
                        acc = acc + rounded(every[r][lo:hi] * scale)
                expect[lo:hi] = rounded(acc)
            np.testing.assert_array_equal(out.view(np.uint32), expect.view(np.uint32))
            # within two roundings of the size of the contributions (plus float16's
            # subnormal step, 2**-24, per rank) of the exact average
            stack = np.stack(every).astype(np.float64)
            exact = np.mean(stack, axis=0)
            fin = np.isfinite(exact)
            size = np.mean(np.abs(stack), axis=0)[fin]
            tiny = world * 2.0 ** -24 if dtype == "float16" else 0.0
            err = np.abs(out[fin] - exact[fin])
            assert (err <= 2 * eps * size + tiny).all(), (dtype, (err - 2 * eps * size).max())
            assert (err > 0).any() or n < 10  # rounded: not a float32 all-reduce
            if n > 10:
                assert out[5] == np.inf and np.isnan(out[7]) and out[n - 1] == -np.inf
print(f"lowp ok rank {rank}", flush=True)
dist.destroy_process_group()
