"""gradkit.onnx.export: each model kind exported, checked by onnx's checker, run by onnxruntime
and compared with gradkit's own output, also at another batch size where dynamic_axes says so."""

import io

import numpy as np
import pytest

import gradkit as gk

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

nn = gk.nn
F = gk.nn.functional


def export_and_compare(model, inputs, names, dynamic_axes=None, others=(), opset=None,
                       output_names=None, rtol=1e-5, atol=1e-5):
    """Export ``model`` on ``inputs``; run onnxruntime on those and on each of ``others`` and
    compare every output with gradkit's. Returns the loaded ONNX model."""
    buf = io.BytesIO()
    gk.onnx.export(model, tuple(inputs), buf, input_names=names, output_names=output_names,
                   dynamic_axes=dynamic_axes, opset_version=opset)
    proto = onnx.load_from_string(buf.getvalue())
    onnx.checker.check_model(proto, full_check=True)
    sess = ort.InferenceSession(buf.getvalue(), providers=["CPUExecutionProvider"])
    model.eval()
    for xs in [tuple(inputs), *others]:
        with gk.no_grad():
            ref = model(*xs)
        refs = [t for t in (ref if isinstance(ref, (tuple, list)) else (ref,))
                if isinstance(t, gk.Tensor)]
        flat = []
        for t in refs:
            flat.append(t)
        got = sess.run(None, {n: x.numpy() for n, x in zip(names, xs)})
        assert len(got) >= len(flat)
        for g, r in zip(got, flat):
            assert g.shape == tuple(r.shape)
            np.testing.assert_allclose(g, r.numpy(), rtol=rtol, atol=atol)
    return proto


def dims(value_info):
    return [d.dim_param or d.dim_value for d in value_info.type.tensor_type.shape.dim]


def test_mlp_with_dynamic_batch_and_named_io():
    gk.manual_seed(0)
    model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Dropout(0.3), nn.Linear(16, 16),
                          nn.GELU(), nn.Linear(16, 16), nn.GELU(approximate="tanh"),
                          nn.Linear(16, 16), nn.Tanh(), nn.Linear(16, 16), nn.Sigmoid(),
                          nn.Linear(16, 16), nn.LeakyReLU(0.2), nn.Linear(16, 16), nn.SiLU(),
                          nn.Linear(16, 4), nn.LogSoftmax(dim=1))
    model.train()
    gk.onnx.export(model, gk.randn(3, 8))
    assert model.training  # exported in eval mode, the mode restored
    proto = export_and_compare(model, [gk.randn(3, 8)], ["features"],
                               {"features": {0: "batch"}, "logp": {0: "batch"}},
                               others=[(gk.randn(11, 8),)], output_names=["logp"])
    assert dims(proto.graph.input[0]) == ["batch", 8]
    assert dims(proto.graph.output[0]) == ["batch", 4]
    assert proto.graph.output[0].name == "logp"
    inits = {i.name for i in proto.graph.initializer}
    assert {"0.weight", "0.bias", "15.weight"} <= inits
    assert not any(n.op_type == "Dropout" for n in proto.graph.node)


def test_cnn_layers():
    gk.manual_seed(1)
    model = nn.Sequential(
        nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(8, 8, 3, padding="same", groups=2, bias=False), nn.BatchNorm2d(8),
        nn.SiLU(), nn.AvgPool2d(2, ceil_mode=True), nn.Conv2d(8, 8, 3, stride=2, dilation=1),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, 5), nn.Softmax(dim=-1))
    model.train()
    with gk.no_grad():  # running statistics that are not 0 and 1
        for _ in range(3):
            model(gk.randn(6, 3, 16, 16) * 2 + 1)
    export_and_compare(model, [gk.randn(2, 3, 16, 16)], ["image"], {"image": {0: "batch"}},
                       others=[(gk.randn(5, 3, 16, 16),)])


