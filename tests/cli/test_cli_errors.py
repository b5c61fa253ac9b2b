"""Usage errors and missing files end in one line; ``--help`` and ``--version``; the installed
command."""

import subprocess
import sys
from pathlib import Path

import pytest
from cli_helpers import assert_one_line_error, run

import gradkit as gk
from gradkit import cli


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


def test_an_option_error_under_mpiexec_is_printed_by_rank_0_only(capsys, monkeypatch):
    # before the ranks join the MPI world, each would print the same usage error
    monkeypatch.setenv("PMI_SIZE", "2")
    monkeypatch.setenv("PMI_RANK", "1")
    rc, out, err = run(capsys, "train", "--epochs", "0")
    assert rc == 2 and out == "" and err == ""
    monkeypatch.setenv("PMI_RANK", "0")
    rc, out, err = run(capsys, "train", "--epochs", "0")
    assert_one_line_error(rc, err, pattern="--epochs", code=2)
