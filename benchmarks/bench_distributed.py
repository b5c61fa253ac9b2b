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
  backward (0: none, 1: all of it);
* ``--bucket-view``: ``DistributedDataParallel(gradient_as_bucket_view=True)`` with
  ``zero_grad(set_to_none=False)``, so gradients are accumulated straight into the buckets (the
  one-process t1 zeroes its gradients in place too);
* CPU ms t2/tc: the CPU time (all threads of a rank, user + system) of the synchronised and of
  the no_sync step: what communication costs the CPU itself (TCP's copies, the 16-bit
  conversions), which no overlap can hide when every core is busy computing.

Run: python benchmarks/bench_distributed.py                  (shared memory; launches mpiexec)
     python benchmarks/bench_distributed.py --net 1gbit      (root: the ranks in two network
                                                              namespaces joined by a veth
                                                              pair, MPI over TCP, 1 Gbit/s
                                                              each way)
     python benchmarks/bench_distributed.py --net 1gbit,5ms  (latency too, where the kernel
                                                              has netem)
     python benchmarks/bench_distributed.py --net 1gbit --cut 20 --timeout 10
                                                             (root: train, cut the link for
                                                              20 s, expect every rank to end
                                                              with the timeout's error)

The network mode (opt-in, not part of CI) creates two network namespaces joined by a veth pair
(private addresses 10.213.7.1/2, nothing else in them and no route out: nothing leaves the
machine), shapes each end's egress with ``tc`` HTB to RATE (so the pair is a full-duplex link of
RATE each way; netem delay where the kernel has it), and runs rank i in namespace i with MPICH
forced onto its TCP path (``MPIR_CVAR_NOLOCAL=1 MPIR_CVAR_CH4_NETMOD=ofi FI_PROVIDER=tcp``,
``FI_TCP_IFACE`` the rank's end of the pair).
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

    cpu = []
    view = os.environ.get("BENCH_BUCKET_VIEW") == "1"

    def run(model, opt, n, sync=True):
        times = []
        cpu.clear()
        for _ in range(n):
            dist.barrier()
            t0 = time.perf_counter()
            c0 = time.process_time()
            opt.zero_grad(set_to_none=not view)
            if sync:
                loss_fn(model(x), y).backward()
            else:
                with model.no_sync():
                    loss_fn(model(x), y).backward()
            opt.step()
            times.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
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
        # fresh: DDP's hooks stay on it
        model = DDP(_model(model_name)[0], bucket_cap_mb=cap,
                    **({"gradient_as_bucket_view": True} if view else {}))
        if hook == "fp16":
            model.register_comm_hook(None, default_hooks.fp16_compress_hook)
        elif hook == "powersgd":
            state = powerSGD_hook.PowerSGDState(None, matrix_approximation_rank=4,
                                                start_powerSGD_iter=2)
            model.register_comm_hook(state, powerSGD_hook.powerSGD_hook)
        opt = gk.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
        run(model, opt, 3)  # warm-up: bucket rebuild, PowerSGD's start
        tc = _median(run(model, opt, steps, sync=False))
        cpu_c = _median(cpu)
        model.comm_wait_s = 0.0
        times = run(model, opt, steps)
        out[hook] = {"t2": _median(times), "tc": tc, "wait": model.comm_wait_s / sum(times),
                     "cpu2": _median(cpu), "cpuc": cpu_c}
    if rank == 0:
        print("RESULT " + json.dumps(out), flush=True)
    dist.destroy_process_group()


def cut_worker(timeout_s):
    """Train the MLP under DDP with ``init_process_group(timeout=timeout_s)`` until an error,
    printing each step (the parent cuts the link meanwhile)."""
    sys.path.insert(0, str(HERE))
    import datetime

    import common  # noqa: F401  (BLAS environment)
    import numpy as np

    import gradkit as gk
    import gradkit.distributed as dist
    import gradkit.nn as nn
    from gradkit.nn.parallel import DistributedDataParallel as DDP

    dist.init_process_group("gloo", timeout=datetime.timedelta(seconds=timeout_s))
    rank, world = dist.get_rank(), dist.get_world_size()
    gk.manual_seed(0)
    net, shape, batch = _model("mlp")
    model = DDP(net)
    rng = np.random.default_rng(rank)
    x = gk.tensor(rng.standard_normal((batch // world,) + shape).astype(np.float32))
    y = gk.tensor(rng.integers(0, 10, batch // world))
    opt = gk.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    step = 0
    deadline = time.monotonic() + 300  # a safety net: never train forever
    while time.monotonic() < deadline:
        opt.zero_grad()
        nn.functional.cross_entropy(model(x), y).backward()
        opt.step()
        step += 1
        print(f"rank {rank} step {step} at {time.time():.3f}", flush=True)


def cut_link(mpiexec, env, link, cut_s, timeout_s):
    """Start training on the link, cut it for ``cut_s`` seconds after a few steps, and report
    how the job ended (every rank should raise the timeout's error and the job end)."""
    import threading

    argv = [sys.executable, __file__, "--cut-worker", str(timeout_s)]
    proc = subprocess.Popen(link.command(mpiexec, argv), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)
    err = []
    reader = threading.Thread(target=lambda: err.extend(proc.stderr), daemon=True)
    reader.start()
    cut_at = None
    last = {}
    for line in proc.stdout:
        if line.startswith("rank "):
            r, n = int(line.split()[1]), int(line.split()[3])
            last[r] = n
            if cut_at is None and min(last.get(0, 0), last.get(1, 0)) >= 5:
                link.cut(True)
                cut_at = time.monotonic()
                print(f"link cut after step {n} for {cut_s:g} s "
                      f"(timeout={timeout_s:g} s)", flush=True)
                timer = threading.Timer(cut_s, lambda: (link.cut(False),
                                                        print("link restored", flush=True)))
                timer.start()
    proc.wait()
    ended = time.monotonic() - cut_at if cut_at is not None else float("nan")
    if cut_at is not None:
        timer.join()  # the link comes back before the namespaces go
    reader.join(timeout=5)
    print(f"job ended {ended:.1f} s after the cut, exit status {proc.returncode}; last step "
          f"per rank {last}")
    errors = [ln.rstrip() for ln in err if "DistBackendError:" in ln]
    for ln in errors:
        print(ln)
    ranks = sorted({int(ln.split("[rank ", 1)[1].split("]")[0]) for ln in errors
                    if "[rank " in ln})
    print(f"ranks that raised the timeout error: {ranks}")
    if proc.returncode == 0 or ranks != [0, 1]:
        print("".join(err[-40:]))
        raise SystemExit("bench_distributed --cut: expected every rank to end with the "
                         "timeout's error")


def _launch(mpiexec, n, args, env, link=None):
    argv = [sys.executable, __file__, "--worker", *args]
    cmd = link.command(mpiexec, argv) if link is not None and n == 2 else \
        [mpiexec, "-n", str(n), *argv]
    res = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=900)
    line = [ln for ln in res.stdout.splitlines() if ln.startswith("RESULT")]
    if not line:
        raise SystemExit(f"bench_distributed: the run failed:\n{res.stdout}\n{res.stderr}")
    return json.loads(line[0][len("RESULT "):])


class _Link:
    """Two network namespaces joined by a veth pair, each end's egress shaped with HTB to RATE:
    a full-duplex point-to-point link of RATE each way between rank 0 and rank 1 (root only;
    the namespaces hold nothing else and have no route out: nothing leaves the machine; removed
    on exit). MPICH is forced onto its TCP path and each rank onto its end of the pair."""

    def __init__(self, spec):
        rate, _, delay = spec.partition(",")
        tag = uuid.uuid4().hex[:6]
        self.ns = [f"gkbench-{tag}-{i}" for i in range(2)]
        self.dev = [f"gkb{tag}{i}" for i in range(2)]
        self.addr = ["10.213.7.1", "10.213.7.2"]
        self.rate, self.delay = rate, delay
        self.notes = []

    def _in(self, i, *cmd, check=True):
        return subprocess.run(["ip", "netns", "exec", self.ns[i], *cmd], check=check,
                              capture_output=not check, text=True)

    def __enter__(self):
        for ns in self.ns:
            subprocess.run(["ip", "netns", "add", ns], check=True)
        subprocess.run(["ip", "link", "add", self.dev[0], "type", "veth", "peer", "name",
                        self.dev[1]], check=True)
        for i in range(2):
            subprocess.run(["ip", "link", "set", self.dev[i], "netns", self.ns[i]], check=True)
            self._in(i, "ip", "addr", "add", f"{self.addr[i]}/30", "dev", self.dev[i])
            self._in(i, "ip", "link", "set", self.dev[i], "up")
            self._in(i, "ip", "link", "set", "lo", "up")
            self._in(i, "tc", "qdisc", "add", "dev", self.dev[i], "root", "handle", "1:", "htb",
                     "default", "10", "r2q", "1000")
            self._in(i, "tc", "class", "add", "dev", self.dev[i], "parent", "1:", "classid",
                     "1:10", "htb", "rate", self.rate)
            if self.delay:
                res = self._in(i, "tc", "qdisc", "add", "dev", self.dev[i], "parent", "1:10",
                               "handle", "10:", "netem", "delay", self.delay, check=False)
                if res.returncode != 0 and not self.notes:
                    self.notes.append(f"latency not shaped ({self.delay}): this kernel has no "
                                      f"netem")
        return self

    def command(self, mpiexec, argv):
        """mpiexec in MPMD form: rank i runs inside namespace i, bound to its end."""
        cmd = [mpiexec]
        for i in range(2):
            cmd += [*([":"] if i else []), "-n", "1", "env", f"FI_TCP_IFACE={self.dev[i]}",
                    "ip", "netns", "exec", self.ns[i], *argv]
        return cmd

    def cut(self, on: bool):
        """Take both ends of the pair down (on: every packet is dropped, as on a cut cable; TCP
        keeps retransmitting, no error reaches MPI) or up again (off)."""
        for i in range(2):
            self._in(i, "ip", "link", "set", self.dev[i], "down" if on else "up")

    def __exit__(self, *exc):
        for ns in self.ns:
            subprocess.run(["ip", "netns", "del", ns], check=False)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--net", help="RATE[,DELAY] (e.g. 1gbit or 100mbit,5ms): MPI over TCP on a "
                                  "shaped loopback in a network namespace (root only)")
    ap.add_argument("--models", default="mlp,cnn")
    ap.add_argument("--hooks", default=",".join(HOOKS))
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--bucket-mb", type=float, default=25.0, help="DDP's bucket_cap_mb")
    ap.add_argument("--bucket-view", action="store_true",
                    help="DDP(gradient_as_bucket_view=True) and zero_grad(set_to_none=False): "
                         "gradients accumulate straight into the buckets (no copy in or out)")
    ap.add_argument("--cut", type=float, help="with --net: train, cut the link for this many "
                                             "seconds, and check that every rank ends with the "
                                             "timeout's error (no benchmark)")
    ap.add_argument("--timeout", type=float, default=10.0,
                    help="init_process_group's timeout in seconds for --cut")
    args = ap.parse_args()
    if args.cut and not args.net:
        raise SystemExit("bench_distributed --cut needs --net (the link to cut)")
    mpiexec = shutil.which("mpiexec", path=str(Path(sys.executable).parent)) or \
        shutil.which("mpiexec")
    if mpiexec is None:
        print("bench_distributed: mpiexec not found (pip install mpi4py mpich)")
        return
    env = dict(os.environ, BENCH_THREADS="1", OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1",
               MKL_NUM_THREADS="1")
    env["BENCH_BUCKET_MB"] = str(args.bucket_mb)
    env["BENCH_BUCKET_VIEW"] = "1" if args.bucket_view else "0"
    env["PYTHONPATH"] = str(HERE.parent) + os.pathsep + env.get("PYTHONPATH", "")
    link = "shared memory"
    ns = None
    if args.net:
        if os.geteuid() != 0:
            raise SystemExit("bench_distributed --net needs root (ip netns, tc)")
        env.update(MPIR_CVAR_NOLOCAL="1", MPIR_CVAR_CH4_NETMOD="ofi", FI_PROVIDER="tcp")
        ns = _Link(args.net)
        link = f"TCP over a veth pair, {args.net} each way"
    if args.cut:
        with ns:
            cut_link(mpiexec, env, ns, args.cut, args.timeout)
        return
    rows = []
    with ns if ns is not None else _null():
        for name in args.models.split(","):
            common = [name, args.hooks, str(args.steps)]
            one = _launch(mpiexec, 1, common, env)
            two = _launch(mpiexec, 2, common, env, ns)
            rows.append((name, one, two))
    view = ", gradient_as_bucket_view=True" if args.bucket_view else ""
    print(f"\n## distributed: 2 ranks x 1 BLAS thread, {link}{view}")
    if ns is not None:
        for note in ns.notes:
            print(f"note: {note}")
    print("| model | hook | t1 ms | t2 ms | tc ms | exposed | waiting | efficiency | "
          "all-reduce ms | bandwidth | overlap | CPU ms t2/tc |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
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
                  f"{'' if overlap is None else f'{overlap * 100:.0f}%'} | "
                  f"{r['cpu2'] * 1e3:.0f}/{r['cpuc'] * 1e3:.0f} |")


class _null:
    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return False


if __name__ == "__main__":
    if "--cut-worker" in sys.argv:
        cut_worker(float(sys.argv[sys.argv.index("--cut-worker") + 1]))
    elif "--worker" in sys.argv:
        i = sys.argv.index("--worker")
        name, hooks, steps = sys.argv[i + 1:i + 4]
        worker(name, hooks.split(","), int(steps))
    else:
        main()
