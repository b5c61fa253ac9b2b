"""The ``gradkit`` command: end-to-end runs, resume, eval, lr-find, info, bench, and errors.

Accuracy thresholds here are for short runs (documented per test); the default run (12 epochs of
the CNN on digits) reaches >= 97%, checked by ``test_default_train_run`` (marked slow).
"""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from helpers import final_accuracy

from cli_helpers import assert_one_line_error, run

import gradkit as gk
from gradkit import cli


@pytest.fixture(scope="module")
def trained_run(tmp_path_factory):
    """One short run shared by the eval/resume tests: MLP, 4 epochs, cosine schedule."""
    pytest.importorskip("sklearn")
    out = tmp_path_factory.mktemp("runs") / "mlp"
    rc = cli.main(["train", "--model", "mlp", "--epochs", "4", "--scheduler", "cosine",
                   "--out", str(out), "--progress", "off", "--no-plot"])
    assert rc == 0
    return out


# ------------------------------------------------------------------------------- training
def test_train_cnn_on_digits_end_to_end(capsys, tmp_path):
    pytest.importorskip("sklearn")
    pytest.importorskip("matplotlib")
    out_dir = tmp_path / "cnn"
    # 4 epochs instead of the default 12: the documented bar for this short run is 94%
    rc, out, err = run(capsys, "train", "--epochs", "4", "--out", out_dir, "--progress", "epoch")
    assert rc == 0, err
    assert "epoch 4/4" in out
    epoch_lines = [ln for ln in out.splitlines() if ln.startswith("epoch ")]
    assert len(epoch_lines) == 4 and all(len(ln) <= 80 for ln in epoch_lines), epoch_lines
    assert final_accuracy(out) >= 0.94
    for name in ("config.json", "preprocessing.json", "checkpoint.safetensors",
                 "best.safetensors", "history.csv", "history.jsonl", "history.png",
                 "results.json"):
        assert (out_dir / name).is_file(), name
    cfg = json.loads((out_dir / "config.json").read_text())
    assert cfg["model"] == "cnn" and cfg["data"] == "digits" and cfg["epochs"] == 4
    assert len((out_dir / "history.jsonl").read_text().splitlines()) == 4
    results = json.loads((out_dir / "results.json").read_text())
    assert results["accuracy"] == pytest.approx(final_accuracy(out), abs=1e-4)


@pytest.mark.slow
def test_default_train_run(capsys, tmp_path):
    """``gradkit train`` with no options: >= 97% test accuracy (the main job)."""
    pytest.importorskip("sklearn")
    rc, out, err = run(capsys, "train", "--out", tmp_path / "default", "--progress", "off")
    assert rc == 0, err
    assert final_accuracy(out) >= 0.97


def test_eval_reports_the_saved_model(capsys, trained_run):
    saved = json.loads((trained_run / "results.json").read_text())
    rc, out, err = run(capsys, "eval", trained_run)
    assert rc == 0, err
    assert "after 4 epochs" in out
    assert final_accuracy(out) == pytest.approx(saved["accuracy"], abs=1e-4)
    assert saved["accuracy"] >= 0.90  # an MLP after 4 epochs


def test_resume_equals_an_uninterrupted_run(capsys, tmp_path, monkeypatch):
    pytest.importorskip("sklearn")
    common = ["--epochs", "2", "--scheduler", "cosine", "--progress", "off", "--no-plot"]
    rc, _, err = run(capsys, "train", "--out", tmp_path / "whole", *common)
    assert rc == 0, err

    # the same run, killed (Ctrl-C) during its second epoch ...
    from gradkit.train import Trainer

    real = Trainer._run_epoch
    calls = {"n": 0}

    def dies_in_epoch_2(self, *a, **k):
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt
        return real(self, *a, **k)

    monkeypatch.setattr(Trainer, "_run_epoch", dies_in_epoch_2)
    rc, _, err = run(capsys, "train", "--out", tmp_path / "killed", *common)
    assert rc == 130 and "gradkit resume" in err
    monkeypatch.undo()
    # ... then resumed in a new process: the same weights, bit for bit
    proc = subprocess.run([sys.executable, "-m", "gradkit.cli", "resume", str(tmp_path / "killed"),
                           "--progress", "off", "--no-plot"], capture_output=True, text=True,
                          check=False, timeout=300, cwd=Path(__file__).resolve().parent.parent)
    assert proc.returncode == 0, proc.stderr
    assert "epoch 1 -> 2" in proc.stdout
    whole = gk.load(tmp_path / "whole" / "checkpoint.safetensors")
    resumed = gk.load(tmp_path / "killed" / "checkpoint.safetensors")
    assert resumed["epoch"] == whole["epoch"] == 2
    for name, tensor in whole["model"].items():
        np.testing.assert_array_equal(tensor.numpy(), resumed["model"][name].numpy(),
                                      err_msg=name)
    assert [r["val_loss"] for r in resumed["history"]] == [r["val_loss"] for r in
                                                          whole["history"]]


