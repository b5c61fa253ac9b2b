"""torch.fx symbolic tracing against PyTorch: the same model traced in both gives the same
nodes (op, name, target, arguments, users), the same printed graph and generated code, and a
GraphModule computing the same outputs; leaf modules, parameters, buffers, tensor constants,
``tensor <op> proxy``, concrete_args, fx.wrap, Tracer subclasses; TraceError for control flow."""

import numpy as np
import pytest

import gradkit as gk
import gradkit.fx as gfx

torch = pytest.importorskip("torch")
import torch.fx as tfx  # noqa: E402

LIBS = [gk, torch]


@pytest.fixture(autouse=True)
def _dispatch_flag_restored():
    from gradkit._tensor import torch_function as tf

    before = tf.ACTIVE[0]
    yield
    assert tf.ACTIVE[0] == before  # a trace leaves the dispatch switch as it found it


def _target_text(node, lib):
    if node.op != "call_function":
        return node.target
    if lib is torch:
        from torch.fx.node import _get_qualified_name

        return _get_qualified_name(node.target).replace("_operator.", "operator.")
    from gradkit.fx._names import qualified_name

    return qualified_name(node.target).replace("builtins.", "")


def _nodes(gm, lib):
    return [(n.op, n.name, _target_text(n, lib), str(n.args), str(n.kwargs),
             sorted(u.name for u in n.users)) for n in gm.graph.nodes]


def _same_weights(g_model, t_model):
    sd = {k: torch.from_numpy(np.array(v.detach().numpy()))
          for k, v in g_model.state_dict().items()}
    t_model.load_state_dict(sd)


def _make_mlp(lib):
    nn, F = lib.nn, lib.nn.functional

    class MLP(nn.Module):
        def __init__(self):
            super().__init__()
            self.linear = nn.Linear(4, 5)
            self.p = nn.Parameter(lib.ones(5))
            self.layers = nn.Sequential(nn.ReLU(), nn.Linear(5, 5))
            self.register_buffer("shift", lib.full((5,), 0.5))

        def forward(self, x, y=None):
            a = self.linear(x)
            b = lib.relu(a) + self.p - self.shift
            c = F.relu(b, inplace=False).sum(dim=-1, keepdim=True)
            d = self.layers(b) * 2 + lib.sum(b) + x.shape[0]
            e = lib.cat([d, c], 1)
            return e.view(e.size(0), -1).transpose(0, 1)

    return MLP()


