"""``gradkit info`` and ``gradkit bench``."""


import numpy as np
from cli_helpers import assert_one_line_error, run

import gradkit as gk
from gradkit import cli


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