def test_resume_further_and_when_already_done(capsys, tmp_path):
    pytest.importorskip("sklearn")
    rc, _, err = run(capsys, "train", "--model", "mlp", "--epochs", "1", "--scheduler", "none",
                     "--out", tmp_path / "r", "--progress", "off", "--no-plot")
    assert rc == 0, err
    rc, out, _ = run(capsys, "resume", tmp_path / "r", "--progress", "off", "--no-plot")
    assert rc == 0 and "already trained 1 epochs" in out
    rc, out, _ = run(capsys, "resume", tmp_path / "r", "--epochs", "2", "--progress", "off",
                     "--no-plot")
    assert rc == 0 and "epoch 1 -> 2" in out
    assert json.loads((tmp_path / "r" / "config.json").read_text())["epochs"] == 2


def test_train_refuses_to_overwrite_a_run(capsys, trained_run):
    rc, _, err = run(capsys, "train", "--model", "mlp", "--out", trained_run)
    assert_one_line_error(rc, err, pattern="already holds a run", code=1)


def test_char_rnn_on_a_text_file(capsys, tmp_path):
    text = tmp_path / "t.txt"
    text.write_text("the quick brown fox jumps over the lazy dog. " * 80)
    rc, out, err = run(capsys, "train", "--data", "text", "--text-file", text, "--epochs", "2",
                       "--seq-len", "16", "--hidden", "32", "--out", tmp_path / "lm",
                       "--progress", "off", "--no-plot")
    assert rc == 0, err
    assert "lstm on text" in out and "test perplexity" in out and "sampled text:" in out
    ppl = float(out.split("test perplexity")[1].split()[0])
    assert ppl < 27  # vocabulary of 28 characters: better than uniform after 2 short epochs
    assert (tmp_path / "lm" / "sample.txt").is_file()


def test_lr_find_writes_a_plot_and_suggests(capsys, tmp_path):
    pytest.importorskip("sklearn")
    pytest.importorskip("matplotlib")
    rc, out, err = run(capsys, "lr-find", "--model", "mlp", "--num-iter", "40",
                       "--out", tmp_path / "lr.png")
    assert rc == 0, err
    lr = float(out.split("suggested learning rate:")[1].split()[0])
    assert 1e-6 <= lr <= 1.0
    assert (tmp_path / "lr.png").read_bytes()[:4] == b"\x89PNG"


# ------------------------------------------------------------------------------ info, bench
def test_info(capsys):
    rc, out, _ = run(capsys, "info")
    assert rc == 0
    assert f"gradkit {gk.__version__}" in out
    assert "Python 3." in out and f"NumPy {np.__version__}" in out
    assert "BLAS" in out
    assert "optimizer steps on large parameters:" in out
    for extra in ("scikit-learn", "tqdm", "matplotlib", "safetensors", "torch", "mpi4py",
                  "cupy"):
        assert extra in out


def test_bench_runs_scripts_from_a_folder(tmp_path, capfd):
    (tmp_path / "bench_fake.py").write_text(
        "import sys\nprint('fake bench', '--quick' in sys.argv)\n")
    rc = cli.main(["bench", "--quick", "--dir", str(tmp_path)])
    out = capfd.readouterr().out
    assert rc == 0
    assert "== bench_fake.py" in out and "fake bench True" in out


