"""PyTorch DDP programs as they are: ``mpiexec -n 2 gradkit run train.py`` runs a script written
for ``torchrun`` and gives the same numbers as PyTorch itself (``torchrun --nproc_per_node 2``,
gloo) on the same script."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from helpers import mpiexec

SCRIPTS = Path(__file__).parent / "scripts"
ROOT = Path(__file__).resolve().parents[2]


def _env():
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env.pop("GRADKIT_FAKE_CUDA", None)
    for k in ("RANK", "WORLD_SIZE", "LOCAL_RANK", "LOCAL_WORLD_SIZE", "MASTER_ADDR",
              "MASTER_PORT"):
        env.pop(k, None)
    return env


def gradkit_run(script, *args, n=2, timeout=120):
    cmd = [mpiexec(), "-n", str(n), sys.executable, "-m", "gradkit.cli", "run", str(script),
           *map(str, args)]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=_env())


def _numbers(out):
    """The lines rank 0 printed about training (epoch losses, the weight sums)."""
    return [ln for ln in out.splitlines() if ln.startswith(("epoch ", "weights "))]


@pytest.fixture(scope="module")
def torch_reference(tmp_path_factory):
    torch = pytest.importorskip("torch")
    if not torch.distributed.is_available() or not torch.distributed.is_gloo_available():
        pytest.skip("this PyTorch has no gloo backend")
    torchrun = shutil.which("torchrun", path=str(Path(sys.executable).parent)) or \
        shutil.which("torchrun")
    if torchrun is None:
        pytest.skip("torchrun not found")
    ckpt = tmp_path_factory.mktemp("torch") / "model.pt"
    env = _env()
    env["PYTHONPATH"] = ""  # the real torch
    env["OMP_NUM_THREADS"] = "1"
    res = subprocess.run([torchrun, "--standalone", "--nproc_per_node", "2",
                          str(SCRIPTS / "torch_ddp.py"), "gloo", str(ckpt)],
                         capture_output=True, text=True, timeout=120, env=env)
    if res.returncode != 0:
        pytest.skip(f"torchrun could not run here: {res.stderr[-400:]}")
    return _numbers(res.stdout), ckpt


def _label(word):
    """A word of the script's output that is not a number (None for a number): lines such as
    ``weights -18.957426 101.062263`` hold several numbers after a label."""
    try:
        float(word)
    except ValueError:
        return word
    return None


@pytest.mark.parametrize("backend", ["gloo", "nccl"])
def test_a_pytorch_ddp_script_runs_unchanged_and_matches_pytorch(backend, torch_reference,
                                                                  tmp_path):
    import gradkit

    expected, torch_ckpt = torch_reference
    ckpt = tmp_path / "model.pt"
    res = gradkit_run(SCRIPTS / "torch_ddp.py", backend, ckpt)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "rank 0/2 local 0 done" in res.stdout and "rank 1/2 local 1 done" in res.stdout
    got = _numbers(res.stdout)
    assert len(got) == len(expected) == 4, (got, expected)
    for g, e in zip(got, expected):
        gw, ew = g.split(), e.split()
        assert [_label(w) for w in gw] == [_label(w) for w in ew], (g, e)  # the same labels
        np.testing.assert_allclose([float(w) for w in gw if _label(w) is None],
                                   [float(w) for w in ew if _label(w) is None],
                                   rtol=1e-5, atol=1e-5)
    # rank 0's checkpoint holds the weights PyTorch's rank 0 saved
    mine, theirs = gradkit.load(ckpt), gradkit.load(torch_ckpt)
    assert list(mine) == list(theirs)
    for k in theirs:
        np.testing.assert_allclose(mine[k].numpy(), theirs[k].numpy(), rtol=1e-5, atol=1e-6)


def test_env_rendezvous_without_mpiexec_says_how_to_launch(tmp_path):
    code = ("import os, gradkit.distributed as d\n"
            "os.environ['WORLD_SIZE'] = '2'\n"
            "try:\n"
            "    d.init_process_group('nccl', init_method='env://')\n"
            "except RuntimeError as e:\n"
            "    print('RuntimeError:', e)\n")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60, env=_env())
    assert res.returncode == 0, res.stderr
    assert "world_size=2 but this process was not started by mpiexec" in res.stdout
    assert "mpiexec -n 2 gradkit run" in res.stdout


def test_torchrun_variables_are_set_under_mpiexec():
    code = ("import os, sys, gradkit.distributed\n"
            "sys.stdout.write(' '.join(['ENV', *(os.environ[k] for k in ('RANK', 'WORLD_SIZE', "
            "'LOCAL_RANK', 'LOCAL_WORLD_SIZE', 'MASTER_ADDR'))]) + '\\n')")
    res = subprocess.run([mpiexec(), "-n", "2", sys.executable, "-c", code],
                         capture_output=True, text=True, timeout=60, env=_env())
    assert res.returncode == 0, res.stderr
    lines = sorted(ln for ln in res.stdout.splitlines() if ln.startswith("ENV"))
    assert lines == ["ENV 0 2 0 2 127.0.0.1", "ENV 1 2 1 2 127.0.0.1"], res.stdout


def test_an_error_in_one_rank_of_a_gradkit_run_program_ends_the_job(tmp_path):
    prog = tmp_path / "fails.py"
    prog.write_text("import torch, torch.distributed as dist\n"
                    "dist.init_process_group('gloo')\n"
                    "if dist.get_rank() == 1:\n"
                    "    raise ValueError('rank 1 fails on purpose')\n"
                    "t = torch.ones(2)\n"
                    "dist.all_reduce(t)  # rank 0 would wait here\n"
                    "print('unreachable')\n")
    res = gradkit_run(prog, timeout=60)
    assert res.returncode != 0 and "unreachable" not in res.stdout
    assert "ValueError: rank 1 fails on purpose" in res.stderr
    assert "[rank 1] uncaught exception; aborting the MPI job" in res.stderr