def test_conv1d_batchnorm1d_and_1d_pools():
    gk.manual_seed(2)
    model = nn.Sequential(nn.Conv1d(4, 6, 5, padding=2), nn.BatchNorm1d(6), nn.ReLU(),
                          nn.MaxPool1d(2), nn.Conv1d(6, 6, 3, padding="valid"), nn.ELU(),
                          nn.AvgPool1d(3, stride=1, padding=1, count_include_pad=False),
                          nn.AdaptiveAvgPool1d(2), nn.Flatten(), nn.BatchNorm1d(12),
                          nn.Linear(12, 3))
    model.train()
    with gk.no_grad():
        model(gk.randn(8, 4, 20) + 0.5)
    export_and_compare(model, [gk.randn(2, 4, 20)], ["signal"], {"signal": [0]},
                       others=[(gk.randn(7, 4, 20),)])


class CharLSTM(nn.Module):
    def __init__(self, batch_first, bidirectional, layers=2):
        super().__init__()
        self.batch_first = batch_first
        self.emb = nn.Embedding(30, 8)
        self.lstm = nn.LSTM(8, 12, num_layers=layers, batch_first=batch_first,
                            bidirectional=bidirectional, dropout=0.1)
        self.head = nn.Linear(12 * (2 if bidirectional else 1), 30)

    def forward(self, tokens):
        out, (h, c) = self.lstm(self.emb(tokens))
        last = out[:, -1] if self.batch_first else out[-1]
        return self.head(last), h, c


@pytest.mark.parametrize("batch_first", [True, False])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_lstm_language_model(batch_first, bidirectional):
    gk.manual_seed(3)
    model = CharLSTM(batch_first, bidirectional)
    shape = (lambda b, t: (b, t)) if batch_first else (lambda b, t: (t, b))
    axes = {0: "batch", 1: "seq"} if batch_first else {0: "seq", 1: "batch"}
    export_and_compare(model, [gk.randint(0, 30, shape(3, 6))], ["tokens"], {"tokens": axes},
                       others=[(gk.randint(0, 30, shape(5, 9)),)])


@pytest.mark.parametrize("kind", ["GRU", "RNN", "LSTM"])
def test_recurrent_with_initial_state(kind):
    gk.manual_seed(4)
    layer = getattr(nn, kind)(5, 7, num_layers=2, batch_first=True)

    class Wrap(nn.Module):
        def __init__(self):
            super().__init__()
            self.rnn = layer

        def forward(self, x, h0, c0):
            if kind == "LSTM":
                out, (h, c) = self.rnn(x, (h0, c0))
                return out, h, c
            out, h = self.rnn(x, h0)
            return out, h

    def sample(b, t):
        return gk.randn(b, t, 5), gk.randn(2, b, 7), gk.randn(2, b, 7)

    export_and_compare(Wrap(), sample(2, 4), ["x", "h0", "c0"],
                       {"x": [0, 1], "h0": [1], "c0": [1]}, others=[sample(3, 6)])


@pytest.mark.parametrize("batch_first", [True, False])
@pytest.mark.parametrize("norm_first, activation", [(False, "relu"), (True, "gelu")])
def test_transformer_encoder(batch_first, norm_first, activation):
    gk.manual_seed(5)
    layer = nn.TransformerEncoderLayer(16, 4, dim_feedforward=32, dropout=0.1,
                                       activation=activation, batch_first=batch_first,
                                       norm_first=norm_first)
    model = nn.TransformerEncoder(layer, num_layers=2, norm=nn.LayerNorm(16))

    def sample(b, t):
        return (gk.randn(b, t, 16) if batch_first else gk.randn(t, b, 16),)

    axes = {0: "batch", 1: "seq"} if batch_first else {0: "seq", 1: "batch"}
    export_and_compare(model, sample(2, 5), ["src"], {"src": axes},
                       others=[sample(3, 7), sample(1, 2)], rtol=1e-4, atol=1e-5)


