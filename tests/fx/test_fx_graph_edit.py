"""Editing traced graphs against PyTorch: building a Graph by hand, inserting before/after a
node, replacing uses, erasing, lint, dead-code elimination, Proxies inside a pass, submodule
bookkeeping; a GraphModule is an nn.Module (parameters, state_dict, train, backward, deepcopy)."""

import copy
import operator

import numpy as np
import pytest

import gradkit as gk

torch = pytest.importorskip("torch")

LIBS = [gk, torch]
IDS = ["gradkit", "torch"]


def _small(lib):
    nn = lib.nn

    class Small(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(3, 3)
            self.unused = nn.Linear(3, 3)

        def forward(self, x):
            y = lib.add(self.fc(x), x)
            return lib.relu(y).sum(1)

    return Small()


@pytest.mark.parametrize("lib", LIBS, ids=IDS)
def test_graph_built_by_hand(lib):
    fx = lib.fx
    g = fx.Graph()
    x = g.placeholder("x")
    w = g.get_attr("w")
    mm = g.call_function(lib.matmul, (x, w))
    r = g.call_method("relu", (mm,))
    s = g.call_function(operator.add, (r, 1.0))
    g.output(s)
    g.lint()
    root = lib.nn.Module()
    root.w = lib.nn.Parameter(lib.eye(2) * 2)
    gm = fx.GraphModule(root, g)
    assert [n.name for n in g.nodes] == ["x", "w", "matmul", "relu", "add", "output"]
    out = gm(lib.tensor([[1.0, -1.0]]))
    assert out.tolist() == [[3.0, 1.0]]
    gm2 = fx.GraphModule({"w": root.w}, g)
    assert gm2(lib.tensor([[1.0, -1.0]])).tolist() == [[3.0, 1.0]]
    assert "matmul = torch.matmul(x, w)" in gm.code


def _code_of(lib, edit):
    lib.manual_seed(0)
    gm = lib.fx.symbolic_trace(_small(lib))
    edit(lib, gm)
    gm.graph.lint()
    gm.recompile()
    return gm


def _insert_neg_after_relu(lib, gm):
    for node in gm.graph.nodes:
        if node.op == "call_function" and node.target is lib.relu:
            with gm.graph.inserting_after(node):
                neg = gm.graph.call_function(lib.neg, (node,))
            node.replace_all_uses_with(neg)
            neg.args = (node,)  # (replace_all_uses_with rewired neg's own input too)
            break


def _add_to_mul(lib, gm):
    for node in gm.graph.nodes:
        if node.op == "call_function" and node.target is lib.add:
            node.target = lib.mul


def _insert_before_with_proxies(lib, gm):
    for node in gm.graph.nodes:
        if node.op == "call_method" and node.target == "sum":
            with gm.graph.inserting_before(node):
                p = lib.fx.Proxy(node.args[0])
                doubled = (lib.sigmoid(p) * 2).node
            node.replace_input_with(node.args[0], doubled)
            break


def _drop_relu(lib, gm):
    for node in list(gm.graph.nodes):
        if node.op == "call_function" and node.target is lib.relu:
            node.replace_all_uses_with(node.args[0])
            gm.graph.erase_node(node)


@pytest.mark.parametrize("edit", [_insert_neg_after_relu, _add_to_mul,
                                  _insert_before_with_proxies, _drop_relu])
def test_rewrites_match_pytorch(edit):
    g, t = _code_of(gk, edit), _code_of(torch, edit)
    assert g.code == t.code
    assert [(n.op, n.name, list(map(str, n.args))) for n in g.graph.nodes] == \
        [(n.op, n.name, list(map(str, n.args))) for n in t.graph.nodes]
    t.load_state_dict({k: torch.tensor(v.detach().numpy()) for k, v in g.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((4, 3)).astype(np.float32)
    np.testing.assert_allclose(g(gk.tensor(x)).detach().numpy(),
                               t(torch.tensor(x)).detach().numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("lib", LIBS, ids=IDS)
def test_erase_lint_and_dead_code(lib):
    gm = lib.fx.symbolic_trace(_small(lib))
    fc = next(n for n in gm.graph.nodes if n.op == "call_module")
    with pytest.raises(RuntimeError, match="still had 1 users"):
        gm.graph.erase_node(fc)
    out = next(n for n in gm.graph.nodes if n.op == "output")
    with gm.graph.inserting_before(out):
        dead = gm.graph.call_function(lib.exp, (fc,))
        gm.graph.call_method("add_", (fc, 1))  # a method call counts as pure, as in PyTorch
        check = gm.graph.call_function(lib._assert, (True, "kept"))
    assert dead in fc.users
    assert gm.graph.eliminate_dead_code()
    assert dead not in fc.users and list(gm.graph.nodes)[-2] is check
    assert [n.name for n in gm.graph.nodes] == ["x", "fc", "add", "relu", "sum_1", "_assert",
                                                "output"]
    # a node moved before its input breaks the graph's order, which lint reports
    relu = next(n for n in gm.graph.nodes if n.name == "relu")
    placeholder = next(iter(gm.graph.nodes))
    placeholder.append(relu)
    with pytest.raises(RuntimeError, match="used before it has been defined"):
        gm.graph.lint()


@pytest.mark.parametrize("lib", LIBS, ids=IDS)
def test_node_arguments_and_users_stay_in_step(lib):
    gm = lib.fx.symbolic_trace(_small(lib))
    x, fc, add = list(gm.graph.nodes)[:3]
    assert list(x.users) == [fc, add] and add.all_input_nodes == [fc, x]
    add.update_arg(1, fc)
    assert list(x.users) == [fc] and add.args == (fc, fc) and list(fc.users) == [add]
    add.update_kwarg("alpha", 2)
    assert add.kwargs == {"alpha": 2}
    add.replace_input_with(fc, x)
    assert add.args == (x, x) and add not in fc.users


@pytest.mark.parametrize("lib", LIBS, ids=IDS)
def test_submodule_bookkeeping(lib):
    gm = lib.fx.symbolic_trace(_small(lib))
    assert not hasattr(gm, "unused")  # only what the graph uses is copied from the root
    gm.add_submodule("extra.lin", lib.nn.Linear(3, 3))
    fc = next(n for n in gm.graph.nodes if n.op == "call_module")
    with gm.graph.inserting_after(fc):
        extra = gm.graph.call_module("extra.lin", (fc,))
    gm.graph.lint()
    assert "extra.lin" in dict(gm.named_modules())
    gm.graph.erase_node(extra)
    gm.delete_all_unused_submodules()
    assert "extra.lin" not in dict(gm.named_modules()) and "fc" in dict(gm.named_modules())
    assert gm.delete_submodule("fc") and not gm.delete_submodule("fc")


@pytest.mark.parametrize("lib", LIBS, ids=IDS)
def test_graph_module_is_a_module(lib):
    lib.manual_seed(0)
    model = _small(lib)
    gm = lib.fx.symbolic_trace(model)
    assert isinstance(gm, lib.nn.Module) and isinstance(gm, lib.fx.GraphModule)
    assert sorted(gm.state_dict()) == ["fc.bias", "fc.weight"]
    assert gm.fc is model.fc  # modules are shared with the root, not copied
    gm.eval()
    assert not gm.training and not gm.fc.training
    gm.train()
    opt = lib.optim.SGD(gm.parameters(), lr=0.1)
    x = lib.ones(2, 3)
    before = gm(x).sum().item()
    gm(x).sum().backward()
    assert gm.fc.weight.grad is not None
    opt.step()
    assert gm(x).sum().item() != before
    clone = copy.deepcopy(gm)
    assert clone.code == gm.code and clone.fc is not gm.fc
    assert lib.allclose(clone(x), gm(x))
    clone.graph.erase_node  # the clone has its own graph
    assert clone.graph is not gm.graph
    sd = gm.state_dict()
    fresh = lib.fx.symbolic_trace(_small(lib))
    fresh.load_state_dict(sd)
    assert lib.allclose(fresh(x), gm(x))


def _scaled(x):
    return x * 3


gk.fx.wrap("_scaled")


def test_graph_module_pickles_and_saves_whole():
    import io
    import pickle

    class Saved(gk.nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = gk.nn.Linear(3, 3)
            self.register_buffer("shift", gk.ones(3))
            self.seq = gk.nn.Sequential(gk.nn.ReLU())

        def forward(self, x, flag: int = 2):
            return _scaled(self.seq(self.fc(x)) + self.shift + gk.ones(3)) * flag

    gm = gk.fx.symbolic_trace(Saved())
    gm.eval()
    x = gk.randn(2, 3)
    back = pickle.loads(pickle.dumps(gm))
    assert back.code == gm.code and type(back).__name__ == "Saved" and not back.training
    assert str(back.graph) == str(gm.graph)
    assert gk.allclose(back(x), gm(x)) and sorted(back.state_dict()) == sorted(gm.state_dict())
    buf = io.BytesIO()
    gk.save(gm, buf, format="torch")
    buf.seek(0)
    assert gk.allclose(gk.load(buf, weights_only=False)(x), gm(x))


def _decompose(lib, model):
    """PyTorch's docs' "Proxy/Retracing" example: F.relu rewritten as (x > 0) * x by running the
    rule on Proxies over a new graph."""
    fx, F = lib.fx, lib.nn.functional
    rules = {F.relu: lambda x: (x > 0) * x}
    graph = fx.Tracer().trace(model)
    new_graph, env = fx.Graph(), {}
    tracer = fx.proxy.GraphAppendingTracer(new_graph)
    for node in graph.nodes:
        if node.op == "call_function" and node.target in rules:
            proxy_args = [fx.Proxy(env[a.name], tracer) if isinstance(a, fx.Node) else a
                          for a in node.args]
            env[node.name] = rules[node.target](*proxy_args).node
        else:
            env[node.name] = new_graph.node_copy(node, lambda a: env[a.name])
    return fx.GraphModule(model, new_graph)


def _relu_model(lib):
    class ReluNet(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = lib.nn.Linear(3, 3)

        def forward(self, x):
            return lib.nn.functional.relu(self.fc(x)) + 1

    return ReluNet()


def test_decomposition_with_proxies_matches_pytorch():
    gk.manual_seed(0)
    g_model, t_model = _relu_model(gk), _relu_model(torch)
    t_model.load_state_dict({k: torch.tensor(v.detach().numpy())
                             for k, v in g_model.state_dict().items()})
    g, t = _decompose(gk, g_model), _decompose(torch, t_model)
    assert g.code == t.code and "mul = gt * fc" in g.code
    assert [n.stack_trace for n in g.graph.nodes] == [None] * 6
    x = np.random.default_rng(0).standard_normal((2, 3)).astype(np.float32)
    np.testing.assert_allclose(g(gk.tensor(x)).detach().numpy(),
                               g_model(gk.tensor(x)).detach().numpy(), rtol=1e-6)
    np.testing.assert_allclose(g(gk.tensor(x)).detach().numpy(),
                               t(torch.tensor(x)).detach().numpy(), rtol=1e-5, atol=1e-6)


def _hand_built_products(lib):
    """A graph built by hand as e3nn's tensor-product code generator builds one: placeholders
    wrapped in Proxies of one GraphAppendingTracer, results of earlier calls mixed with new
    Proxies of the same tracer, and an einsum given its operands as one list (opt_einsum's
    torch backend calls it so)."""
    fx = lib.fx
    graph = fx.Graph()
    tracer = fx.proxy.GraphAppendingTracer(graph)
    x = fx.Proxy(graph.placeholder("x", lib.Tensor), tracer=tracer)
    y = fx.Proxy(graph.placeholder("y", lib.Tensor), tracer=tracer)
    xy = lib.einsum("zi,zj->zij", x.reshape(-1, 2), y)  # results of x's and y's calls
    w = fx.Proxy(graph.placeholder("w", lib.Tensor), tracer=tracer)  # a new Proxy after them
    out = lib.einsum("zij,jk->zik", [xy, w])
    assert out.tracer is tracer and xy.tracer is tracer
    graph.output(out.node)
    return fx.GraphModule({}, graph), [(n.op, len(n.args)) for n in graph.nodes]


def test_proxies_of_one_appending_tracer_mix_and_list_einsum_flattens_as_torch():
    g_mod, g_nodes = _hand_built_products(gk)
    t_mod, t_nodes = _hand_built_products(torch)
    assert g_nodes == t_nodes
    rng = np.random.default_rng(0)
    x, y, w = (rng.standard_normal(s).astype(np.float32) for s in ((3, 2), (3, 4), (4, 5)))
    ours = g_mod(gk.tensor(x), gk.tensor(y), gk.tensor(w)).numpy()
    theirs = t_mod(torch.tensor(x), torch.tensor(y), torch.tensor(w)).numpy()
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)
