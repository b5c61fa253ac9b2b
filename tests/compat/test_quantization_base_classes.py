"""``torch.ao.quantization``/``torch.quantization`` give only the abstract base classes that
checkpoint code tests modules against (fvcore's ``Checkpointer``), and a clear AttributeError
for the quantization flows gradkit does not have; TorchScript graph tracing (fvcore's
``FlopCountAnalysis``) is refused by name, while its annotations (``torch._C.Graph``) import."""

import pytest

import gradkit as gk


def test_base_classes_are_abstract_modules_with_pytorch_flags():
    from gradkit.ao.quantization import FakeQuantizeBase, ObserverBase

    assert gk.quantization.ObserverBase is ObserverBase
    assert not isinstance(gk.nn.Linear(2, 2), (ObserverBase, FakeQuantizeBase))
    with pytest.raises(TypeError):
        ObserverBase(gk.float32)  # abstract

    class Identity(FakeQuantizeBase):
        def forward(self, x):
            return x

        def calculate_qparams(self, **kwargs):
            return gk.tensor([1.0]), gk.tensor([0])

    fq = Identity()
    assert sorted(fq.state_dict()) == ["fake_quant_enabled", "observer_enabled"]
    fq.disable_observer()
    assert fq.observer_enabled.tolist() == [0] and fq.fake_quant_enabled.dtype == gk.uint8


def test_quantization_flows_are_refused_by_name():
    assert not hasattr(gk.ao.quantization, "quantize_dynamic")
    with pytest.raises(AttributeError, match="'prepare'.*only the base classes"):
        gk.quantization.prepare


def test_torchscript_tracing_is_refused_and_its_ir_names_import():
    from gradkit.compat import jit

    assert isinstance(gk._C.Graph, type) and isinstance(gk._C.Value, type)
    with pytest.raises(RuntimeError, match="_get_trace_graph.*FlopCountAnalysis"):
        jit._get_trace_graph(gk.nn.Linear(2, 2), (gk.zeros(1, 2),))
