"""Distributed tests: each script runs under `mpiexec -n 2` (CI installs mpi4py and mpich)."""

import os
import pickle
import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from helpers import mpiexec

import gradkit as gk
import gradkit.distributed as dist

SCRIPTS = Path(__file__).parent / "scripts"


def _run(args, n=2, timeout=120, env=None):
    env = dict(os.environ, **(env or {}))
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[2]) + os.pathsep + \
        env.get("PYTHONPATH", "")
    env.pop("GRADKIT_FAKE_CUDA", None)
    cmd = ([mpiexec(), "-n", str(n)] if n else []) + [sys.executable] + args
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env)


def test_collectives_on_two_ranks():
    res = _run([str(SCRIPTS / "collectives.py")])
    assert res.returncode == 0, res.stderr
    assert "collectives ok rank 0/2" in res.stdout and "collectives ok rank 1/2" in res.stdout


@pytest.mark.parametrize("opt,accum", [("SGD", 1), ("Adam", 1), ("SGD", 2), ("Adam", 2)])
def test_two_ranks_match_one_process(opt, accum):
    res = _run([str(SCRIPTS / "equivalence.py"), opt, str(accum)])
    assert res.returncode == 0, res.stdout + res.stderr
    assert res.stdout.count("equivalence ok") == 2


@pytest.mark.parametrize("opt,accum", [("SGD", 1), ("Adam", 2)])
def test_buckets_all_reduced_in_parts_match_one_process(opt, accum):
    """Without a hook, the gradients of a bucket that arrived first are all-reduced before the
    rest of it (here from 104 bytes on): parameters still equal one process's."""
    res = _run([str(SCRIPTS / "equivalence.py"), opt, str(accum)],
               env={"GRADKIT_DDP_PART_MB": "0.0001"})
    assert res.returncode == 0, res.stdout + res.stderr
    assert res.stdout.count("equivalence ok") == 2
    # the two ranks share the pipe: their lines may interleave, so read every "parts=N"
    parts = [int(n) for n in re.findall(r"parts=(\d+)", res.stdout)]
    assert len(parts) == 2 and parts[0] == parts[1] > 0, res.stdout


@pytest.mark.parametrize("hook", ["none", "fp16"])
def test_gradient_as_bucket_view_grads_are_bucket_views_and_train_as_the_default(hook):
    """gradient_as_bucket_view=True: every .grad is a view of its bucket after a synchronised
    backward (with zero_grad(set_to_none=False) the same view, accumulated into in place),
    equal bit for bit to the default DDP's gradients; parameters, state_dict and one process
    agree after 12 steps (no_sync accumulation, unused parameters and a hook included). The
    default DDP makes fresh gradients bucket views, writes into gradients that existed before
    backward, and never changes a gradient kept from an earlier step; the progress thread
    ends with its module."""
    res = _run([str(SCRIPTS / "bucket_view.py"), hook])
    assert res.returncode == 0, res.stdout + res.stderr
    assert res.stdout.count("bucket view ok rank") == 2, res.stdout
    assert res.stdout.count("progress threads ok rank") == 2, res.stdout


def test_a_rank_that_raises_ends_the_job_promptly():
    start = time.monotonic()
    res = _run([str(SCRIPTS / "fault.py")], timeout=60)
    assert res.returncode != 0
    assert "rank 1 fails on purpose" in res.stderr
    assert time.monotonic() - start < 30


def test_mismatched_parameter_shapes_are_named():
    res = _run([str(SCRIPTS / "mismatch.py")])
    assert res.returncode == 0, res.stderr
    assert res.stdout.count("mismatch detected") == 2
    assert "'weight' has shape" in res.stdout


def test_size_one_world_withoutmpiexec():
    res = _run([str(SCRIPTS / "equivalence.py"), "Adam", "2"], n=0)
    assert res.returncode == 0, res.stderr
    assert "equivalence ok rank 0/1" in res.stdout


def test_oversubscribed_world_of_four_finishes():
    res = _run([str(SCRIPTS / "collectives.py")], n=4)
    assert res.returncode == 0, res.stderr
    assert res.stdout.count("collectives ok") == 4


def test_calls_before_init_explain_what_to_do():
    """PyTorch raises ValueError here (libraries catch that type, e.g. to fall back to one
    process), with a message naming init_process_group."""
    if dist.is_initialized():
        pytest.skip("a process group is active in this process")
    for call in (dist.get_rank, dist.get_world_size, lambda: dist.all_reduce(gk.ones(1))):
        with pytest.raises(ValueError, match="init_process_group"):
            call()


