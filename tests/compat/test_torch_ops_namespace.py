"""``torch.ops`` (ATen operators by name), ``torch.__config__``, ``torch._tensor_str``,
``torch.jit._overload`` and ``torch.distributed.rpc``: the module-level names libraries such as
PyTorch Geometric touch at import time; and the private ``torch.*`` functions they call
(``_convert_indices_from_coo_to_csr``, ``_segment_reduce``), checked against PyTorch."""

import subprocess
import sys
import textwrap

import numpy as np
import pytest

import gradkit as gk
from gradkit import _ops

torch = pytest.importorskip("torch")


def _both(fn_name, *arrays, **kwargs):
    """``torch.ops.aten.<fn_name>`` applied in both libraries to the same arrays."""
    name, overload = fn_name.split(".")
    out_t = getattr(getattr(torch.ops.aten, name), overload)(
        *[torch.tensor(a) if isinstance(a, np.ndarray) else a for a in arrays], **kwargs)
    out_g = getattr(getattr(_ops.namespace("aten"), name), overload)(
        *[gk.tensor(a) if isinstance(a, np.ndarray) else a for a in arrays], **kwargs)
    return out_t, out_g


@pytest.mark.parametrize("case", [
    ("add.Tensor", (np.arange(6.0).reshape(2, 3), np.ones(3)), {}),
    ("sub.Tensor", (np.arange(6.0).reshape(2, 3), np.ones(3)), {"alpha": 2}),
    ("index_select.default", (np.arange(12.0).reshape(3, 4), 1, np.array([3, 0])), {}),
    ("slice.Tensor", (np.arange(20.0).reshape(2, 10), 1, 1, 9, 3), {}),
    ("select.int", (np.arange(12.0).reshape(3, 4), 1, 2), {}),
    ("flip.default", (np.arange(6.0).reshape(2, 3), [1]), {}),
    ("squeeze.dim", (np.zeros((2, 1, 3)), 1), {}),
    ("_to_copy.default", (np.arange(4),), {"dtype": None}),
    ("alias.default", (np.arange(4.0),), {}),
    ("clone.default", (np.arange(4.0),), {}),
])
def test_aten_overloads_compute_as_torch(case):
    name, args, kwargs = case
    out_t, out_g = _both(name, *args, **kwargs)
    np.testing.assert_array_equal(out_g.numpy(), out_t.numpy())
    assert str(out_g.dtype).split(".")[-1] == str(out_t.dtype).split(".")[-1]


def test_aten_index_and_sort_overloads_as_torch():
    a = np.array([[3.0, 1.0, 2.0], [0.0, 5.0, 4.0]])
    aten = _ops.namespace("aten")
    out_t = torch.ops.aten.index.Tensor(torch.tensor(a), [None, torch.tensor([2, 0])])
    out_g = aten.index.Tensor(gk.tensor(a), [None, gk.tensor([2, 0])])
    np.testing.assert_array_equal(out_g.numpy(), out_t.numpy())
    values, indices = aten.sort.stable(gk.tensor(a), stable=True, dim=1, descending=True)
    ref = torch.ops.aten.sort.stable(torch.tensor(a), stable=True, dim=1, descending=True)
    np.testing.assert_array_equal(values.numpy(), ref[0].numpy())
    np.testing.assert_array_equal(indices.numpy(), ref[1].numpy())
    t = gk.zeros(3)
    assert aten.add_.Tensor(t, gk.ones(3)) is t and t.tolist() == [1.0, 1.0, 1.0]


