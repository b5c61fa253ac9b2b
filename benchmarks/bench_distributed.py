"""Data-parallel scaling: an MLP 784-1024-1024-10 and a small CNN, global batch 512 (CNN 128).

For each model, one process on one BLAS thread runs the whole batch (t1); then two MPI ranks of
one thread each run half of it, with each communication hook (none, fp16, PowerSGD rank 4):

* t2: the 2-rank step; tc: the same step under ``no_sync()`` (no communication);
* exposed communication = (t2 - tc) / t2, the share of the step that communication adds;
* waiting share: the share of the step DDP spends waiting for the last all-reduces;
* efficiency = t1 / (2 * t2) (1.0: two ranks take half the time of one);
* all-reduce: the gradients' all-reduce timed alone (ta), and its bandwidth
  2 * P * (R - 1) / R / ta (R = 2: P bytes each way);
* overlap = (tc + ta - t2) / ta, clipped to [0, 1]: the share of the all-reduce hidden behind
  backward (0: none, 1: all of it).

Run: python benchmarks/bench_distributed.py                  (shared memory; launches mpiexec)
     python benchmarks/bench_distributed.py --net 1gbit      (root: the ranks in a network
                                                              namespace, MPI over TCP on a
                                                              rate-limited loopback)
     python benchmarks/bench_distributed.py --net 100mbit,5ms (latency too, where the kernel
                                                              has netem)

The network mode (opt-in, not part of CI) creates a network namespace holding only its own
loopback, shapes it with ``tc`` (HTB rate; netem delay if available), and runs ``mpiexec`` in it
with MPICH forced onto its TCP path (``MPIR_CVAR_NOLOCAL=1 MPIR_CVAR_CH4_NETMOD=ofi
FI_PROVIDER=tcp``). Nothing leaves the machine: the ranks talk over 127.0.0.1. Note that both
directions of the exchange share the one shaped loopback, so a "1gbit" loopback carries what a
full-duplex 500 Mbit link would.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
HOOKS = ("none", "fp16", "powersgd")


def _model(name):
    import gradkit.nn as nn

    if name == "mlp":
        return nn.Sequential(nn.Linear(784, 1024), nn.ReLU(), nn.Linear(1024, 1024), nn.ReLU(),
                             nn.Linear(1024, 10)), (784,), 512
    return nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(32, 64, 3),
                         nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(64 * 5 * 5, 64),
                         nn.ReLU(), nn.Linear(64, 10)), (1, 28, 28), 128


def _median(xs):
    xs = sorted(xs)
    return xs[len(xs) // 2]


def worker(model_name, hooks, steps):
    sys.path.insert(0, str(HERE))
    import common  # noqa: F401  (BLAS environment)
    import numpy as np

    import gradkit as gk
    import gradkit.distributed as dist
    import gradkit.nn as nn
    from gradkit.distributed.algorithms.ddp_comm_hooks import default_hooks, powerSGD_hook
    from gradkit.nn.parallel import DistributedDataParallel as DDP

    dist.init_process_group("gloo")
    rank, world = dist.get_rank(), dist.get_world_size()
    gk.manual_seed(0)
    net, shape, batch = _model(model_name)
    rng = np.random.default_rng(rank)
    per_rank = batch // world
    x = gk.tensor(rng.standard_normal((per_rank,) + shape).astype(np.float32))
    y = gk.tensor(rng.integers(0, 10, per_rank))
    loss_fn = nn.CrossEntropyLoss()
    nbytes = sum(p._data.nbytes for p in net.parameters())
    out = {"world": world, "grad_mb": nbytes / 1e6}

    def run(model, opt, n, sync=True):
        times = []
        for _ in range(n):
            dist.barrier()
            t0 = time.perf_counter()
            opt.zero_grad()
            if sync:
                loss_fn(model(x), y).backward()
            else:
                with model.no_sync():
                    loss_fn(model(x), y).backward()
            opt.step()
            times.append(time.perf_counter() - t0)
        return times

    if world == 1:
        opt = gk.optim.SGD(net.parameters(), lr=0.01, momentum=0.9)
        run(net, opt, 2)
        out["t1"] = _median(run(net, opt, steps))
        print("RESULT " + json.dumps(out), flush=True)
        return
    flat = gk.zeros(nbytes // 4)
    for _ in range(2):
        dist.all_reduce(flat)
    ta = []
    for _ in range(max(5, steps)):
        dist.barrier()
        t0 = time.perf_counter()
        dist.all_reduce(flat)
        ta.append(time.perf_counter() - t0)
    out["ta"] = _median(ta)
    for hook in hooks:
        gk.manual_seed(0)
        cap = float(os.environ.get("BENCH_BUCKET_MB", "25"))
        model = DDP(_model(model_name)[0], bucket_cap_mb=cap)  # fresh: DDP's hooks stay on it
        if hook == "fp16":
            model.register_comm_hook(None, default_hooks.fp16_compress_hook)
        elif hook == "powersgd":
            state = powerSGD_hook.PowerSGDState(None, matrix_approximation_rank=4,
                                                start_powerSGD_iter=2)
            model.register_comm_hook(state, powerSGD_hook.powerSGD_hook)
        opt = gk.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
        run(model, opt, 3)  # warm-up: bucket rebuild, PowerSGD's start
        tc = _median(run(model, opt, steps, sync=False))
        model.comm_wait_s = 0.0
        times = run(model, opt, steps)
        out[hook] = {"t2": _median(times), "tc": tc, "wait": model.comm_wait_s / sum(times)}
    if rank == 0:
        print("RESULT " + json.dumps(out), flush=True)
    dist.destroy_process_group()


def _launch(mpiexec, n, args, env, prefix=()):
    cmd = [*prefix, mpiexec, "-n", str(n), sys.executable, __file__, "--worker", *args]
    res = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=900)
    line = [ln for ln in res.stdout.splitlines() if ln.startswith("RESULT")]
    if not line:
        raise SystemExit(f"bench_distributed: the run failed:\n{res.stdout}\n{res.stderr}")
    return json.loads(line[0][len("RESULT "):])


class _Namespace:
    """A network namespace with only a shaped loopback (root only; removed on exit)."""

    def __init__(self, spec):
        rate, _, delay = spec.partition(",")
        self.name = f"gkbench-{uuid.uuid4().hex[:8]}"
        self.rate, self.delay = rate, delay
        self.notes = []

    def __enter__(self):
        ip = ["ip", "netns", "exec", self.name]
        subprocess.run(["ip", "netns", "add", self.name], check=True)
        subprocess.run(ip + ["ip", "link", "set", "lo", "up"], check=True)
        subprocess.run(ip + ["tc", "qdisc", "add", "dev", "lo", "root", "handle", "1:", "htb",
                             "default", "10", "r2q", "1000"], check=True)
        subprocess.run(ip + ["tc", "class", "add", "dev", "lo", "parent", "1:", "classid",
                             "1:10", "htb", "rate", self.rate], check=True)
        if self.delay:
            res = subprocess.run(ip + ["tc", "qdisc", "add", "dev", "lo", "parent", "1:10",
                                       "handle", "10:", "netem", "delay", self.delay],
                                 capture_output=True, text=True)
            if res.returncode != 0:
                self.notes.append(f"latency not shaped ({self.delay}): this kernel has no netem")
        return ip

    def __exit__(self, *exc):
        subprocess.run(["ip", "netns", "del", self.name], check=False)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--net", help="RATE[,DELAY] (e.g. 1gbit or 100mbit,5ms): MPI over TCP on a "
                                  "shaped loopback in a network namespace (root only)")
    ap.add_argument("--models", default="mlp,cnn")
    ap.add_argument("--hooks", default=",".join(HOOKS))
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--bucket-mb", type=float, default=25.0, help="DDP's bucket_cap_mb")
    args = ap.parse_args()
    mpiexec = shutil.which("mpiexec", path=str(Path(sys.executable).parent)) or \
        shutil.which("mpiexec")
    if mpiexec is None:
        print("bench_distributed: mpiexec not found (pip install mpi4py mpich)")
        return
    env = dict(os.environ, BENCH_THREADS="1", OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1",
               MKL_NUM_THREADS="1")
    env["BENCH_BUCKET_MB"] = str(args.bucket_mb)
    env["PYTHONPATH"] = str(HERE.parent) + os.pathsep + env.get("PYTHONPATH", "")
    link = "shared memory"
    ns = None
    if args.net:
        if os.geteuid() != 0:
            raise SystemExit("bench_distributed --net needs root (ip netns, tc)")
        env.update(MPIR_CVAR_NOLOCAL="1", MPIR_CVAR_CH4_NETMOD="ofi", FI_PROVIDER="tcp")
        ns = _Namespace(args.net)
        link = f"TCP loopback, {args.net}"
    rows = []
    with ns if ns is not None else _null() as prefix:
        prefix = prefix or ()
        for name in args.models.split(","):
            common = [name, args.hooks, str(args.steps)]
            one = _launch(mpiexec, 1, common, env)
            two = _launch(mpiexec, 2, common, env, prefix)
            rows.append((name, one, two))
    print(f"\n## distributed: 2 ranks x 1 BLAS thread, {link}")
    if ns is not None:
        for note in ns.notes:
            print(f"note: {note}")
    print("| model | hook | t1 ms | t2 ms | tc ms | exposed | waiting | efficiency | "
          "all-reduce ms | bandwidth | overlap |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for name, one, two in rows:
        t1, ta, mb = one["t1"], two["ta"], two["grad_mb"]
        bw = 2 * mb * 1e6 * (2 - 1) / 2 / ta * 8 / 1e9  # Gbit/s
        for hook in args.hooks.split(","):
            r = two[hook]
            t2, tc = r["t2"], r["tc"]
            # below 0 when the synchronised step costs more than compute + the all-reduce
            # alone (rank skew under load, the bucket copies): shown as 0%
            overlap = min(1.0, max(0.0, (tc + ta - t2) / ta)) if hook == "none" else None
            print(f"| {name} ({mb:.2g} MB) | {hook} | {t1 * 1e3:.1f} | {t2 * 1e3:.1f} | "
                  f"{tc * 1e3:.1f} | {(t2 - tc) / t2 * 100:.0f}% | {r['wait'] * 100:.0f}% | "
                  f"{t1 / (2 * t2) * 100:.0f}% | {ta * 1e3:.1f} | {bw:.2f} Gbit/s | "
                  f"{'' if overlap is None else f'{overlap * 100:.0f}%'} |")


class _null:
    def __enter__(self):
        return ()

    def __exit__(self, *exc):
        return False


if __name__ == "__main__":
    if "--worker" in sys.argv:
        i = sys.argv.index("--worker")
        name, hooks, steps = sys.argv[i + 1:i + 4]
        worker(name, hooks.split(","), int(steps))
    else:
        main()