def test_distributed_sampler_shards_cover_the_dataset():
    from gradkit.utils.data.distributed import DistributedSampler

    data = list(range(10))
    shards = [list(DistributedSampler(data, num_replicas=3, rank=r, seed=4)) for r in range(3)]
    assert all(len(s) == 4 for s in shards)
    assert set(sum(shards, [])) == set(range(10))
    again = list(DistributedSampler(data, num_replicas=3, rank=0, seed=4))
    assert again == shards[0]
    s = DistributedSampler(data, num_replicas=3, rank=0, seed=4)
    s.set_epoch(1)
    assert list(s) != shards[0]
    dropped = [list(DistributedSampler(data, num_replicas=3, rank=r, drop_last=True))
               for r in range(3)]
    assert all(len(d) == 3 for d in dropped) and len(set(sum(dropped, []))) == 9
    with pytest.raises(ValueError, match="Invalid rank 3"):
        DistributedSampler(data, num_replicas=3, rank=3)


def test_single_process_world_collectives_are_no_ops():
    if dist.is_initialized():
        pytest.skip("a process group is active in this process")
    env = dict(os.environ)
    code = ("import gradkit as gk, gradkit.distributed as d; d.init_process_group('mpi');"
            "t = gk.ones(2); d.all_reduce(t); assert d.get_world_size() == 1;"
            "print(t.tolist())")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                         timeout=60)
    assert res.returncode == 0, res.stderr
    assert "[1.0, 1.0]" in res.stdout
    assert np.isfinite(gk.ones(1).numpy()).all()


def test_bad_reduce_op_and_rank_are_named_in_a_one_process_world():
    """Arguments are checked the same way with or without other ranks (a typo must not pass
    on one process and fail only under mpiexec)."""
    code = """
import gradkit as gk, gradkit.distributed as d
d.init_process_group('mpi')
t = gk.ones(2)
for call in (lambda: d.reduce(t, op='add'), lambda: d.reduce_scatter(t, [t], op='maximum'),
             lambda: d.reduce(t, dst=1), lambda: d.broadcast(t, src=-1)):
    try:
        call()
    except ValueError as e:
        print('ValueError:', e)
"""
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=dict(os.environ), timeout=60)
    assert res.returncode == 0, res.stderr
    lines = res.stdout.strip().splitlines()
    assert len(lines) == 4, res.stdout
    assert "unknown reduce op 'add'" in lines[0] and "ReduceOp.SUM" in lines[0]
    assert "unknown reduce op 'maximum'" in lines[1]
    assert "reduce: dst=1 is not a rank of this world (ranks 0..0)" in lines[2]
    assert "broadcast: src=-1" in lines[3]


def test_bitwise_reduce_ops_take_integer_tensors_in_a_one_process_world():
    """ReduceOp has PyTorch's BAND/BOR/BXOR (libraries map their op names to them at import);
    a floating tensor is refused with PyTorch's RuntimeError."""
    code = """
import gradkit as gk, gradkit.distributed as d
d.init_process_group('mpi')
t = gk.tensor([5, 3])
d.all_reduce(t, op=d.ReduceOp.BXOR)
print(t.tolist(), d.ReduceOp.BAND != d.ReduceOp.BOR)
try:
    d.all_reduce(gk.ones(2), op=d.ReduceOp.BAND)
except RuntimeError as e:
    print('RuntimeError:', e)
"""
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=dict(os.environ), timeout=60)
    assert res.returncode == 0, res.stderr
    lines = res.stdout.strip().splitlines()
    assert lines[0] == "[5, 3] True", res.stdout
    assert "all_reduce: Cannot use ReduceOp.BAND with non-integral dtype" in lines[1]


def test_reduce_op_members_are_of_the_red_op_type_as_in_pytorch():
    """``ReduceOp.RedOpType`` is the members' type (libraries annotate with it at import:
    ``RedOpType: TypeAlias = ReduceOp.RedOpType``); members keep working as their names."""
    R = dist.ReduceOp
    assert list(R.RedOpType.__members__) == ["SUM", "AVG", "PRODUCT", "MIN", "MAX", "BAND", "BOR",
                                             "BXOR"]
    assert all(isinstance(getattr(R, n), R.RedOpType) for n in R.RedOpType.__members__)
    assert R.RedOpType.SUM is R.SUM and R.SUM != R.AVG and R.SUM == "sum"
    assert str(R.MAX) == "RedOpType.MAX" and R.RedOpType.__name__ == "RedOpType"
    assert pickle.loads(pickle.dumps(R.BXOR)) is R.BXOR