def test_aten_operator_objects_keep_identity_and_names():
    aten = _ops.namespace("aten")
    assert aten.add.Tensor is aten.add.Tensor and aten.add is aten.add
    assert {aten.add.Tensor: 1}[aten.add.Tensor] == 1  # usable as dictionary keys
    assert aten.add.Tensor.name() == torch.ops.aten.add.Tensor.name() == "aten::add.Tensor"
    assert str(aten.add.Tensor) == str(torch.ops.aten.add.Tensor)
    assert repr(aten.add) == repr(torch.ops.aten.add)
    assert aten.add.Tensor.overloadpacket is aten.add
    assert aten.add.Tensor._overloadname == torch.ops.aten.add.Tensor._overloadname
    for name in ("clone", "add"):  # the default overload's name is the operator's
        for attr in ("__name__", "__qualname__", "__module__"):
            assert getattr(getattr(aten, name).default, attr) == \
                getattr(getattr(torch.ops.aten, name).default, attr)
        assert getattr(aten, name).default.name() == getattr(torch.ops.aten, name).default.name()
    assert aten.add.__name__ == "add" and aten.add.__module__ == torch.ops.aten.add.__module__


def test_aten_names_gradkit_lacks_exist_but_refuse_when_called():
    aten = _ops.namespace("aten")
    op = aten._sparse_addmm.default  # a dispatch table may be keyed by it
    with pytest.raises(NotImplementedError, match=r"aten::_sparse_addmm"):
        op(gk.zeros(2, 2), gk.zeros(2, 2), gk.zeros(2, 2))


def test_other_namespaces_hold_custom_ops_only():
    with pytest.raises(AttributeError, match="'_OpNamespace' 'pyg' object has no attribute 'knn'"):
        _ops.namespace("pyg").knn
    with pytest.raises(AttributeError):
        torch.ops.pyg.knn
    gk.library.custom_op("gkopstest::twice", lambda x: x * 2, mutates_args=())
    assert _ops.namespace("gkopstest").twice.default(gk.ones(2)).tolist() == [2.0, 2.0]


def test_ops_package_keeps_its_submodules():
    from gradkit.ops import elementwise  # a submodule, not an operator namespace

    assert elementwise.__name__ == "gradkit.ops.elementwise"
    assert gk.ops.aten is _ops.namespace("aten")


def test_config_show_is_searched_as_torch():
    text = gk.__config__.show()
    assert "Build settings:" in torch.__config__.show() and "Build settings:" in text
    assert "USE_CUDA=0" in text and "USE_MKL=OFF" in text  # no CUDA and no MKL kernels
    assert "at::get_num_threads() : " in gk.__config__.parallel_info()


@pytest.mark.parametrize("shape", [(3, 4), (2000,), (), (2, 0), (2, 3, 2)])
def test_tensor_str_body_as_torch(shape):
    from torch._tensor_str import _tensor_str as torch_body

    from gradkit._tensor_str import PRINT_OPTS, _tensor_str

    a = (np.random.default_rng(0).standard_normal(shape) * 50).astype(np.float32)
    for indent in (0, 7):
        assert _tensor_str(gk.tensor(a), indent) == torch_body(torch.tensor(a), indent)
    assert PRINT_OPTS.threshold == torch._tensor_str.PRINT_OPTS.threshold == 1000


def test_print_opts_follow_set_printoptions():
    from gradkit._tensor_str import PRINT_OPTS, printoptions

    with printoptions(threshold=5):
        assert PRINT_OPTS.threshold == 5
    assert PRINT_OPTS.threshold == 1000
    with pytest.raises(AttributeError, match="no option 'colour'"):
        PRINT_OPTS.colour


def test_jit_overload_and_rpc_as_a_build_without_it():
    from gradkit.compat import jit
    from gradkit.distributed import rpc

    def f(x: int) -> int:
        ...

    assert jit._overload(f) is f and torch.jit._overload(f) is f
    assert rpc.is_available() is False and not hasattr(rpc, "api")
    with pytest.raises(AttributeError, match="no RPC framework"):
        rpc.init_rpc


