"""fx.Interpreter, fx.Transformer and passes.shape_prop.ShapeProp against PyTorch: run_node and
per-op overrides, initial_env, garbage collection of values, Transformer rewrites (functions,
modules, methods) giving the same code, ShapeProp's tensor_meta (shape, dtype, stride,
requires_grad, memory format) on every node."""

import numpy as np
import pytest

import gradkit as gk

torch = pytest.importorskip("torch")

LIBS = [gk, torch]
IDS = ["gradkit", "torch"]


def _net(lib):
    nn, F = lib.nn, lib.nn.functional

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(3, 4, 3, padding=1)
            self.bn = nn.BatchNorm2d(4)
            self.act = nn.ReLU()
            self.fc = nn.Linear(4, 2)

        def forward(self, x):
            y = self.act(self.bn(self.conv(x)))
            y = lib.add(y, 1.0)
            y = F.adaptive_avg_pool2d(y, 1).flatten(1)
            return lib.softmax(self.fc(y), dim=-1), y.shape

    return Net()


def _pair():
    gk.manual_seed(0)
    g_model, t_model = _net(gk), _net(torch)
    t_model.load_state_dict({k: torch.tensor(v.detach().numpy())
                             for k, v in g_model.state_dict().items()})
    g_model.eval()
    t_model.eval()
    x = np.random.default_rng(0).standard_normal((2, 3, 5, 5)).astype(np.float32)
    return (gk.fx.symbolic_trace(g_model), gk.tensor(x)), \
        (torch.fx.symbolic_trace(t_model), torch.tensor(x))


def _close(a, b):
    np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-5, atol=1e-6)


def _tracking(lib):
    class Tracking(lib.fx.Interpreter):
        def __init__(self, mod):
            super().__init__(mod)
            self.seen = []

        def run_node(self, n):
            out = super().run_node(n)
            self.seen.append((n.op, n.name, sorted(m.name for m in self.env)))
            return out

        def call_function(self, target, args, kwargs):
            if target is lib.add:  # add -> sub
                return lib.sub(*args, **kwargs)
            return super().call_function(target, args, kwargs)

        def call_module(self, target, args, kwargs):
            out = super().call_module(target, args, kwargs)
            return out * 2 if target == "act" else out

    return Tracking


def test_interpreter_overrides_match_pytorch():
    results = []
    for gm, x in _pair():
        it = _tracking(gk if isinstance(x, gk.Tensor) else torch)(gm)
        probs, shape = it.run(x)
        results.append((it.seen, probs, tuple(shape), gm(x)[0]))
    (g_seen, g_p, g_s, g_plain), (t_seen, t_p, t_s, t_plain) = results
    assert g_seen == t_seen  # the same values are alive after each node (garbage collected)
    assert g_s == t_s == (2, 4)
    _close(g_p, t_p)
    assert not np.allclose(g_p.detach().numpy(), g_plain.detach().numpy())


@pytest.mark.parametrize("lib", LIBS, ids=IDS)
def test_interpreter_initial_env_and_defaults(lib):
    def f(x, y=2.0):
        return x * y + 1

    gm = lib.fx.symbolic_trace(f)
    x_node = next(iter(gm.graph.nodes))
    assert gm(lib.ones(2)).tolist() == [3.0, 3.0]
    assert lib.fx.Interpreter(gm).run(lib.ones(2)).tolist() == [3.0, 3.0]
    out = lib.fx.Interpreter(gm).run(lib.ones(2), 3.0, initial_env={x_node: lib.zeros(2)})
    # x came from initial_env, so the first positional argument went to y
    assert out.tolist() == [1.0, 1.0]


def _rewrite(lib):
    class Rewrite(lib.fx.Transformer):
        def call_function(self, target, args, kwargs):
            if target is lib.add:
                return super().call_function(lib.mul, args, kwargs)
            return super().call_function(target, args, kwargs)

        def call_module(self, target, args, kwargs):
            if target == "act":
                return lib.sigmoid(args[0]) * 3
            return super().call_module(target, args, kwargs)

        def call_method(self, target, args, kwargs):
            if target == "flatten":
                return args[0].reshape(args[0].shape[0], -1)
            return super().call_method(target, args, kwargs)

    return Rewrite


def test_transformer_rewrites_match_pytorch():
    codes, outs = [], []
    for gm, x in _pair():
        Rewrite = _rewrite(gk if isinstance(x, gk.Tensor) else torch)  # noqa: N806
        new = Rewrite(gm).transform()
        new.graph.lint()
        codes.append(new.code)
        outs.append(new(x)[0])
    assert codes[0] == codes[1]
    assert "sigmoid = torch.sigmoid(bn)" in codes[0] and "torch.mul(" in codes[0]
    _close(*outs)


def test_shape_prop_tensor_meta_matches_pytorch():
    metas = []
    for gm, x in _pair():
        lib = gk if isinstance(x, gk.Tensor) else torch
        from importlib import import_module

        shape_prop = import_module(f"{lib.__name__}.fx.passes.shape_prop")
        shape_prop.ShapeProp(gm).propagate(x)
        rows = []
        for n in gm.graph.nodes:
            tm = n.meta.get("tensor_meta")
            if isinstance(tm, tuple) and not isinstance(tm, shape_prop.TensorMetadata):
                tm = tm[0]  # (the output: a tuple of the probabilities' meta and a Size)
            rows.append((n.name, n.meta["type"].__name__, None if tm is None else (
                tuple(tm.shape), str(tm.dtype).split(".")[-1], tm.requires_grad, tuple(tm.stride),
                str(tm.memory_format).split(".")[-1], tm.is_quantized)))
        metas.append(rows)
    assert metas[0] == metas[1]
    assert metas[0][1][2][0] == (2, 4, 5, 5)