class TinyGPT(nn.Module):
    """Token and position embeddings (a buffer sliced to the length), a causal encoder layer,
    weights of the attention returned by a MultiheadAttention, and a tied head."""

    def __init__(self, vocab=20, d=16, block=6):
        super().__init__()
        self.tok = nn.Embedding(vocab, d)
        self.register_buffer("pos", gk.randn(1, block, d) * 0.1)
        self.block = nn.TransformerEncoderLayer(d, 2, 32, dropout=0.0, batch_first=True)
        self.attn = nn.MultiheadAttention(d, 4, batch_first=True)
        self.ln = nn.LayerNorm(d)
        mask = gk.triu(gk.ones(block, block), diagonal=1).bool()
        self.register_buffer("mask", mask)

    def forward(self, idx):
        x = self.tok(idx) + self.pos[:, :idx.shape[1]]
        x = self.block(x, src_mask=self.mask, is_causal=True)
        y, w = self.attn(x, x, x, attn_mask=self.mask)
        x = self.ln(x + y)
        return x @ self.tok.weight.t(), w


def test_causal_transformer_with_buffers_and_attention_weights():
    gk.manual_seed(6)
    model = TinyGPT()
    export_and_compare(model, [gk.randint(0, 20, (2, 6))], ["idx"], {"idx": {0: "batch"}},
                       others=[(gk.randint(0, 20, (4, 6)),)], rtol=1e-4)


class Custom(nn.Module):
    """A forward built of tensor operations around a few layers."""

    def __init__(self):
        super().__init__()
        self.proj = nn.Linear(6, 8)
        self.scale = nn.Parameter(gk.randn(8))
        self.conv = nn.Conv2d(2, 2, 1)

    def forward(self, x, y):
        h = self.proj(x)  # (B, 4, 8)
        h = h * self.scale + 0.5 - h / 3.0
        h = 2.0 * h - (-h) ** 2
        a = h.reshape(h.shape[0], 4, 2, 4).permute(0, 2, 1, 3)  # (B, 2, 4, 4)
        a = self.conv(a.contiguous())
        b = a.transpose(-1, -2).flatten(2)  # (B, 2, 16)
        c = gk.cat([b, b.mean(dim=1, keepdim=True)], dim=1)  # (B, 3, 16)
        d = gk.matmul(c, c.transpose(1, 2)).softmax(dim=-1)  # (B, 3, 3)
        e = gk.stack([d.sum(dim=2), d.mean(dim=2)], dim=-1)  # (B, 3, 2)
        f = e.view(e.size(0), -1) @ y  # (B, 5)
        g = F.relu(f[:, 1:4]).unsqueeze(1).squeeze(1)
        return gk.tanh(g).exp().sqrt() + gk.sigmoid(f[..., None, 0]).squeeze(-1).unsqueeze(1)


def test_custom_forward_operations():
    gk.manual_seed(7)
    model = Custom()
    y = gk.randn(6, 5)
    proto = export_and_compare(model, [gk.randn(2, 4, 6), y], ["x", "y"], {"x": {0: "B"}},
                               others=[(gk.randn(5, 4, 6), y)])
    ops = {n.op_type for n in proto.graph.node}
    assert {"Transpose", "Concat", "ReduceMean", "ReduceSum", "MatMul", "Softmax",
            "Slice", "Gather"} <= ops
    assert "scale" in {i.name for i in proto.graph.initializer}


def test_functional_cnn_with_view_by_batch_size():
    class Net(nn.Module):  # PyTorch's classic tutorial network, functional style
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(1, 4, 3)
            self.conv2 = nn.Conv2d(4, 6, 3)
            self.fc = nn.Linear(6 * 2 * 2, 3)

        def forward(self, x):
            x = F.max_pool2d(F.relu(self.conv1(x)), 2)
            x = F.avg_pool2d(F.leaky_relu(self.conv2(x), 0.1), (2, 2))
            x = F.adaptive_avg_pool2d(x, 2)
            x = x.view(x.size(0), -1)
            x = F.dropout(x, 0.5, training=self.training)
            return F.log_softmax(F.linear(x, self.fc.weight, self.fc.bias), dim=1)

    gk.manual_seed(8)
    export_and_compare(Net(), [gk.randn(2, 1, 14, 14)], ["x"], {"x": {0: "n"}},
                       others=[(gk.randn(9, 1, 14, 14),)])


def test_opset_14_decomposes_layer_norm():
    gk.manual_seed(9)
    model = nn.Sequential(nn.Linear(4, 6), nn.LayerNorm(6), nn.ReLU())
    proto = export_and_compare(model, [gk.randn(3, 4)], ["x"], {"x": [0]}, opset=14,
                               others=[(gk.randn(1, 4),)])
    assert proto.opset_import[0].version == 14
    assert "LayerNormalization" not in {n.op_type for n in proto.graph.node}


