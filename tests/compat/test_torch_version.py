"""``__version__`` compares as a version (gradkit/torch_version.py), and under ``gradkit run``
the program's ``torch.__version__`` is the PyTorch release gradkit follows."""

from __future__ import annotations

import itertools
import operator
import subprocess
import sys

import pytest

import gradkit
from gradkit.compat import hook
from gradkit.torch_version import API_VERSION, TorchVersion

_OPS = [operator.lt, operator.le, operator.gt, operator.ge, operator.eq, operator.ne]
_OTHERS = ["2.0", "2.13", "2.13.0", "2.13.0+cpu", "2.13.0+gradkit.0.1.0", "2.13.1", "1.13.1",
           "10.0", "3", "", "abc", (2, 0), (2, 13), (2, 13, 0), (2, 14), [2, 13, 1], 2, 2.5, None]
_MINE = ["2.13.0+cpu", "2.13.0", "0.1.0", "2.13.0+gradkit.0.1.0", "1.9.1"]


def _outcome(op, a, b):
    try:
        return op(a, b)
    except Exception as e:  # noqa: BLE001 (the exception type is the outcome compared)
        return type(e)


def test_comparisons_as_torchs_torchversion():
    torch_version = pytest.importorskip("torch.torch_version")
    differ = []
    for mine, other, op in itertools.product(_MINE, _OTHERS, _OPS):
        ours, theirs = TorchVersion(mine), torch_version.TorchVersion(mine)
        if _outcome(op, ours, other) != _outcome(op, theirs, other):
            differ.append((mine, other, op.__name__))
        if _outcome(op, other, ours) != _outcome(op, other, theirs):
            differ.append((other, mine, op.__name__))
    assert not differ


def test_version_is_a_comparable_string():
    assert isinstance(gradkit.__version__, str) and gradkit.__version__ == "0.1.0"
    assert gradkit.__version__ < (1, 0) and gradkit.version.__version__ == gradkit.__version__
    assert TorchVersion("2.13.0+gradkit.0.1.0") >= "2.1" and TorchVersion("2.13.0") > (2, 9)
    with pytest.raises(TypeError):
        TorchVersion("2.13.0") < 2  # noqa: B015 (a number is no version: as PyTorch)


def test_run_mode_reports_the_followed_pytorch_release():
    before = gradkit.__version__
    hook.install()
    try:
        import torch  # noqa: PLC0415 (the alias the hook makes)

        assert torch.__version__ == f"{API_VERSION}+gradkit.{before}"
        assert torch.version.__version__ is torch.__version__
        assert torch.__version__ >= (2, 0) and torch.__version__ >= "2.13"
    finally:
        hook.uninstall()
    assert gradkit.__version__ == before and gradkit.version.__version__ == before


def test_gradkit_run_program_sees_it(tmp_path):
    prog = tmp_path / "v.py"
    prog.write_text("import torch\nfrom torch.version import __version__ as v\n"
                    "print(torch.__version__, v == torch.__version__,\n"
                    "      torch.__version__ >= (2, 0))\n")
    out = subprocess.run([sys.executable, "-m", "gradkit", "run", str(prog)], capture_output=True,
                         text=True, timeout=300, check=True).stdout
    assert out.split() == [f"{API_VERSION}+gradkit.{gradkit.__version__}", "True", "True"]


def test_run_mode_names_the_package_torch_and_has_its_typing_names():
    """Under ``gradkit run`` a program sees ``torch.__name__ == "torch"`` (Pyro checks dotted
    paths against it), ``torch.jit.TracerWarning`` to filter and the aliases
    ``torch.serialization`` annotates with; ``gradkit`` again once uninstalled."""
    torch = pytest.importorskip("torch")
    names = {"MAP_LOCATION": torch.serialization.MAP_LOCATION,
             "DEFAULT_PROTOCOL": torch.serialization.DEFAULT_PROTOCOL}
    theirs = torch.jit.TracerWarning
    hook.install()
    try:
        import torch as alias  # noqa: PLC0415 (the alias the hook makes)
        import torch.jit  # noqa: PLC0415
        import torch.serialization  # noqa: PLC0415
        import torch.utils._pytree as pytree  # noqa: PLC0415
        from torch._jit_internal import _copy_to_script_wrapper  # noqa: PLC0415

        assert alias is gradkit and alias.__name__ == "torch"
        assert issubclass(alias.jit.TracerWarning, Warning) and theirs.__mro__[1] is Warning
        assert alias.serialization.DEFAULT_PROTOCOL == names["DEFAULT_PROTOCOL"]
        assert alias.serialization.MAP_LOCATION is not None
        assert pytree.tree_leaves({"a": (1, [2])}) == [1, 2]
        assert _copy_to_script_wrapper(len) is len
        import torch.nn.parallel  # noqa: PLC0415 (a package with a function named as its file)

        assert callable(alias.nn.parallel.data_parallel)
    finally:
        hook.uninstall()
    assert gradkit.__name__ == "gradkit"
