"""What torch.export does with its inputs, against PyTorch where both run: the model's state
is left as it was by the export, non-tensor inputs are fixed (and checked), a factory sized by
a dynamic dimension follows it, Dim.AUTO/STATIC and tuple-form dynamic_shapes, strict=True."""

import numpy as np
import pytest

import gradkit as gk

torch = pytest.importorskip("torch")


def _bn(lib):
    lib.manual_seed(0)
    return lib.nn.Sequential(lib.nn.Linear(3, 4), lib.nn.BatchNorm1d(4)).train()


def test_export_leaves_the_model_state_as_it_was():
    for lib in (gk, torch):
        m = _bn(lib)
        before = {k: v.clone() for k, v in m.state_dict().items()}
        ep = lib.export.export(m, (lib.randn(5, 3),))
        for k, v in m.state_dict().items():
            assert lib.equal(v, before[k]), (lib.__name__, k)
        ep.module()(lib.randn(5, 3))  # the exported module updates its own buffers
    mod = gk.export.export(_bn(gk), (gk.randn(5, 3),)).module()
    mod(gk.randn(5, 3))
    assert int(dict(mod.named_buffers())["1.num_batches_tracked"]) == 1


def test_non_tensor_inputs_are_fixed_and_checked():
    class Scale(gk.nn.Module):
        def forward(self, x, k, mode="sum"):
            return x * k if mode == "sum" else x

    ep = gk.export.export(Scale(), (gk.ones(2), 3))
    assert ep.module()(gk.ones(2), 3).tolist() == [3.0, 3.0]
    with pytest.raises(AssertionError, match="k == 3"):
        ep.module()(gk.ones(2), 4)


def test_factory_sized_by_a_dynamic_dimension():
    def build(lib):
        class Pad(lib.nn.Module):
            def forward(self, x):
                return lib.cat([x, lib.zeros(x.shape[0], 2)], dim=1)
        return Pad()

    outs = {}
    for lib in (gk, torch):
        b = lib.export.Dim("b", max=32)
        ep = lib.export.export(build(lib), (lib.ones(3, 4),), dynamic_shapes=({0: b},))
        outs[lib] = ep.module()(lib.ones(7, 4)).numpy()
        assert [s.kind.name for s in ep.graph_signature.input_specs] == ["USER_INPUT"]
    np.testing.assert_array_equal(outs[gk], outs[torch])


def test_auto_static_and_tuple_forms():
    m = gk.nn.Linear(3, 2)
    ep = gk.export.export(m, (gk.ones(4, 3),), dynamic_shapes=[[gk.export.Dim.AUTO,
                                                                 gk.export.Dim.STATIC]])
    assert tuple(ep.module()(gk.ones(9, 3)).shape) == (9, 2)
    with pytest.raises(AssertionError, match=r"size\(\)\[1\] == 3"):
        ep.module()(gk.ones(9, 4))
    batch, = gk.export.dims("batch", max=8)
    strict = gk.export.export(m, (gk.ones(4, 3),), dynamic_shapes={"input": {0: batch}},
                              strict=True)
    assert str(strict) == str(gk.export.export(m, (gk.ones(4, 3),),
                                               dynamic_shapes={"input": {0: batch}}))
    sc = gk.export.ShapesCollection()
    x = gk.ones(4, 3)
    sc[x] = {0: batch}
    assert gk.export.export(m, (x,), dynamic_shapes=sc).range_constraints == {"batch": (0, 8)}
