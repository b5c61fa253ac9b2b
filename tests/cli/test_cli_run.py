"""``gradkit run prog.py``: unmodified PyTorch programs on gradkit."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from cli_helpers import run

import gradkit as gk


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


def test_run_traceback_suggests_names_as_python_does(tmp_path, capsys):
    # Python's own display adds "Did you mean" to an AttributeError/NameError (the traceback
    # module of Python 3.11 does not): a misspelt submodule of an nn.Module reads as in PyTorch
    prog = _program(tmp_path, (
        "import torch\n\n\nclass M(torch.nn.Module):\n    def __init__(self):\n"
        "        super().__init__()\n        self.to_hidden_gate = torch.nn.Linear(2, 2)\n\n\n"
        "M().to_hidden_gat\n"), "typo.py")
    rc, out, err = run(capsys, "run", prog)
    assert rc == 1
    assert err.rstrip().endswith("AttributeError: 'M' object has no attribute 'to_hidden_gat'. "
                                 "Did you mean: 'to_hidden_gate'?"), err
    prog = _program(tmp_path, "import sys\n\n\ndef hook(t, v, tb):\n"
                              "    print('hooked', t.__name__)\n\n\nsys.excepthook = hook\n"
                              "1 / 0\n", "hooked.py")
    try:
        rc, out, err = run(capsys, "run", prog)
    finally:
        sys.excepthook = sys.__excepthook__
    assert rc == 1 and "hooked ZeroDivisionError" in out + err, (out, err)


def test_run_syntax_error_reads_as_python_prog_py_shows_it(tmp_path, capsys):
    """A program that does not compile: only the file, line and caret, as ``python prog.py``
    prints them, not the runner's frames that compiled it."""
    prog = _program(tmp_path, "import torch\nx = (1,\nprint(x  # no closing\n", "broken.py")
    rc, out, err = run(capsys, "run", prog)
    plain = subprocess.run([sys.executable, str(prog)], capture_output=True, text=True)
    assert rc == 1 == plain.returncode
    assert "Traceback" not in err and "runner.py" not in err, err
    assert err == plain.stderr


def test_run_missing_torch_module_is_a_clear_import_error(tmp_path, capsys):
    prog = _program(tmp_path, "import torch._inductor\n")
    rc, out, err = run(capsys, "run", prog)
    assert rc == 1
    assert "ModuleNotFoundError: No module named 'torch._inductor': gradkit does not provide" in err
    frames = [ln for ln in err.splitlines() if ln.strip().startswith("File ")]
    assert len(frames) == 1 and str(prog) in frames[0], err  # the import line, no hook frames


def test_run_missing_torch_submodule_as_attribute_says_what_is_missing(tmp_path, capsys):
    prog = _program(tmp_path, "import torch\nx = torch.randn(8)\n"
                              "torch.nested.nested_tensor([x])\n")
    rc, out, err = run(capsys, "run", prog)
    assert rc == 1
    assert "AttributeError: module 'gradkit' has no attribute 'nested': gradkit does not " \
        "provide PyTorch's torch.nested" in err
    assert not hasattr(__import__("gradkit"), "nested")  # hasattr still sees an AttributeError


def test_run_compile_and_jit_pass_through_with_one_note(tmp_path, capsys):
    prog = _program(tmp_path, (
        "import torch\nm = torch.nn.Linear(2, 2)\n"
        "print(torch.compile(m)._orig_mod is m, type(torch.compile(m)).__name__,"
        " torch.jit.script(m) is m, torch.jit.trace(m, torch.zeros(1, 2)).weight is m.weight)\n"
        "@torch.compile\ndef f(x):\n    return x + 1\n"
        "print(f(torch.ones(1)).item())\n"))
    rc, out, err = run(capsys, "run", prog)
    assert rc == 0, err
    assert out.splitlines() == ["True OptimizedModule False True", "2.0"]
    assert err.count("torch.compile runs the model eagerly") == 1
    assert err.count("torch.jit.script") == 1 and err.count("torch.jit.trace") == 1


