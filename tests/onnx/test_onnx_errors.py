"""gradkit.onnx.export's errors: what cannot be exported is named with its module path and type;
bad arguments say what was received."""

import sys

import pytest

import gradkit as gk
from gradkit.onnx.errors import OnnxExporterError, UnsupportedOperatorError

pytest.importorskip("onnx")

nn = gk.nn


def test_unsupported_layer_names_path_and_type():
    model = nn.Sequential(nn.Linear(4, 4), nn.Sequential(nn.ReLU(), nn.Upsample(scale_factor=2)))
    with pytest.raises(UnsupportedOperatorError,
                       match=r"the layer Upsample in module '1\.1' \(gradkit\.nn\.Upsample\)"):
        gk.onnx.export(model, gk.randn(1, 2, 4))
    assert issubclass(UnsupportedOperatorError, OnnxExporterError)
    assert issubclass(OnnxExporterError, RuntimeError)


class Block(nn.Module):
    def __init__(self, op):
        super().__init__()
        self.fc = nn.Linear(3, 3)
        self.op = op

    def forward(self, x):
        return self.op(self.fc(x))


class Outer(nn.Module):
    def __init__(self, op):
        super().__init__()
        self.block = Block(op)

    def forward(self, x):
        return self.block(x)


@pytest.mark.parametrize("op, what", [
    (lambda h: gk.cumsum(h, 1), r"grad_fn CumsumBackward"),
    (lambda h: h.clone(), r"grad_fn CloneBackward"),
    (lambda h: h[gk.tensor([0, 1])], r"indexing with Tensor"),
    (lambda h: h.div(2, rounding_mode="floor"), r"rounding_mode"),
    (lambda h: nn.functional.dropout(h, 0.5), r"F\.dropout\(training=True\)"),
])
def test_unsupported_operation_in_a_custom_forward(op, what):
    with pytest.raises(UnsupportedOperatorError, match=what) as info:
        gk.onnx.export(Outer(op), gk.randn(2, 3))
    assert "in module 'block' (" in str(info.value)


def test_value_dependent_control_flow_is_refused():
    class M(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(2, 2)

        def forward(self, x):
            h = self.fc(x)
            return h * 2 if float(x[0, 0]) > 0 else h.tanh()

    x = gk.tensor([[1.0, -2.0]])
    with pytest.raises(UnsupportedOperatorError, match="control flow depends on the values"):
        gk.onnx.export(M(), x)


def test_in_place_change_is_refused():
    class M(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(2, 2)

        def forward(self, x):
            h = self.fc(x)
            h[:, 0] = 0.0  # in-place writes other than the recorded ones (x += y, relu_)
            return h + 1

    with pytest.raises(UnsupportedOperatorError, match="in-place"):
        gk.onnx.export(M(), gk.randn(1, 2))


def test_layer_options_without_translation():
    with pytest.raises(UnsupportedOperatorError, match=r"MaxPool2d\(return_indices=True\)"):
        gk.onnx.export(nn.MaxPool2d(2, return_indices=True), gk.randn(1, 1, 4, 4))
    with pytest.raises(UnsupportedOperatorError, match="padding_mode='reflect'"):
        gk.onnx.export(nn.Conv2d(1, 1, 3, padding=1, padding_mode="reflect"),
                       gk.randn(1, 1, 4, 4))
    bn = nn.BatchNorm1d(3, track_running_stats=False)
    with pytest.raises(UnsupportedOperatorError, match="track_running_stats=False"):
        gk.onnx.export(bn, gk.randn(2, 3))


@pytest.mark.parametrize("kwargs, exc, match", [
    ({"opset_version": 9}, ValueError, "opset_version 9"),
    ({"input_names": ["a", "b"]}, ValueError, "2 input_names given for 1 input"),
    ({"output_names": ["y", "y"]}, ValueError, "repeat"),
    ({"input_names": ["x"], "output_names": ["x"]}, ValueError, "both an input and an output"),
    ({"dynamic_axes": {"nope": [0]}}, ValueError, "'nope', which is not an input or output"),
    ({"dynamic_axes": {"input": [3]}}, ValueError, "axis 3"),
    ({"dynamic_axes": {"input": 0}}, TypeError, "dict"),
    ({"training": gk.onnx.TrainingMode.TRAINING}, OnnxExporterError, "eval mode"),
    ({"export_params": False}, NotImplementedError, "export_params"),
])
def test_bad_arguments(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        gk.onnx.export(nn.Linear(2, 2), gk.randn(1, 2), None, **kwargs)


def test_bad_model_output_and_file():
    with pytest.raises(TypeError, match="gradkit.nn.Module"):
        gk.onnx.export(lambda x: x, gk.randn(1))

    class Strange(nn.Module):
        def forward(self, x):
            return "text"

    with pytest.raises(OnnxExporterError, match="outputs hold a str"):
        gk.onnx.export(Strange(), gk.randn(1))
    with pytest.raises(TypeError, match="binary file object"):
        gk.onnx.export(nn.Linear(1, 1), gk.randn(1, 1), 42)


def test_missing_onnx_package_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "onnx", None)
    with pytest.raises(ImportError, match=r"pip install 'gradkit\[onnx\]'"):
        gk.onnx.export(nn.Linear(1, 1), gk.randn(1, 1))


def test_packed_sequence_is_refused():
    from gradkit.nn.utils.rnn import PackedSequence, pack_padded_sequence

    class M(nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = nn.LSTM(2, 3, batch_first=True)

        def forward(self, x):
            packed = PackedSequence(x.reshape(-1, 2), gk.tensor([2, 2, 1, 1]))
            return self.lstm(packed)[1][0]

    with pytest.raises(UnsupportedOperatorError,
                       match=r"LSTM on a PackedSequence .* in module 'lstm' \(gradkit\.nn\.LSTM\)"):
        gk.onnx.export(M(), gk.randn(6, 2))

    class Packs(M):  # pack_padded_sequence itself has no translation
        def forward(self, x):
            return self.lstm(pack_padded_sequence(x, [4, 2], batch_first=True))[1][0]

    with pytest.raises(UnsupportedOperatorError, match="cannot export an operation"):
        gk.onnx.export(Packs(), gk.randn(2, 4, 2))