def test_bench_without_the_repository_explains(capsys, monkeypatch, tmp_path):
    monkeypatch.setattr(cli.bench, "_bench_candidates", lambda: [tmp_path / "nothing"])
    rc, _, err = run(capsys, "bench")
    assert_one_line_error(rc, err, pattern="clone", code=1)


def test_bench_failures_and_unknown_names(tmp_path, capfd):
    (tmp_path / "bench_bad.py").write_text("raise SystemExit(3)\n")
    rc = cli.main(["bench", "--dir", str(tmp_path)])
    err = capfd.readouterr().err
    assert_one_line_error(rc, err, pattern="bench_bad.py (exit 3)")
    rc, _, err = run(capfd, "bench", "--dir", tmp_path, "nosuch")
    assert_one_line_error(rc, err, pattern="no benchmark named bench_nosuch", code=2)


# ----------------------------------------------------------------------------------- errors
@pytest.mark.parametrize("argv, pattern", [
    (["train", "--bogus"], "unrecognized arguments: --bogus"),
    (["frobnicate"], "invalid choice: 'frobnicate'"),
    ([], "the following arguments are required"),
    (["train", "--lr", "-1"], "argument --lr: expected a positive number, got '-1'"),
    (["train", "--lr", "abc"], "argument --lr: expected a positive number, got 'abc'"),
    (["train", "--lr", "0"], "expected a positive number"),
    (["train", "--lr", "nan"], "expected a positive number"),
    (["train", "--epochs", "0"], "argument --epochs: expected a positive integer"),
    (["train", "--batch-size", "2.5"], "argument --batch-size"),
    (["train", "--model", "resnet"], "invalid choice: 'resnet'"),
    (["train", "--val-fraction", "1.5"], "expected a fraction"),
    (["train", "--data", "text", "--model", "cnn"], "--data text needs --model lstm"),
    (["train", "--model", "lstm"], "add --data text"),
    (["train", "--scheduler", "onecycle", "--warmup-epochs", "2"], "own warm-up"),
    (["train", "--warmup-epochs", "20", "--epochs", "3", "--scheduler", "cosine"],
     "must be smaller than --epochs"),
    (["lr-find", "--start-lr", "1", "--end-lr", "0.1"], "must be below --end-lr"),
    (["bench", "--dir", "/no/such/dir"], "no such folder"),
])
def test_usage_errors_are_one_line(capsys, argv, pattern):
    rc, _, err = run(capsys, *argv)
    assert_one_line_error(rc, err, pattern=pattern, code=1 if "folder" in pattern else 2)


def test_missing_files_are_one_line(capsys, tmp_path):
    rc, _, err = run(capsys, "eval", tmp_path / "no-such-run")
    assert_one_line_error(rc, err, pattern="no run folder at")
    rc, _, err = run(capsys, "resume", tmp_path)
    assert_one_line_error(rc, err, pattern="has no config.json")
    rc, _, err = run(capsys, "train", "--data", "mnist", "--out", tmp_path / "m")
    assert_one_line_error(rc, err, pattern="needs --data-dir")
    rc, _, err = run(capsys, "train", "--data", "mnist", "--data-dir", tmp_path / "none",
                     "--out", tmp_path / "m2")
    assert_one_line_error(rc, err, pattern="no such folder")
    rc, _, err = run(capsys, "train", "--data", "fashion-mnist", "--data-dir", tmp_path,
                     "--out", tmp_path / "m3")
    assert_one_line_error(rc, err, pattern="train-images-idx3-ubyte")
    rc, _, err = run(capsys, "train", "--data", "text", "--text-file", tmp_path / "none.txt",
                     "--out", tmp_path / "m4")
    assert_one_line_error(rc, err, pattern="no such file")