def test_trace_mlp_matches_pytorch():
    gk.manual_seed(0)
    g_model, t_model = _make_mlp(gk), _make_mlp(torch)
    _same_weights(g_model, t_model)
    g, t = gfx.symbolic_trace(g_model), tfx.symbolic_trace(t_model)
    assert _nodes(g, gk) == _nodes(t, torch)
    assert str(g.graph) == str(t.graph)
    assert g.code == t.code
    assert str(g) == str(t)
    assert type(g).__name__ == type(t).__name__ == "MLP"
    x = np.random.default_rng(0).standard_normal((3, 4)).astype(np.float32)
    got = g(gk.tensor(x)).detach().numpy()
    np.testing.assert_allclose(got, t(torch.tensor(x)).detach().numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(got, g_model(gk.tensor(x)).detach().numpy(), rtol=1e-6)


def _make_consts(lib):
    nn = lib.nn

    class Consts(nn.Module):
        def __init__(self):
            super().__init__()
            self.linear = nn.Linear(4, 5)
            self.register_buffer("b", lib.zeros(5))
            self.w = nn.Parameter(lib.ones(5))

        def forward(self, x):
            a = self.linear(x) + self.b + lib.ones(5)
            t = lib.ones(5)
            c = t + a
            d = self.w * c
            e = c < t
            f = t * x.sum() - t / 2.0 + t ** x.mean()
            return {"a": a, "t": (d @ self.w.t(), e, x.relu(), -f)}

    return Consts()


def test_constants_buffers_and_tensor_operators_on_proxies():
    gk.manual_seed(0)
    g_model, t_model = _make_consts(gk), _make_consts(torch)
    _same_weights(g_model, t_model)
    g, t = gfx.symbolic_trace(g_model), tfx.symbolic_trace(t_model)
    assert _nodes(g, gk) == _nodes(t, torch)
    assert g.code == t.code
    assert sorted(g.state_dict()) == sorted(t.state_dict())
    x = np.random.default_rng(1).standard_normal((2, 4)).astype(np.float32)
    go, to = g(gk.tensor(x)), t(torch.tensor(x))
    np.testing.assert_allclose(go["a"].detach().numpy(), to["a"].detach().numpy(), rtol=1e-5)
    for a, b in zip(go["t"], to["t"]):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("lib", LIBS, ids=["gradkit", "torch"])
def test_unpacking_a_proxy_and_functions(lib):
    fx = lib.fx

    def f(x, y):
        a, b = x.chunk(2)
        return a + y, b.shape

    gm = fx.symbolic_trace(f)
    assert [n.name for n in gm.graph.nodes] == ["x", "y", "chunk", "getitem", "getitem_1", "add",
                                                "getattr_1", "output"]
    assert type(gm).__name__ == "f"
    out, shape = gm(lib.ones(4, 3), lib.ones(3))
    assert tuple(out.shape) == (2, 3) and tuple(shape) == (2, 3)


def _expect_error(lib, body, exc, match):
    ns = {}
    exec(f"class N(nn.Module):\n    def forward(self, x):\n        {body}\n",
         {"nn": lib.nn}, ns)
    with pytest.raises(exc, match=match):
        lib.fx.symbolic_trace(ns["N"]())


@pytest.mark.parametrize("lib", LIBS, ids=["gradkit", "torch"])
def test_untraceable_control_flow_raises_trace_error(lib):
    trace_error = lib.fx.proxy.TraceError
    assert issubclass(trace_error, ValueError)
    _expect_error(lib, "if x.sum() > 0:\n            return x\n        return -x", trace_error,
                  "symbolically traced variables cannot be used as inputs to control flow")
    _expect_error(lib, "return [r for r in x]", trace_error, "Proxy object cannot be iterated")
    _expect_error(lib, "return len(x)", RuntimeError, "'len' is not supported in symbolic")


def _make_flagged(lib):
    nn = lib.nn

    class Flagged(nn.Module):
        def __init__(self):
            super().__init__()
            self.linear = nn.Linear(3, 3)

        def forward(self, x, flag=True, extra=None):
            x = self.linear(x)
            if flag:
                x = x * 2
            if extra is not None:
                x = x + extra
            return x

    return Flagged()


def test_concrete_args_specialise_and_check_on_entry():
    gk.manual_seed(0)
    g_model, t_model = _make_flagged(gk), _make_flagged(torch)
    _same_weights(g_model, t_model)
    concrete = {"flag": False, "extra": None}
    g = gfx.symbolic_trace(g_model, concrete_args=concrete)
    t = tfx.symbolic_trace(t_model, concrete_args=concrete)
    assert [(n.op, n.name) for n in g.graph.nodes] == [(n.op, n.name) for n in t.graph.nodes]
    assert g.code == t.code
    x = np.ones((2, 3), np.float32)
    np.testing.assert_allclose(g(gk.tensor(x), False).detach().numpy(),
                               t(torch.tensor(x), False).detach().numpy(), rtol=1e-6)
    with pytest.raises(AssertionError, match="flag has been specialized"):
        g(gk.tensor(x), True)


def helper_scale(x, n):
    return x * n


gfx.wrap("helper_scale")
tfx.wrap("helper_scale")


@pytest.mark.parametrize("lib", LIBS, ids=["gradkit", "torch"])
def test_wrapped_function_is_one_node(lib):
    def f(x):
        return helper_scale(x, 3) + 1

    gm = lib.fx.symbolic_trace(f)
    calls = [n for n in gm.graph.nodes if n.op == "call_function"]
    assert calls[0].target is helper_scale and calls[0].name == "helper_scale"
    assert float(gm(lib.ones(2))[0]) == 4.0
    assert helper_scale(2, 3) == 6  # the module's function is put back after the trace


def _make_nested(lib):
    nn = lib.nn

    class Inner(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(2, 2, 3, padding=1)

        def forward(self, x):
            return lib.tanh(self.conv(x)) + x

    class Outer(nn.Module):
        def __init__(self):
            super().__init__()
            self.inner = Inner()
            self.pool = nn.MaxPool2d(2)

        def forward(self, x):
            return self.pool(self.inner(x))

    return Outer(), Inner


@pytest.mark.parametrize("lib", LIBS, ids=["gradkit", "torch"])
def test_tracer_subclass_with_is_leaf_module(lib):
    model, inner_cls = _make_nested(lib)

    class KeepInner(lib.fx.Tracer):
        def is_leaf_module(self, m, qualname):
            return isinstance(m, inner_cls) or super().is_leaf_module(m, qualname)

    graph = KeepInner().trace(model)
    assert [(n.op, n.target) for n in graph.nodes if n.op == "call_module"] == \
        [("call_module", "inner"), ("call_module", "pool")]
    flat = lib.fx.symbolic_trace(model)
    assert [n.target for n in flat.graph.nodes if n.op == "call_module"] == ["inner.conv", "pool"]
    gm = lib.fx.GraphModule(model, graph)
    x = lib.randn(1, 2, 4, 4)
    assert lib.allclose(gm(x), model(x))


@pytest.mark.parametrize("lib", LIBS, ids=["gradkit", "torch"])
def test_tracer_override_marked_with_compatibility(lib):
    """A ``Tracer`` whose ``trace`` override carries ``@compatibility(...)`` from
    ``torch.fx._symbolic_trace`` (PyTorch Geometric's transformer of GNN modules) traces."""
    import importlib

    st = importlib.import_module(lib.fx.__name__ + "._symbolic_trace")
    model, _ = _make_nested(lib)

    class Recording(lib.fx.Tracer):
        @st.compatibility(is_backward_compatible=True)
        def trace(self, root, concrete_args=None):
            self.traced_root = root
            return super().trace(root, concrete_args)

    tracer = Recording()
    graph = tracer.trace(model)
    assert tracer.traced_root is model
    # (its attribute scan asks isinstance(v, (Tensor, ScriptObject)) of every attribute)
    assert not isinstance(lib.ones(1), st.ScriptObject) and st.ScriptObject is lib._C.ScriptObject
    assert [n.target for n in graph.nodes if n.op == "call_module"] == ["inner.conv", "pool"]


def test_trace_does_not_change_untraced_calls():
    model = _make_mlp(gk)
    before = model(gk.ones(2, 4))
    gfx.symbolic_trace(model)
    assert gk.allclose(model(gk.ones(2, 4)), before)
    assert gk.nn.Module.__call__.__name__ == "__call__"
    assert (gk.ones(2) + gk.ones(2)).tolist() == [2.0, 2.0]


def test_print_tabular_lists_every_node(capsys):
    gm = gfx.symbolic_trace(_make_mlp(gk))
    gm.graph.print_tabular()
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["opcode", "name", "target", "args", "kwargs"]
    assert set(lines[1]) == {"-", " "}
    assert len(lines) == 2 + len(gm.graph.nodes)
    assert lines[3].split()[:3] == ["placeholder", "y", "y"]
    assert "torch.relu" in lines[5] and "(linear,)" in lines[5]


def _make_attention(lib):
    import math

    nn, F = lib.nn, lib.nn.functional

    class Attention(nn.Module):
        def __init__(self):
            super().__init__()
            self.emb = nn.Embedding(10, 8)
            self.ln = nn.LayerNorm(8)
            self.qkv = nn.Linear(8, 24)

        def forward(self, tok, mask):
            x = self.emb(tok)
            batch, length, dim = x.shape
            pos = lib.arange(length)  # a factory given a Proxy
            q, k, v = self.qkv(self.ln(x)).chunk(3, dim=-1)
            att = lib.matmul(q, k.transpose(-2, -1)) / math.sqrt(q.size(-1))  # math autowrapped
            att = att.masked_fill(mask[:, None, :] == 0, float("-inf"))
            lib._assert(batch > 0, "empty batch")
            y = F.softmax(att, -1) @ v
            y = y.permute(0, 2, 1).contiguous()[:, 0, ...] + x[:, :, 0] + pos
            return lib.stack([y, y * 2]).flatten(1), x.new_zeros(2)

    return Attention()


def test_attention_style_model_matches_pytorch():
    gk.manual_seed(0)
    g_model, t_model = _make_attention(gk), _make_attention(torch)
    _same_weights(g_model, t_model)
    g, t = gfx.symbolic_trace(g_model), tfx.symbolic_trace(t_model)
    def without_softmax_arguments(rows):  # (PyTorch's F.softmax passes its own defaults on)
        return [r[:3] + r[5:] if r[1] == "softmax" else r for r in rows]

    assert without_softmax_arguments(_nodes(g, gk)) == without_softmax_arguments(_nodes(t, torch))
    assert g.code.split("softmax")[0] == t.code.split("softmax")[0]  # (F.softmax's own
    # defaulted keywords follow in PyTorch's code)
    assert 'torch.fx._symbolic_trace.wrap("math_sqrt")' in g.code
    tok = np.array([[1, 2, 3, 4, 5, 6], [2, 3, 4, 5, 6, 7]])
    mask = np.ones((2, 6), np.float32)
    mask[0, 4:] = 0
    got = g(gk.tensor(tok), gk.tensor(mask))[0].detach().numpy()
    np.testing.assert_allclose(got, t(torch.tensor(tok), torch.tensor(mask))[0].detach().numpy(),
                               rtol=1e-5, atol=1e-5)
    with pytest.raises(AssertionError, match="empty batch"):
        g(gk.zeros(0, 6, dtype=gk.int64), gk.ones(0, 6))


def _make_annotated(lib):
    class Annotated(lib.nn.Module):
        def forward(self, x: lib.Tensor, n: int = 2) -> lib.Tensor:
            return x * n

    return Annotated()


def test_annotations_in_code_graph_and_print_readable():
    g, t = gfx.symbolic_trace(_make_annotated(gk)), tfx.symbolic_trace(_make_annotated(torch))
    assert g.code == t.code
    assert "def forward(self, x : torch.Tensor, n : int = 2) -> torch.Tensor:" in g.code
    assert str(g.graph) == str(t.graph)
    assert g.print_readable(print_output=False) == t.print_readable(print_output=False)
    assert [n.type for n in g.graph.nodes] == [gk.Tensor, int, None, gk.Tensor]
    assert g(gk.ones(2), 3).tolist() == [3.0, 3.0]


def _make_operators(lib):
    class Operators(lib.nn.Module):
        def forward(self, x, *args):
            y = x * 2
            y += 1
            y -= x
            y *= 3
            z = y.add_(1)
            return (y @ y.T, abs(x), -x, ~(x > 0), x ** 2, 2 ** x, 1 - x, 3 / x, x // 2,
                    x % 2, z[0, 1:], args[0] if False else args)

    return Operators()


def test_operators_and_star_args_match_pytorch():
    g, t = gfx.symbolic_trace(_make_operators(gk)), tfx.symbolic_trace(_make_operators(torch))
    assert g.code == t.code
    assert "def forward(self, x, *args):\n    _args = args\n" in g.code
    assert "abs_1 = _operator_abs(x)" in g.code
    x = np.arange(1, 5, dtype=np.float32).reshape(2, 2)
    for a, b in zip(g(gk.tensor(x), 7), t(torch.tensor(x), 7)):
        if isinstance(b, torch.Tensor):
            np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-6)
        else:
            assert list(a) == list(b) == [7]


@pytest.mark.parametrize("lib", LIBS, ids=["gradkit", "torch"])
def test_keyword_only_and_var_keyword_arguments(lib):
    class KwOnly(lib.nn.Module):
        def forward(self, x, *, scale=2.0):
            return x * scale

    class VarKw(lib.nn.Module):
        def forward(self, x, **kwargs):
            return x + kwargs["bias"]

    gm = lib.fx.symbolic_trace(KwOnly())
    assert [n.op for n in gm.graph.nodes] == ["placeholder", "placeholder", "call_function",
                                              "output"]
    gm = lib.fx.symbolic_trace(VarKw())
    assert [n.name for n in gm.graph.nodes] == ["x", "_kwargs", "getitem", "add", "output"]
    assert gm(lib.ones(2), bias=lib.ones(2)).tolist() == [2.0, 2.0]


def test_slicing_tensor_attributes_by_a_traced_size():
    """``pe[:, :x.size(1)]`` (positional-encoding tables): the index holds a Proxy. gradkit
    records it, for a registered buffer and for a plain tensor attribute, which gets a
    get_attr under its own name as in PyTorch (PyTorch's tracer fails on this slice)."""
    class PositionalEncoding(gk.nn.Module):
        def __init__(self):
            super().__init__()
            self.table = gk.arange(20.0).view(1, 10, 2)
            self.register_buffer("pe", gk.ones(1, 10, 2))

        def forward(self, x):
            return x + self.pe[:, :x.size(1)] + self.table[:, :x.size(1)]

    model = PositionalEncoding()
    gm = gfx.symbolic_trace(model)
    assert [n.target for n in gm.graph.nodes if n.op == "get_attr"] == ["pe", "table"]
    for length in (3, 7):
        x = gk.randn(2, length, 2)
        assert gk.equal(gm(x), model(x))


def _sequential(lib):
    nn = lib.nn
    return nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(inplace=True), nn.MaxPool2d(2), nn.Flatten(),
                         nn.Linear(2, 3), nn.LogSoftmax(dim=1))


