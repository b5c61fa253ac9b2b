"""``torch.smm``/``torch.hspmm`` (a sparse matrix times a dense one, with a sparse result) and
PyTorch 2.13's once-per-process sparse warnings (implicit invariant checks, compressed layouts
in beta), against PyTorch."""

import subprocess
import sys
import textwrap

import numpy as np
import pytest

import gradkit as gk

torch = pytest.importorskip("torch")


def _pair(lib):
    s = lib.sparse_coo_tensor(lib.tensor([[0, 2, 2], [1, 0, 1]]), lib.tensor([1.0, 2.0, 3.0]),
                              (3, 2), check_invariants=False)
    return s, lib.tensor([[1.0, 2.0, 5.0], [3.0, 4.0, 6.0]])


@pytest.mark.parametrize("name", ["smm", "hspmm"])
def test_sparse_times_dense_with_a_sparse_result(name):
    got = getattr(gk, name)(*_pair(gk)).coalesce()
    want = getattr(torch, name)(*_pair(torch)).coalesce()
    np.testing.assert_array_equal(got.indices().numpy(), want.indices().numpy())
    np.testing.assert_array_equal(got.values().numpy(), want.values().numpy())
    assert tuple(got.shape) == tuple(want.shape)
    with pytest.raises(RuntimeError, match=name):
        getattr(gk, name)(gk.ones(2, 2), gk.ones(2, 2))


_PROGRAM = textwrap.dedent("""
    import warnings
    warnings.simplefilter("always")
    import {lib} as t
    i, v = t.tensor([[0], [1]]), t.tensor([1.0])
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        t.eye(2).to_sparse()                         # no warning
        t.sparse_coo_tensor(i, v, (2, 2))            # implicitly disabled: once
        t.sparse_coo_tensor(i, v, (2, 2))
        t.eye(2).to_sparse_csc()                     # the first compressed layout: once
        t.eye(2).to_sparse_csr()
    print([str(x.message)[:40] for x in w])
""")


def _warnings_of(lib):
    env = {"PYTHONPATH": ":".join(sys.path)}
    out = subprocess.run([sys.executable, "-c", _PROGRAM.format(lib=lib)], capture_output=True,
                         text=True, env=env, timeout=120)
    return out.stdout.strip()


def test_sparse_warnings_once_per_process_as_pytorch():
    assert _warnings_of("gradkit") == _warnings_of("torch")
    assert "implicitly d" in _warnings_of("gradkit")


def test_explicit_invariant_setting_silences_the_warning():
    prog = ("import warnings, gradkit as t\n"
            "with warnings.catch_warnings(record=True) as w:\n"
            "    warnings.simplefilter('always')\n"
            "    with t.sparse.check_sparse_tensor_invariants(False):\n"
            "        pass\n"
            "    t.sparse_coo_tensor(t.tensor([[0], [1]]), t.tensor([1.0]), (2, 2))\n"
            "print(len(w))\n")
    out = subprocess.run([sys.executable, "-c", prog], capture_output=True, text=True,
                         env={"PYTHONPATH": ":".join(sys.path)}, timeout=120)
    assert out.stdout.strip() == "0"