@pytest.mark.parametrize("mode,what", [
    ("collective", "all_reduce(SUM) of 3 float32 elements"),
    ("ddp", "for DDP gradient bucket 0 of 1 (0.000232 MB, 4 parameters: 2.bias, 2.weight, "
            "0.bias, ...)"),
])
def test_a_stalled_rank_ends_the_job_with_an_error_naming_it(mode, what):
    """init_process_group(timeout=2 s): rank 1 stalls for 20 s; rank 0 raises within the
    timeout, naming the operation (and the bucket) and rank 1, and the job ends."""
    start = time.monotonic()
    res = _run([str(SCRIPTS / "stall.py"), mode], timeout=60)
    took = time.monotonic() - start
    assert res.returncode != 0
    assert "unreachable" not in res.stdout
    assert "DistBackendError: [rank 0]" in res.stderr, res.stderr
    assert what in res.stderr, res.stderr
    assert "timed out after 2." in res.stderr and "ranks [1] did not answer" in res.stderr
    assert took < 15, took  # well before rank 1 wakes up: the abort ended it


def test_comm_hooks_train_as_well_as_uncompressed_ddp():
    res = _run([str(SCRIPTS / "comm_hooks.py")], timeout=180)
    assert res.returncode == 0, res.stdout + res.stderr
    assert res.stdout.count("hooks ok") == 2


def test_bf16_rounding_of_the_compress_hook_matches_torch():
    torch = pytest.importorskip("torch")
    from gradkit.distributed.algorithms.ddp_comm_hooks.default_hooks import (
        from_bf16_bits,
        to_bf16_bits,
    )

    rng = np.random.default_rng(0)
    x = np.concatenate([rng.standard_normal(1000).astype(np.float32) * 10.0 ** rng.integers(
        -30, 30, 1000), np.array([0.0, -0.0, np.inf, -np.inf, 1.00390625, 1.01171875,
                                  3.4e38], dtype=np.float32)]).astype(np.float32)
    expect = torch.from_numpy(x).to(torch.bfloat16)
    bits = to_bf16_bits(x)
    np.testing.assert_array_equal(bits.view(np.int16), expect.view(torch.int16).numpy())
    np.testing.assert_array_equal(from_bf16_bits(bits), expect.float().numpy())
    assert np.isnan(from_bf16_bits(to_bf16_bits(np.array([np.nan], np.float32))))[0]


def test_zero_redundancy_optimizer_equals_the_unsharded_optimizer():
    res = _run([str(SCRIPTS / "zero.py")])
    assert res.returncode == 0, res.stdout + res.stderr
    assert res.stdout.count("zero ok") == 2


def test_sync_batchnorm_equals_batchnorm_over_the_global_batch():
    res = _run([str(SCRIPTS / "syncbn.py")])
    assert res.returncode == 0, res.stdout + res.stderr
    assert res.stdout.count("syncbn ok") == 2


def test_sync_batchnorm_without_a_process_group_is_batchnorm():
    """One process, no process group: SyncBatchNorm is BatchNorm (PyTorch's fallback)."""
    if dist.is_initialized():
        pytest.skip("a process group is active in this process")
    gk.manual_seed(0)
    bn = gk.nn.BatchNorm2d(3)
    sync = gk.nn.SyncBatchNorm.convert_sync_batchnorm(gk.nn.Sequential(bn))[0]
    plain = gk.nn.BatchNorm2d(3)
    x = gk.randn(4, 3, 5, 5) * 3 + 1
    np.testing.assert_allclose(sync(x).detach().numpy(), plain(x).detach().numpy(), rtol=1e-6)
    np.testing.assert_allclose(sync.running_var.numpy(), plain.running_var.numpy(), rtol=1e-6)
    assert type(sync).__name__ == "SyncBatchNorm" and sync.running_mean is bn.running_mean


def test_fp16_rounding_of_the_compress_hook_matches_numpy_and_torch():
    from gradkit.distributed.algorithms.ddp_comm_hooks.default_hooks import (
        from_fp16_bits,
        to_fp16_bits,
    )

    rng = np.random.default_rng(1)
    x = np.concatenate([
        (rng.standard_normal(20000) * 10.0 ** rng.integers(-10, 6, 20000)).astype(np.float32),
        np.array([0.0, -0.0, np.inf, -np.inf, 65504, 65519.99, 65520, 6.1e-5, 5.96e-8, 2.98e-8,
                  2.99e-8, 1e-9, -3e-6, 1.00048828125, 1.000732421875, 6.103515625e-05],
                 dtype=np.float32)])
    with np.errstate(over="ignore"):
        expect = x.astype(np.float16)
    bits = to_fp16_bits(x)
    np.testing.assert_array_equal(bits, expect.view(np.uint16))
    np.testing.assert_array_equal(from_fp16_bits(bits), expect.astype(np.float32))
    assert to_fp16_bits(np.array([np.nan], np.float32)).view(np.float16)[0] != \
        to_fp16_bits(np.array([np.nan], np.float32)).view(np.float16)[0]  # NaN stays NaN
    torch = pytest.importorskip("torch")
    np.testing.assert_array_equal(bits.view(np.int16),
                                  torch.from_numpy(x).half().view(torch.int16).numpy())