def test_corrupted_checkpoint_through_eval(capsys, trained_run, tmp_path):
    import shutil

    run_dir = tmp_path / "broken"
    shutil.copytree(trained_run, run_dir)
    ckpt = run_dir / "checkpoint.safetensors"
    data = bytearray(ckpt.read_bytes())
    ckpt.write_bytes(bytes(data[: len(data) // 3]))
    rc, _, err = run(capsys, "eval", run_dir)
    assert_one_line_error(rc, err, pattern="cannot read checkpoint", code=1)
    assert "checkpoint.safetensors" in err
    (run_dir / "config.json").write_text("{not json")
    rc, _, err = run(capsys, "eval", run_dir)
    assert_one_line_error(rc, err, pattern="cannot read", code=1)


def test_help_and_version_exit_zero(capsys):
    assert cli.main(["--version"]) == 0
    assert gk.__version__ in capsys.readouterr().out
    assert cli.main(["train", "--help"]) == 0
    assert "--scheduler" in capsys.readouterr().out


def test_the_installed_command_prints_no_traceback():
    """A real process: the console entry point with a bad option."""
    exe = Path(sys.executable).with_name("gradkit")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "gradkit.cli"]
    proc = subprocess.run(cmd + ["train", "--lr", "fast"], capture_output=True, text=True,
                          check=False,
                          timeout=60)
    assert proc.returncode == 2
    assert proc.stderr.strip() == ("gradkit: error: argument --lr: expected a positive number, "
                                   "got 'fast'")
    assert proc.stdout == ""


def _write_idx(path, array):
    import struct

    array = np.ascontiguousarray(array, dtype=np.uint8)
    header = struct.pack(">BBBB", 0, 0, 0x08, array.ndim) + struct.pack(
        f">{array.ndim}I", *array.shape)
    path.write_bytes(header + array.tobytes())


@pytest.mark.parametrize("name", ["mnist", "fashion-mnist"])
def test_train_on_idx_files(capsys, tmp_path, name):
    """MNIST-format files from --data-dir (synthetic: the label is the brightest quadrant)."""
    rng = np.random.default_rng(0)
    for prefix, n in (("train", 240), ("t10k", 60)):
        labels = rng.integers(0, 4, n)
        images = rng.integers(0, 60, (n, 28, 28))
        for i, lab in enumerate(labels):
            r, c = divmod(int(lab), 2)
            images[i, r * 14:(r + 1) * 14, c * 14:(c + 1) * 14] += 150
        _write_idx(tmp_path / f"{prefix}-images-idx3-ubyte", images)
        _write_idx(tmp_path / f"{prefix}-labels-idx1-ubyte", labels)
    rc, out, err = run(capsys, "train", "--data", name, "--data-dir", tmp_path, "--model", "cnn",
                       "--epochs", "2", "--out", tmp_path / "run", "--progress", "off",
                       "--no-plot")
    assert rc == 0, err
    assert f"cnn on {name}" in out
    assert final_accuracy(out) >= 0.9


# ------------------------------------------------------------------- under mpiexec (faked)
def test_an_option_error_under_mpiexec_is_printed_by_rank_0_only(capsys, monkeypatch):
    # before the ranks join the MPI world, each would print the same usage error
    monkeypatch.setenv("PMI_SIZE", "2")
    monkeypatch.setenv("PMI_RANK", "1")
    rc, out, err = run(capsys, "train", "--epochs", "0")
    assert rc == 2 and out == "" and err == ""
    monkeypatch.setenv("PMI_RANK", "0")
    rc, out, err = run(capsys, "train", "--epochs", "0")
    assert_one_line_error(rc, err, pattern="--epochs", code=2)


def test_lr_find_under_mpiexec_runs_on_rank_0_only(capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("PMI_SIZE", "2")
    monkeypatch.setenv("PMI_RANK", "1")
    rc, out, err = run(capsys, "lr-find", "--out", tmp_path / "lr.png")
    assert rc == 0 and out == "" and err == "" and not (tmp_path / "lr.png").exists()


# ------------------------------------------------------------------ gradkit run
def _program(tmp_path, text, name="prog.py"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_run_program_sees_torch_as_gradkit(tmp_path, capsys):
    prog = _program(tmp_path, (
        "import sys\nimport torch\nimport torch.nn as nn\nimport torch.nn.functional as F\n"
        "from torch.utils.data import DataLoader\nimport torch.optim.lr_scheduler as sched\n"
        "import gradkit\n"
        "print(__name__, sys.argv[1:], torch is gradkit, nn is gradkit.nn,"
        " F is gradkit.nn.functional, DataLoader is gradkit.utils.data.DataLoader,"
        " sched is gradkit.optim.lr_scheduler)\n"
        "print(torch.zeros(2, 3).shape, torch.ones(2, dtype=torch.float64))\n"))
    rc, out, err = run(capsys, "run", prog, "--lr", "0.1", "x")
    assert rc == 0, err
    lines = out.splitlines()
    assert lines[0] == "__main__ ['--lr', '0.1', 'x'] True True True True True"
    assert lines[1] == "torch.Size([2, 3]) tensor([1., 1.], dtype=torch.float64)"
    # afterwards gradkit prints as itself again and the hook is gone
    assert repr(gk.zeros(1).shape) == "gradkit.Size([1])"
    assert "dtype=gradkit.float64" in repr(gk.ones(1, dtype=gk.float64))
    assert "torch" not in sys.modules or sys.modules["torch"] is not gk


def test_run_exit_codes_and_traceback(tmp_path, capsys):
    prog = _program(tmp_path, "import sys\nsys.exit(int(sys.argv[1]))\n")
    assert run(capsys, "run", prog, "3")[0] == 3
    assert run(capsys, "run", prog, "0")[0] == 0
    prog = _program(tmp_path, "import torch\n\n\ndef f():\n    return 1 / 0\n\n\nf()\n", "bad.py")
    rc, out, err = run(capsys, "run", prog)
    assert rc == 1
    assert err.startswith("Traceback (most recent call last):\n"), err
    frames = [ln for ln in err.splitlines() if ln.strip().startswith("File ")]
    assert all(str(prog) in f for f in frames), err  # only the program's frames
    assert 'line 8, in <module>' in frames[0] and "line 5, in f" in frames[1]
    assert err.rstrip().endswith("ZeroDivisionError: division by zero")
    rc, out, err = run(capsys, "run", tmp_path / "missing.py")
    assert rc == 2 and "can't open file" in err


def test_run_missing_torch_module_is_a_clear_import_error(tmp_path, capsys):
    prog = _program(tmp_path, "import torch.fx\n")
    rc, out, err = run(capsys, "run", prog)
    assert rc == 1
    assert "ModuleNotFoundError: No module named 'torch.fx': gradkit does not provide" in err
    frames = [ln for ln in err.splitlines() if ln.strip().startswith("File ")]
    assert len(frames) == 1 and str(prog) in frames[0], err  # the import line, no hook frames


def test_run_compile_and_jit_pass_through_with_one_note(tmp_path, capsys):
    prog = _program(tmp_path, (
        "import torch\nm = torch.nn.Linear(2, 2)\n"
        "print(torch.compile(m) is m, torch.compile(m) is m, torch.jit.script(m) is m,"
        " torch.jit.trace(m, torch.zeros(1, 2)) is m)\n"
        "@torch.compile\ndef f(x):\n    return x + 1\n"
        "print(f(torch.ones(1)).item())\n"))
    rc, out, err = run(capsys, "run", prog)
    assert rc == 0, err
    assert out.splitlines() == ["True True True True", "2.0"]
    assert err.count("torch.compile runs the model eagerly") == 1
    assert err.count("torch.jit.script") == 1 and err.count("torch.jit.trace") == 1


def test_run_module_flag_and_python_dash_m(tmp_path):
    (tmp_path / "pkgmod.py").write_text("import sys, torch\nprint(sys.argv[1:], torch.__name__)\n")
    env = dict(__import__("os").environ, PYTHONPATH=str(Path(gk.__file__).parents[1]))
    out = subprocess.run([sys.executable, "-m", "gradkit", "run", "-m", "pkgmod", "a"],
                         cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "['a'] gradkit"


def test_import_gradkit_never_shadows_torch():
    torch = pytest.importorskip("torch")
    import importlib

    assert importlib.import_module("torch") is torch
    assert torch.__name__ == "torch" and not hasattr(torch, "_gradkit_marker")
    from gradkit.compat import hook

    assert not hook.installed()
    assert hook.target_of("torch.nn.functional") == "gradkit.nn.functional"
    assert hook.target_of("torchvision.transforms") == "gradkit.vision.transforms"
    assert hook.target_of("torch.cuda.amp") == "gradkit.amp.cuda"
    assert hook.target_of("numpy") is None
