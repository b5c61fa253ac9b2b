"""Argument forms PyTorch accepts that gradkit refused (the argument fuzzer's ``missing``
class): a Python or NumPy number as ``copy_``'s source, any object as ``lu``'s ``get_infos``
(a truth test in PyTorch's Python code), a Python number as ``to``'s argument (its 0-d
tensor's dtype), ``memory_format=`` on the conversion methods, a bool as ``quantile``'s q, a
0-d tensor as pinv's tolerances and vector_norm's ord, spread ints to ``Tensor.tile``,
``clone(memory_format=None)``; and the forms it refuses that gradkit
took (a tensor or a float as ``F.pad``'s amounts)."""

from __future__ import annotations

import numpy as np
import pytest

import gradkit as gk

X = np.random.default_rng(7).standard_normal((3, 3))


def x(m):
    return m.tensor(X)


ACCEPTS = {
    "copy__float": lambda m: x(m).copy_(1.5),
    "copy__inf": lambda m: x(m).copy_(float("inf")),
    "copy__numpy_float": lambda m: x(m).copy_(np.float64(2.5)),
    "copy__int_into_float": lambda m: x(m).copy_(2),
    "copy__bool": lambda m: x(m).copy_(True),
    "copy__float_into_int": lambda m: m.zeros(2, dtype=m.int64).copy_(2.7),
    "lu_get_infos_object": lambda m: x(m).lu(get_infos=object())[2],
    "lu_get_infos_list": lambda m: m.lu(x(m), get_infos=[1])[2],
    "lu_get_infos_zero": lambda m: x(m).lu(get_infos=0)[1],
    "to_python_float": lambda m: x(m).float().to(1.5),
    "to_python_bool": lambda m: x(m).to(True),
    "to_python_complex": lambda m: x(m).to(1j),
    "to_python_float_copy": lambda m: x(m).to(1.5, copy=True),
    "float_memory_format_none": lambda m: x(m).float(memory_format=None),
    "double_memory_format": lambda m: x(m).double(memory_format=m.contiguous_format),
    "half_memory_format": lambda m: x(m).half(memory_format=m.preserve_format),
    "cpu_memory_format": lambda m: x(m).cpu(memory_format=None),
    "long_memory_format_channels_last": lambda m: m.ones(1, 2, 3, 3).long(
        memory_format=m.channels_last),
    "quantile_q_true": lambda m: x(m).quantile(True),
    "nanquantile_q_false": lambda m: x(m).nanquantile(False, dim=0),
    "quantile_q_numpy": lambda m: x(m).quantile(np.float64(0.25)),
    "pinv_rtol_0d": lambda m: m.linalg.pinv(x(m), rtol=m.tensor(0.5)),
    "pinv_atol_0d": lambda m: m.linalg.pinv(x(m), atol=m.tensor(0.1)),
    "pinverse_rcond_0d_int": lambda m: x(m).pinverse(rcond=m.tensor(1)),
    "vector_norm_ord_0d": lambda m: m.linalg.vector_norm(x(m), m.tensor(3.0)),
    "pad_0d_amounts": lambda m: m.nn.functional.pad(x(m), (m.tensor(1), 2)),
    "tile_method_spread": lambda m: x(m).tile(2, 1, 1),
    "tile_method_keyword": lambda m: x(m).tile(dims=(2,)),
    "clone_memory_format_none": lambda m: m.clone(x(m).T, memory_format=None),
}


@pytest.mark.parametrize("name", sorted(ACCEPTS))
def test_accepted_as_torch(torch, name):
    t = ACCEPTS[name](torch)
    g = ACCEPTS[name](gk)
    assert tuple(g.shape) == tuple(t.shape)
    assert str(g.dtype).split(".")[-1] == str(t.dtype).split(".")[-1]
    if name in ("long_memory_format_channels_last", "clone_memory_format_none"):
        assert g.stride() == t.stride()
    np.testing.assert_allclose(g.numpy(), t.numpy(), rtol=1e-6, atol=1e-12)


@pytest.mark.parametrize("call", [
    lambda m: m.nn.functional.pad(x(m), m.tensor([1, 1])),
    lambda m: m.nn.functional.pad(x(m), m.tensor([1])),
    lambda m: m.nn.functional.pad(x(m), (1.5, 1)),
    lambda m: x(m).pinverse(rcond=m.tensor([0.5])),
    lambda m: m.linalg.vector_norm(x(m), m.tensor([2.0])),
    lambda m: x(m).float(memory_format="channels_last"),
    lambda m: x(m).copy_("abc"),
    lambda m: m.tile(x(m), 2, 1),
    lambda m: x(m).tile(2, dims=(2,)),
])
def test_refused_as_torch(torch, call):
    with pytest.raises(TypeError):
        call(torch)
    with pytest.raises(TypeError):
        call(gk)