def test_16_bit_codecs_equal_numpy_and_torch_casts_on_every_pattern_and_tie():
    """The compress hooks' chunked codecs: every float16/bfloat16 pattern decodes exactly, and
    encoding random float32 patterns (several 64 Ki chunks, NaNs and infinities among them),
    every float16 value and every midpoint between neighbours (ties to even) equals the casts."""
    from gradkit.distributed.algorithms.ddp_comm_hooks import _lowp

    every = np.arange(65536, dtype=np.uint16)
    got = _lowp.decode_fp16(every, np.empty(65536, np.float32))
    np.testing.assert_array_equal(got, every.view(np.float16).astype(np.float32))
    rng = np.random.default_rng(2)
    base = rng.standard_normal(65536).astype(np.float32)
    summed = _lowp.decode_fp16(every, base.copy(), add=True)  # the reduction's float32 sums
    with np.errstate(invalid="ignore"):
        np.testing.assert_array_equal(summed, base + every.view(np.float16).astype(np.float32))
    rand = rng.integers(0, 2 ** 32, 300_000, dtype=np.uint64).astype(np.uint32).view(np.float32)
    vals = every.view(np.float16).astype(np.float32)
    finite = np.sort(vals[np.isfinite(vals)])
    mids = ((finite[1:].astype(np.float64) + finite[:-1]) / 2).astype(np.float32)
    with np.errstate(over="ignore", invalid="ignore"):
        x = np.concatenate([rand, vals, mids, -mids, rand * np.float32(2.0 ** -100)])
        expect = x.astype(np.float16).view(np.uint16)
    bits = _lowp.encode_fp16(x, np.empty(x.size, np.uint16))
    nan = np.isnan(x)
    np.testing.assert_array_equal(bits[~nan], expect[~nan])
    assert np.isnan(bits[nan].view(np.float16)).all() and nan.sum() > 100
    scaled = _lowp.encode_fp16(x, np.empty(x.size, np.uint16), np.float32(0.5))
    with np.errstate(over="ignore", invalid="ignore"):
        np.testing.assert_array_equal(scaled[~nan], (x * np.float32(0.5)).astype(np.float16)
                                      .view(np.uint16)[~nan])
    torch = pytest.importorskip("torch")
    tx = torch.from_numpy(x)
    np.testing.assert_array_equal(bits[~nan].view(np.int16),
                                  tx.half().view(torch.int16).numpy()[~nan])
    bf = _lowp.encode_bf16(x, np.empty(x.size, np.uint16))
    np.testing.assert_array_equal(bf[~nan].view(np.int16),
                                  tx.bfloat16().view(torch.int16).numpy()[~nan])
    assert np.isnan(_lowp.decode_bf16(bf[nan], np.empty(nan.sum(), np.float32))).all()
    np.testing.assert_array_equal(
        _lowp.decode_bf16(every, np.empty(65536, np.float32)),
        torch.from_numpy(every.view(np.int16)).view(torch.bfloat16).float().numpy())


@pytest.mark.parametrize("n", [2, 3])
def test_16_bit_allreduce_of_the_compress_hooks_is_exact_and_the_same_on_every_rank(n):
    res = _run([str(SCRIPTS / "lowp_allreduce.py")], n=n)
    assert res.returncode == 0, res.stdout + res.stderr
    assert res.stdout.count("lowp ok") == n


@pytest.mark.skipif(os.environ.get("GRADKIT_NET_TESTS") != "1" or os.geteuid() != 0,
                    reason="opt-in (GRADKIT_NET_TESTS=1) and root only: cuts a veth link")
def test_a_20_s_link_cut_ends_every_rank_with_the_timeout_error():
    """Two ranks in network namespaces joined by a veth pair train with timeout=10 s; the link
    goes down for 20 s: every rank raises the timeout's error naming the operation, the bucket
    and the other rank, and the job ends about 10 s after the cut."""
    bench = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_distributed.py"
    res = subprocess.run([sys.executable, str(bench), "--net", "1gbit", "--cut", "20",
                          "--timeout", "10"], capture_output=True, text=True, timeout=200)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "ranks that raised the timeout error: [0, 1]" in res.stdout, res.stdout
    for r, other in ((0, 1), (1, 0)):
        assert f"DistBackendError: [rank {r}] " in res.stdout
        assert f"ranks [{other}] did not answer" in res.stdout
    assert "for DDP gradient bucket" in res.stdout and "timed out after 10." in res.stdout
    ended = float(res.stdout.split("job ended ", 1)[1].split(" s after")[0])
    assert 10 <= ended < 19, ended  # by the timeout, before the link comes back


def test_slow_rank_note_names_the_rank_the_others_wait_for():
    res = _run([str(SCRIPTS / "straggler.py")])
    assert res.returncode == 0, res.stdout + res.stderr
    assert res.stdout.count("straggler ok") == 2