def test_library_importing_these_names_runs_under_gradkit_run(tmp_path):
    """The import-time uses, in one program under ``gradkit run`` (the hook maps torch.ops to
    gradkit.ops and ``torch._tensor_str`` to gradkit's)."""
    prog = tmp_path / "prog.py"
    prog.write_text(textwrap.dedent("""
        import torch
        from torch._tensor_str import PRINT_OPTS, _tensor_str
        from torch.distributed import rpc
        from torch.jit import _overload
        aten = torch.ops.aten
        table = {aten.add.Tensor: "add", aten._sparse_addmm.default: "spmm"}
        print('USE_MKL=OFF' in torch.__config__.show(), table[aten.add.Tensor], rpc.is_available())
        print(_tensor_str(torch.arange(3), indent=0), PRINT_OPTS.edgeitems)
        print(aten.slice.Tensor(torch.arange(6), 0, 1, None, 2).tolist())
    """))
    out = subprocess.run([sys.executable, "-m", "gradkit", "run", str(prog)], capture_output=True,
                         text=True, check=True).stdout
    assert out.splitlines() == ["True add False", "[0, 1, 2] 3", "[1, 3, 5]"]


@pytest.mark.parametrize("rows,size", [([0, 0, 1, 3, 3], 5), ([], 3), ([2, 2, 2], 3), ([0], 1)])
def test_convert_indices_between_coo_and_csr_as_torch(rows, size):
    """``torch._convert_indices_from_coo_to_csr`` (PyTorch Geometric's ``index2ptr``) and its
    inverse, in both index dtypes."""
    for out_int32 in (False, True):
        ptr_t = torch._convert_indices_from_coo_to_csr(torch.tensor(rows, dtype=torch.long), size,
                                                      out_int32=out_int32)
        ptr_g = gk._convert_indices_from_coo_to_csr(gk.tensor(rows, dtype=gk.long), size,
                                                   out_int32=out_int32)
        assert ptr_g.tolist() == ptr_t.tolist() and str(ptr_g.dtype)[-5:] == str(ptr_t.dtype)[-5:]
        cols = list(range(len(rows)))
        for transpose in (False, True):
            coo_t = torch._convert_indices_from_csr_to_coo(ptr_t, torch.tensor(cols),
                                                           out_int32=out_int32,
                                                           transpose=transpose)
            coo_g = gk._convert_indices_from_csr_to_coo(ptr_g, gk.tensor(cols),
                                                        out_int32=out_int32, transpose=transpose)
            assert coo_g.tolist() == coo_t.tolist() and coo_g.dtype.itemsize == coo_t.dtype.itemsize


@pytest.mark.parametrize("reduce", ["sum", "mean", "max", "min", "amax", "amin", "prod"])
@pytest.mark.parametrize("initial", [None, 0.5])
def test_segment_reduce_and_its_gradient_as_torch(reduce, initial):
    """``torch._segment_reduce`` (PyTorch Geometric's ``segment``): an empty segment, ties in a
    max, lengths and offsets, values and gradients as PyTorch's."""
    data = np.array([[1, 2], [3, 2], [5, 6], [7, -8], [0, 1]], np.float32)
    lengths = [2, 0, 2, 1]
    outs = []
    for lib in (gk, torch):
        x = lib.tensor(data, requires_grad=True)
        out = lib._segment_reduce(x, reduce, lengths=lib.tensor(lengths), initial=initial)
        by_offsets = lib._segment_reduce(x.detach(), reduce, offsets=lib.tensor([0, 2, 2, 4, 5]),
                                         initial=initial)
        finite = lib.where(out.isfinite(), out, lib.zeros_like(out))
        (finite * lib.arange(1.0, 9.0).view(4, 2)).sum().backward()
        outs.append((out.detach().numpy(), by_offsets.numpy(), x.grad.numpy()))
    for got, want in zip(*outs):
        np.testing.assert_allclose(got, want, rtol=1e-6)


def test_segment_reduce_refusals():
    x = gk.ones(4, 2)
    with pytest.raises(RuntimeError, match="reduce must be one of"):
        gk._segment_reduce(x, "median", lengths=gk.tensor([4]))
    with pytest.raises(RuntimeError, match="sum up"):
        gk._segment_reduce(x, "sum", lengths=gk.tensor([1, 1]))
    with pytest.raises(RuntimeError, match="indices based reduction is not supported"):
        gk._segment_reduce(x, "sum", indices=gk.tensor([0, 0, 1, 1]))