def test_file_targets_return_value_and_flags(tmp_path):
    model = nn.Sequential(nn.Linear(3, 2))
    x = gk.randn(1, 3)
    proto = gk.onnx.export(model, x, tmp_path / "m.onnx")
    assert onnx.load(tmp_path / "m.onnx") == proto
    assert proto.graph.input[0].name == "input"  # Sequential.forward's parameter
    assert [o.name for o in proto.graph.output] == ["output"]
    gk.onnx.export(model, (x,), str(tmp_path / "s.onnx"), verify=True)
    assert (tmp_path / "s.onnx").stat().st_size > 0
    assert isinstance(gk.onnx.export(model, x), onnx.ModelProto)  # f=None writes nothing
    kept = gk.onnx.export(model, x, keep_initializers_as_inputs=True)
    assert {i.name for i in kept.graph.input} == {"input", "0.weight", "0.bias"}


def test_exports_leave_nothing_patched_and_restore_requires_grad():
    from gradkit.onnx.errors import UnsupportedOperatorError

    add, call, relu = gk.Tensor.__add__, nn.Module.__call__, F.relu
    model = nn.Sequential(nn.Linear(2, 2), nn.ConvTranspose2d(1, 1, 1))
    model[0].weight.requires_grad_(False)
    with pytest.raises(UnsupportedOperatorError):
        gk.onnx.export(model, gk.randn(1, 2))
    assert gk.Tensor.__add__ is add and nn.Module.__call__ is call and F.relu is relu
    assert not model[0].weight.requires_grad and model[0].bias.requires_grad
    assert not gk.onnx.is_in_onnx_export()


def test_is_in_onnx_export_inside_forward():
    seen = []

    class M(nn.Module):
        def forward(self, x):
            seen.append(gk.onnx.is_in_onnx_export())
            return x * 2

    gk.onnx.export(M(), gk.randn(2))
    assert seen == [True, True]  # the second run checks that constants are constant


class Functional(nn.Module):
    """The functional and elementwise faces a forward may call."""

    def __init__(self):
        super().__init__()
        self.emb = nn.Parameter(gk.randn(10, 6))
        self.w = nn.Parameter(gk.ones(6) + 0.1 * gk.randn(6))
        self.act = F.gelu  # a function kept on the module is recorded too

    def forward(self, idx, x):
        e = F.embedding(idx, self.emb)  # (B, 3, 6)
        h = F.layer_norm(e + x.unsqueeze(1), (6,), self.w, None, 1e-5)
        h = F.silu(h) + F.elu(h, 0.5) + self.act(h) + F.gelu(h, approximate="tanh")
        h = h.masked_fill(h > 1.0, 0.25)
        p = F.softmax(h, dim=-1)
        return gk.log(p + 1e-3).abs() - p.rsqrt() + F.sigmoid(h) * F.tanh(h)


def test_functional_faces():
    gk.manual_seed(10)
    model = Functional()

    def sample(b):
        return gk.randint(0, 10, (b, 3)), gk.randn(b, 6)

    export_and_compare(model, sample(2), ["idx", "x"], {"idx": [0], "x": [0]},
                       others=[sample(4)], rtol=1e-4, atol=1e-5)


def test_transformer_decoder_and_key_padding_mask():
    gk.manual_seed(11)
    dec = nn.TransformerDecoder(nn.TransformerDecoderLayer(8, 2, 16, dropout=0.0,
                                                           batch_first=True), num_layers=2)

    class Seq2Seq(nn.Module):
        def __init__(self):
            super().__init__()
            self.enc = nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, batch_first=True)
            self.dec = dec

        def forward(self, src, tgt, pad):
            memory = self.enc(src, src_key_padding_mask=pad)
            return self.dec(tgt, memory, memory_key_padding_mask=pad)

    def sample(b):
        pad = gk.zeros(b, 5, dtype=gk.bool)
        pad[0, -2:] = True
        return gk.randn(b, 5, 8), gk.randn(b, 4, 8), pad

    export_and_compare(Seq2Seq(), sample(2), ["src", "tgt", "pad"],
                       {"src": [0], "tgt": [0], "pad": [0]}, others=[sample(3)], rtol=1e-4)


