"""torch.export against PyTorch: the same model exported in both gives the same graph signature
(the lifted parameters, buffers and constants, their names and kinds, the buffer updates), the
same state_dict keys, and ``ep.module()`` computing the same outputs, on inputs of the example's
shape and, with ``dynamic_shapes``, of other batch sizes."""

import io

import numpy as np
import pytest

import gradkit as gk

torch = pytest.importorskip("torch")


def _mlp(lib):
    nn = lib.nn

    class MLP(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = nn.Linear(6, 8)
            self.fc2 = nn.Linear(8, 3)

        def forward(self, x):
            return self.fc2(lib.relu(self.fc1(x))).softmax(dim=-1)
    return MLP()


def _cnn(lib):
    nn = lib.nn

    class CNN(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(2, 4, 3, padding=1)
            self.bn = nn.BatchNorm2d(4)
            self.pool = nn.MaxPool2d(2)
            self.fc = nn.Linear(4 * 3 * 3, 5)

        def forward(self, x):
            h = self.pool(lib.relu(self.bn(self.conv(x))))
            return self.fc(h.flatten(1))
    return CNN()


def _buffers(lib):
    nn = lib.nn

    class Scaled(nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = nn.Linear(4, 4)
            self.register_buffer("scale", lib.arange(4, dtype=lib.float32) + 1)
            self.register_buffer("shift", lib.ones(4) * 0.5, persistent=False)

        def forward(self, x):
            return self.lin(x) * self.scale + self.shift
    return Scaled()


def _kwargs_tuple(lib):
    nn = lib.nn

    class Two(nn.Module):
        def __init__(self):
            super().__init__()
            self.a = nn.Linear(4, 3)
            self.b = nn.Linear(4, 3)

        def forward(self, x, *, y=None):
            return self.a(x), self.b(y).sum(dim=1, keepdim=True), {"prod": x * y}
    return Two()


def _bag(lib):
    nn = lib.nn

    class Bag(nn.Module):
        def __init__(self):
            super().__init__()
            self.emb = nn.Embedding(10, 4, padding_idx=0)
            self.out = nn.Linear(4, 3)

        def forward(self, tokens):
            return self.out(self.emb(tokens).mean(dim=1))
    return Bag()


def _lstm(lib):
    nn = lib.nn

    class Tagger(nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = nn.LSTM(4, 5, num_layers=2, batch_first=True)
            self.gru = nn.GRU(5, 3, bidirectional=True)
            self.out = nn.Linear(6, 3)

        def forward(self, x):
            h, (hn, cn) = self.lstm(x)
            g, _ = self.gru(h.transpose(0, 1))
            return self.out(g[-1]) + cn.sum()
    return Tagger()


def _encoder(lib):
    nn = lib.nn
    lib.manual_seed(0)
    return nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, batch_first=True)


def _conv1d(lib):
    nn = lib.nn
    return nn.Sequential(nn.Conv1d(3, 4, 3), nn.GroupNorm(2, 4), nn.Upsample(scale_factor=2),
                         nn.AdaptiveAvgPool1d(2), nn.Flatten(), nn.PReLU())


def _seq(lib):
    nn = lib.nn
    return nn.Sequential(nn.Linear(5, 7), nn.LayerNorm(7), nn.GELU(), nn.Dropout(0.0),
                         nn.Linear(7, 2))


def _pair(build, train=False):
    tm = build(torch)
    gm = build(gk)
    gm.load_state_dict({k: gk.tensor(v.detach().numpy().copy())
                        for k, v in tm.state_dict().items()})
    tm.train(train)
    gm.train(train)
    return tm, gm


def _inputs(shapes, lib, seed=0, ints=None):
    rng = np.random.default_rng(seed)
    out = []
    for s in shapes:
        if ints:
            out.append(lib.tensor(rng.integers(0, ints, s)))
        else:
            out.append(lib.tensor(rng.standard_normal(s).astype(np.float32)))
    return out


def _specs(ep):
    sig = ep.graph_signature
    ins = [(s.kind.name, s.arg.name, s.target, s.persistent) for s in sig.input_specs]
    outs = [(s.kind.name, s.target) for s in sig.output_specs]
    return ins, outs


def _close(a, b):
    if isinstance(a, (tuple, list)):
        assert type(a) is type(b) and len(a) == len(b)
        for x, y in zip(a, b):
            _close(x, y)
    elif isinstance(a, dict):
        assert a.keys() == b.keys()
        for k in a:
            _close(a[k], b[k])
    else:
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-4,
                                   atol=1e-5)


CASES = [
    ("mlp", _mlp, [(3, 6)], False, None),
    ("cnn_eval", _cnn, [(2, 2, 6, 6)], False, None),
    ("cnn_train", _cnn, [(4, 2, 6, 6)], True, None),
    ("buffers", _buffers, [(2, 4)], False, None),
    ("embedding", _bag, [(2, 5)], False, 10),
    ("lstm_gru", _lstm, [(2, 5, 4)], False, None),
    ("encoder", _encoder, [(2, 5, 8)], False, None),
    ("conv1d", _conv1d, [(2, 3, 9)], False, None),
    ("sequential", _seq, [(4, 5)], False, None),
]


@pytest.mark.parametrize("name,build,shapes,train,ints", CASES, ids=[c[0] for c in CASES])
def test_export_matches_torch(name, build, shapes, train, ints):
    tm, gm = _pair(build, train)
    t_in = _inputs(shapes, torch, ints=ints)
    g_in = _inputs(shapes, gk, ints=ints)
    t_ep = torch.export.export(tm, tuple(t_in))
    g_ep = gk.export.export(gm, tuple(g_in))
    assert _specs(g_ep) == _specs(t_ep)
    assert list(g_ep.state_dict) == list(t_ep.state_dict)
    t_mod, g_mod = t_ep.module(), g_ep.module()
    if train:  # (the module runs in the mode it was exported in, updating its buffers)
        _close(g_mod(*g_in), t_mod(*t_in))
        _close(dict(g_mod.named_buffers()), dict(t_mod.named_buffers()))
    else:
        _close(g_mod(*g_in), t_mod(*t_in))
        _close(g_mod(*g_in), gm(*g_in))
    assert "ExportedProgram:" in str(g_ep) and "Graph signature" in str(g_ep)


def test_kwargs_and_nested_outputs():
    tm, gm = _pair(_kwargs_tuple)
    tx, ty = _inputs([(2, 4), (2, 4)], torch)
    gx, gy = _inputs([(2, 4), (2, 4)], gk)
    t_ep = torch.export.export(tm, (tx,), {"y": ty})
    g_ep = gk.export.export(gm, (gx,), {"y": gy})
    assert _specs(g_ep) == _specs(t_ep)
    assert [s.arg.name for s in g_ep.graph_signature.input_specs] == \
        [s.arg.name for s in t_ep.graph_signature.input_specs]
    got = g_ep.module()(gx, y=gy)
    _close(got, gm(gx, y=gy))
    assert isinstance(got, tuple) and isinstance(got[2], dict)


def test_dynamic_batch():
    tm, gm = _pair(_cnn)
    t_b = torch.export.Dim("batch", min=2, max=32)
    g_b = gk.export.Dim("batch", min=2, max=32)
    t_ep = torch.export.export(tm, tuple(_inputs([(3, 2, 6, 6)], torch)),
                               dynamic_shapes={"x": {0: t_b}})
    g_ep = gk.export.export(gm, tuple(_inputs([(3, 2, 6, 6)], gk)),
                            dynamic_shapes={"x": {0: g_b}})
    assert _specs(g_ep) == _specs(t_ep)
    assert g_ep.range_constraints == {"batch": (2, 32)}
    for n in (2, 5, 17):
        _close(g_ep.module()(*_inputs([(n, 2, 6, 6)], gk, seed=n)),
               t_ep.module()(*_inputs([(n, 2, 6, 6)], torch, seed=n)))
    assert "x.size(0)" not in g_ep.graph_module.code or "view" in g_ep.graph_module.code


def test_dynamic_view_records_size():
    class Flat(gk.nn.Module):
        def forward(self, x):
            return x.view(x.size(0), -1) * 2

    b = gk.export.Dim("b")
    ep = gk.export.export(Flat(), (gk.randn(4, 2, 3),), dynamic_shapes=({0: b},))
    assert "size(0)" in ep.graph_module.code
    x = gk.randn(9, 2, 3)
    _close(ep.module()(x), x.view(9, -1) * 2)
    static = gk.export.export(Flat(), (gk.randn(4, 2, 3),))
    assert "size(0)" not in static.graph_module.code


def test_save_load_round_trip(tmp_path):
    _, gm = _pair(_cnn)
    b = gk.export.Dim("batch", min=1, max=8)
    ep = gk.export.export(gm, tuple(_inputs([(2, 2, 6, 6)], gk)), dynamic_shapes=({0: b},))
    path = tmp_path / "m.pt2"
    gk.export.save(ep, str(path))
    loaded = gk.export.load(str(path))
    x = _inputs([(5, 2, 6, 6)], gk, seed=3)[0]
    _close(loaded.module()(x), ep.module()(x))
    assert _specs(loaded) == _specs(ep)
    assert str(loaded) == str(ep)
    buf = io.BytesIO()
    gk.export.save(loaded, buf)
    assert buf.getvalue()[:2] == b"PK"


def test_run_decompositions_and_unflatten():
    _, gm = _pair(_mlp)
    x = _inputs([(3, 6)], gk)[0]
    ep = gk.export.export(gm, (x,))
    _close(ep.run_decompositions().module()(x), gm(x))
    flat = gk.export.unflatten(ep)
    assert sorted(dict(flat.named_parameters())) == sorted(dict(gm.named_parameters()))
    _close(flat(x), gm(x))


def test_embedding_other_tokens_and_batch():
    tm, gm = _pair(_bag)
    t_b, g_b = torch.export.Dim("b", max=16), gk.export.Dim("b", max=16)
    t_ep = torch.export.export(tm, tuple(_inputs([(3, 5)], torch, ints=10)),
                               dynamic_shapes=({0: t_b},))
    g_ep = gk.export.export(gm, tuple(_inputs([(3, 5)], gk, ints=10)),
                            dynamic_shapes=({0: g_b},))
    for n in (1, 7):
        _close(g_ep.module()(*_inputs([(n, 5)], gk, seed=n, ints=10)),
               t_ep.module()(*_inputs([(n, 5)], torch, seed=n, ints=10)))


def test_lstm_dynamic_batch_and_length():
    tm, gm = _pair(_lstm)
    t_b, g_b = torch.export.Dim("b", max=16), gk.export.Dim("b", max=16)
    t_ep = torch.export.export(tm, tuple(_inputs([(3, 5, 4)], torch)),
                               dynamic_shapes=({0: t_b},))
    g_ep = gk.export.export(gm, tuple(_inputs([(3, 5, 4)], gk)), dynamic_shapes=({0: g_b},))
    assert _specs(g_ep) == _specs(t_ep)
    for n in (2, 6):
        _close(g_ep.module()(*_inputs([(n, 5, 4)], gk, seed=n)),
               t_ep.module()(*_inputs([(n, 5, 4)], torch, seed=n)))
    # (PyTorch fixes the sequence length of this model; gradkit's graph keeps it free)
    g_s = gk.export.Dim("s", max=16)
    ep = gk.export.export(gm, tuple(_inputs([(3, 5, 4)], gk)),
                          dynamic_shapes=({0: g_b, 1: g_s},))
    for n, s in ((2, 9), (6, 3)):
        x = _inputs([(n, s, 4)], gk, seed=n)[0]
        _close(ep.module()(x), gm(x))


@pytest.mark.parametrize("build,shapes,kw", [(_lstm, [(2, 5, 4)], False),
                                             (_encoder, [(2, 5, 8)], False),
                                             (_kwargs_tuple, [(2, 4), (2, 4)], True)],
                         ids=["lstm", "encoder", "kwargs"])
def test_save_load_keeps_programs(build, shapes, kw):
    _, gm = _pair(build)
    ins = _inputs(shapes, gk)
    args, kwargs = ((ins[0],), {"y": ins[1]}) if kw else (tuple(ins), {})
    ep = gk.export.export(gm, args, kwargs)
    buf = io.BytesIO()
    gk.export.save(ep, buf)
    buf.seek(0)
    loaded = gk.export.load(buf)
    other = _inputs(shapes, gk, seed=5)
    args, kwargs = ((other[0],), {"y": other[1]}) if kw else (tuple(other), {})
    _close(loaded.module()(*args, **kwargs), gm(*args, **kwargs))
    assert str(loaded) == str(ep)