def test_run_module_flag_and_python_dash_m(tmp_path):
    (tmp_path / "pkgmod.py").write_text("import sys, torch\nprint(sys.argv[1:], torch.__name__)\n")
    env = dict(__import__("os").environ, PYTHONPATH=str(Path(gk.__file__).parents[1]))
    out = subprocess.run([sys.executable, "-m", "gradkit", "run", "-m", "pkgmod", "a"],
                         cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "['a'] torch"  # torch.__name__ is PyTorch's under the hook


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


AMP_PROGRAM = """
import warnings
import torch
from torch.cuda.amp import autocast, GradScaler
import torch.cpu.amp
with warnings.catch_warnings(record=True) as w:
    warnings.simplefilter("always")
    scaler = GradScaler()
    with autocast():
        pass
    torch.amp.autocast("cuda")
    torch.cpu.amp.autocast()
print(scaler.is_enabled())
for x in w:
    print(x.category.__name__, x.message)
"""


def test_run_older_amp_spellings_import_and_warn_as_pytorch_without_cuda(tmp_path, capsys):
    # torch.cuda is a package in PyTorch: `from torch.cuda.amp import ...` must import
    prog = _program(tmp_path, AMP_PROGRAM)
    rc, out, err = run(capsys, "run", prog)
    assert rc == 0, err
    if gk.cuda.is_available():
        pytest.skip("the warnings are those of a machine without CUDA")
    expected = [
        "False",
        "FutureWarning `torch.cuda.amp.GradScaler(args...)` is deprecated. Please use "
        "`torch.amp.GradScaler('cuda', args...)` instead.",
        "UserWarning torch.cuda.amp.GradScaler is enabled, but CUDA is not available.  Disabling.",
        "FutureWarning `torch.cuda.amp.autocast(args...)` is deprecated. Please use "
        "`torch.amp.autocast('cuda', args...)` instead.",
        "UserWarning CUDA is not available or torch_xla is imported. Disabling autocast.",
        "UserWarning CUDA is not available or torch_xla is imported. Disabling autocast.",
        "FutureWarning `torch.cpu.amp.autocast(args...)` is deprecated. Please use "
        "`torch.amp.autocast('cpu', args...)` instead.",
    ]
    assert out.splitlines() == expected
    torch = pytest.importorskip("torch")
    if not torch.cuda.is_available():
        done = subprocess.run([sys.executable, str(prog)], capture_output=True, text=True)
        assert done.stdout.splitlines() == expected, done.stderr


def test_run_spawned_processes_import_gradkit_and_share_tensors(tmp_path, capsys):
    # multiprocessing's "spawn" child re-runs the program: under gradkit run its `import torch`
    # must give gradkit too (it imported the real torch), and a shared parameter handed to it
    # must stay shared (the Hogwild example sets the spawn start method)
    if not hasattr(os, "memfd_create"):
        pytest.skip("needs memory files (Linux)")
    prog = _program(tmp_path, (
        "import torch\nimport torch.multiprocessing as mp\n\n"
        "def work(model):\n"
        "    import gradkit\n"
        "    assert torch is gradkit, torch\n"
        "    with torch.no_grad():\n"
        "        model.weight.add_(1.0)\n\n"
        "if __name__ == '__main__':\n"
        "    mp.set_start_method('spawn', force=True)\n"
        "    model = torch.nn.Linear(2, 1)\n"
        "    model.share_memory()\n"
        "    before = model.weight.detach().clone()\n"
        "    p = mp.Process(target=work, args=(model,))\n"
        "    p.start()\n    p.join()\n"
        "    print(p.exitcode, torch.equal(model.weight.detach(), before + 1))\n"))
    rc, out, err = run(capsys, "run", prog)
    assert rc == 0, err
    assert out.splitlines()[-1] == "0 True", (out, err)


def test_run_sees_argv_and_path_as_python_prog_py_does(tmp_path):
    # `python sub/prog.py` puts sub/ first on sys.path, not the working directory, and leaves
    # sys.argv[0] as typed; a module sitting only in the working directory does not import
    (tmp_path / "sub").mkdir()
    (tmp_path / "only_in_cwd.py").write_text("X = 1\n")
    _program(tmp_path / "sub", (
        "import os, sys\n"
        "try:\n    import only_in_cwd  # noqa: F401\n    found = True\n"
        "except ImportError:\n    found = False\n"
        "print(sys.argv, found, sys.path[0] == os.path.dirname(__file__), os.path.isabs(__file__),"
        " __name__)\n"))
    env = dict(os.environ, PYTHONPATH=str(Path(gk.__file__).parents[1]))
    plain = subprocess.run([sys.executable, os.path.join("sub", "prog.py"), "a"], cwd=tmp_path,
                           env=env, capture_output=True, text=True, timeout=120)
    ours = subprocess.run([sys.executable, "-m", "gradkit", "run", os.path.join("sub", "prog.py"),
                           "a"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert plain.returncode == 0 and ours.returncode == 0, ours.stderr
    assert plain.stdout == f"[{os.path.join('sub', 'prog.py')!r}, 'a'] False True True __main__\n"
    assert ours.stdout == plain.stdout


def test_run_program_imports_functorch_as_gradkit(tmp_path, capsys):
    prog = _program(tmp_path, (
        "import torch\nimport functorch as ft\nfrom functorch import make_functional\n"
        "f, params = make_functional(torch.nn.Linear(2, 1))\n"
        "out = f(params, torch.ones(3, 2))\n"
        "print(ft.vmap is torch.func.vmap, len(params), tuple(out.shape))\n"))
    rc, out, err = run(capsys, "run", prog)
    assert rc == 0, err
    assert out.strip().endswith("True 2 (3, 1)")


def test_run_program_prints_pytorchs_class_names_and_its_saved_model_loads_after(tmp_path,
                                                                               capsys):
    prog = _program(tmp_path, (
        "import sys\nimport torch\nimport torch.nn as nn\n"
        "m = nn.Sequential(nn.Linear(2, 2), nn.Flatten())\n"
        "opt = torch.optim.AdamW(m.parameters())\n"
        "print(type(torch.zeros(1)), type(m[0]), type(opt), type(torch.float32), torch.Size)\n"
        "print(type(m[1]), torch.utils.data.DataLoader, torch.device)\n"
        "torch.save(m, sys.argv[1])\n"))
    rc, out, err = run(capsys, "run", prog, tmp_path / "model.pt")
    assert rc == 0, err
    lines = out.splitlines()
    assert lines[0] == ("<class 'torch.Tensor'> <class 'torch.nn.modules.linear.Linear'> "
                        "<class 'torch.optim.adamw.AdamW'> <class 'torch.dtype'> "
                        "<class 'torch.Size'>")
    assert lines[1] == ("<class 'torch.nn.modules.flatten.Flatten'> "
                        "<class 'torch.utils.data.dataloader.DataLoader'> <class 'torch.device'>")
    # afterwards gradkit's classes show gradkit's names, and the whole model loads without it
    assert repr(gk.Tensor) == "<class 'gradkit.Tensor'>"
    assert gk.nn.Linear.__module__ == "gradkit.nn.modules.linear"
    back = gk.load(tmp_path / "model.pt", weights_only=False)
    assert type(back) is gk.nn.Sequential and type(back[1]) is gk.nn.Flatten