def test_comparisons_where_argmax_and_casts():
    class Pick(nn.Module):
        def forward(self, x):
            best = x.argmax(dim=1)
            big = gk.where(x >= 0.5, x, -x) * (x != 0.0).float() + (x < -1).double().float()
            same = (best == 2).long() + (0.1 <= x).sum(dim=1).long()
            return best, gk.argmax(x, keepdim=True), big, same, (x.le(0) | x.gt(1)).int()

    sample = lambda b: (gk.randn(b, 5),)  # noqa: E731
    from gradkit.onnx.errors import UnsupportedOperatorError

    # ``|`` on masks has no translation and no gradient: a second run on other values shows
    # that its result is no constant
    with pytest.raises(UnsupportedOperatorError, match="computed from the inputs"):
        gk.onnx.export(Pick(), sample(2))

    class Pick2(Pick):
        def forward(self, x):
            return super().forward(x)[:4]

    export_and_compare(Pick2(), sample(3), ["x"], {"x": [0]}, others=[sample(6)])


class BasicBlock(nn.Module):
    """torchvision's residual block: in-place ReLU and ``out += identity``."""

    def __init__(self, c):
        super().__init__()
        self.conv1 = nn.Conv2d(c, c, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(c)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(c, c, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(c)

    def forward(self, x):
        identity = x
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        out += identity
        out.mul_(0.5)
        return F.relu(self.relu(out), inplace=True)


def test_residual_block_with_in_place_operations():
    gk.manual_seed(12)
    model = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), BasicBlock(4),
                          nn.AdaptiveAvgPool2d((3, 2)), nn.Flatten(), nn.Linear(24, 2))
    export_and_compare(model, [gk.randn(2, 3, 7, 5)], ["x"], {"x": [0]},
                       others=[(gk.randn(4, 3, 7, 5),)])


def test_torch_onnx_export_under_gradkit_run(tmp_path):
    import os
    import subprocess
    import sys
    import textwrap
    from pathlib import Path

    prog = tmp_path / "prog.py"
    prog.write_text(textwrap.dedent("""
        import torch
        import torch.nn as nn

        model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))
        dummy = torch.randn(1, 4)
        torch.onnx.export(model, dummy, "model.onnx", input_names=["input"],
                          output_names=["output"],
                          dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}})
        torch.save(model.state_dict(), "model.pt")
        x = torch.randn(6, 4)
        torch.save(x, "x.pt")
        print(model(x).detach().numpy().tolist())
    """))
    root = Path(__file__).resolve().parents[2]
    env = dict(os.environ, PYTHONPATH=str(root))
    res = subprocess.run([sys.executable, "-m", "gradkit", "run", str(prog)], cwd=tmp_path,
                         env=env, capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    expected = np.array(eval(res.stdout.strip().splitlines()[-1]), dtype=np.float32)
    x = gk.load(tmp_path / "x.pt")
    sess = ort.InferenceSession(str(tmp_path / "model.onnx"))
    (got,) = sess.run(None, {"input": x.numpy()})
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)


def test_more_activations():
    gk.manual_seed(13)
    model = nn.Sequential(nn.Conv2d(2, 4, 1), nn.PReLU(4), nn.Conv2d(4, 4, 1), nn.ReLU6(),
                          nn.Conv2d(4, 4, 1), nn.Hardtanh(-0.5, 0.7), nn.Conv2d(4, 4, 1),
                          nn.Hardswish(), nn.Conv2d(4, 4, 1), nn.Hardsigmoid(),
                          nn.Conv2d(4, 4, 1), nn.Softplus(beta=2.0, threshold=1.0),
                          nn.Conv2d(4, 4, 1), nn.Mish(), nn.Conv2d(4, 4, 1), nn.PReLU())
    x = gk.randn(2, 2, 3, 3) * 4
    export_and_compare(model, [x], ["x"], {"x": [0]}, others=[(gk.randn(3, 2, 3, 3) * 4,)])