def test_sequential_root_and_a_builtin_argument_name():
    g, t = gfx.symbolic_trace(_sequential(gk)), tfx.symbolic_trace(_sequential(torch))
    assert g.code == t.code and str(g.graph) == str(t.graph) and str(g) == str(t)
    assert "def forward(self, input):\n    input_1 = input\n" in g.code
    assert g(gk.ones(2, 1, 4, 4)).shape == (2, 3)


def _device_model(lib):
    class ToDevice(lib.nn.Module):
        def forward(self, x):
            return x + lib.zeros(2, 3).to(x.device) + lib.ones(1, 3)

    return ToDevice()


def test_tensor_methods_given_traced_values():
    g, t = gfx.symbolic_trace(_device_model(gk)), tfx.symbolic_trace(_device_model(torch))
    assert g.code == t.code and "to = _tensor_constant0.to(getattr_1)" in g.code

    class Shaped(gk.nn.Module):  # (PyTorch's tracer fails on expand() given a Proxy)
        def forward(self, x):
            return x + gk.ones(1, 3).expand(x.size(0), -1) + gk.arange(3.0).view(x.size(1))

    gm = gfx.symbolic_trace(Shaped())
    assert [n.target for n in gm.graph.nodes if n.op == "call_method"] == \
        ["size", "expand", "size", "view"]
    assert gm(gk.ones(4, 3)).tolist() == [[2.0, 3.0, 4.0]] * 4
