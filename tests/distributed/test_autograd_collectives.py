"""``torch.distributed.nn`` (gradkit/distributed/nn/): the collectives autograd differentiates.

vector-quantize-pytorch imports ``from torch.distributed import nn`` at import time (its
lookup-free quantizer averages code probabilities across ranks with it); the import failed
under ``gradkit run``. Each call returns new tensors; the backward is the adjoint collective."""

import os
import re
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
from helpers import mpiexec

import gradkit as gk
import gradkit.distributed as dist

SCRIPTS = Path(__file__).parent / "scripts"
ROOT = Path(__file__).resolve().parents[2]


def test_the_names_match_pytorchs():
    theirs = pytest.importorskip("torch.distributed.nn.functional")
    from gradkit.distributed import nn as dist_nn
    from gradkit.distributed.nn import functional

    for name in functional.__all__:
        assert callable(getattr(theirs, name)), name
        assert getattr(dist_nn, name) is getattr(functional, name)
    public = {n for n in dir(theirs) if not n.startswith("_") and callable(getattr(theirs, n))
              and getattr(getattr(theirs, n), "__module__", "") == theirs.__name__}
    assert public == set(functional.__all__)


def test_a_world_of_one_copies_and_passes_gradients_through():
    from gradkit.distributed import nn as dist_nn

    started = not dist.is_initialized()
    if started:
        dist.init_process_group("gloo")
    try:
        x = gk.arange(4.0, requires_grad=True)
        with pytest.warns(FutureWarning, match="torch.distributed.nn.functional.all_reduce"):
            y = dist_nn.all_reduce(x * 2)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            (g,) = dist_nn.all_gather(x)
            b = dist_nn.broadcast(x, 0)
            s = dist_nn.reduce_scatter(gk.zeros(4), [x])
        r = dist_nn.reduce(x, 0)
        (c,) = dist_nn.gather(x)
        sc = dist_nn.scatter([x])
        outs = (y, g, b, s, r, c, sc)
        assert all(o is not x and o.grad_fn is not None for o in outs)
        y.add_(0)  # a new tensor: the input is left alone
        loss = sum(((i + 1) * o).sum() for i, o in enumerate(outs))
        loss.backward()
        assert gk.equal(y, 2 * gk.arange(4.0)) and gk.equal(g, x)
        assert gk.equal(x.grad, gk.full((4,), 2.0 + 2 + 3 + 4 + 5 + 6 + 7))
    finally:
        if started and dist.is_initialized():
            dist.destroy_process_group()


def test_two_ranks_get_the_adjoint_collectives_gradients():
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    res = subprocess.run([mpiexec(), "-n", "2", sys.executable,
                          str(SCRIPTS / "autograd_collectives.py")],
                         capture_output=True, text=True, timeout=120, env=env)
    assert res.returncode == 0, res.stderr
    # each rank's record (the launcher may join two ranks' output on one line)
    lines = sorted(m.strip() for m in re.findall(r"rank \d .*?grad \[[^\]]*\]", res.stdout))
    gathered = [[0.0, 1.0, 2.0], [10.0, 11.0, 12.0]]
    # all_reduce: sum over ranks of w (w on rank r is (r+1)*[1,2,3]) = 3*[1,2,3];
    # all_gather piece i: sum over ranks of w*(i+1) = 3*(i+1)*[1,2,3]; broadcast: 3*[1,2,3]
    # on rank 0 only.
    assert lines == [
        f"rank 0 summed [10.0, 12.0, 14.0] gathered {gathered} grad [9.0, 18.0, 27.0]",
        f"rank 1 summed [10.0, 12.0, 14.0] gathered {gathered} grad [9.0, 18.0, 27.0]",
    ]
