"""gradkit.utils.viz: the drawn graph's nodes and edges (against PyTorch's graph for the same
expressions), module collapsing on ResNet-18 and a 2-layer transformer, and rendering (built-in
SVG/PNG always; Graphviz where ``dot`` is installed)."""

import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest

import gradkit
from gradkit import nn
from gradkit.utils import viz
from gradkit.utils.viz import GraphPicture, ModuleTrace, draw_graph, draw_model
from gradkit.utils.viz._walk import _sccs

SVG = "{http://www.w3.org/2000/svg}"


def _base(name):
    return re.sub(r"\d+$", "", name)  # PyTorch's AddBackward0 -> AddBackward


def _signature(pic):
    """(sorted op names, sorted (src, dst) name pairs): the graph up to node identity."""
    title = {k: _base(n.title) for k, n in pic.nodes.items()}
    ops = sorted(title[k] for k, n in pic.nodes.items() if n.kind == "op")
    return ops, sorted((title[e.src], title[e.dst]) for e in pic.edges)


def _expressions(lib, x, w, b):
    return [
        (x @ w + b).relu().sum(),
        (x * x).exp().mean(),  # x feeds one node twice: two edges
        (x.sin() * x.cos()).sum(1).pow(2).mean(),
        lib.cat([x, x * 2]).tanh().sum(),
    ]


def test_graph_matches_pytorch_graph():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    arrays = [rng.random(s, dtype=np.float32) for s in ((3, 4), (4, 2), (2,))]
    sigs = {}
    for lib in (gradkit, torch):
        x, w, b = (lib.tensor(a, requires_grad=True) for a in arrays)
        sigs[lib.__name__] = [_signature(draw_graph(e, {"x": x, "w": w, "b": b}))
                              for e in _expressions(lib, x, w, b)]
    assert sigs["gradkit"] == sigs["torch"]
    ops, edges = sigs["gradkit"][1]
    assert ops == ["ExpBackward", "MeanBackward", "MulBackward"]
    assert edges.count(("x", "MulBackward")) == 2


def test_nodes_shapes_saved_and_highlighting():
    lin = nn.Linear(4, 3)
    x = gradkit.randn(5, 4)
    y = gradkit.randn(5, 3, requires_grad=True)
    loss = ((lin(x) - y) ** 2).mean()
    pic = draw_graph(loss, dict(lin.named_parameters()), show_constants=True)
    kinds = {n.title: n.kind for n in pic.nodes.values()}
    assert kinds["weight"] == kinds["bias"] == "param"
    assert kinds["leaf (requires_grad)"] == "leaf"  # y: requires grad, not a parameter
    assert kinds["input"] == "constant"  # x, drawn because show_constants
    assert kinds["output"] == "output"
    weight = next(n for n in pic.nodes.values() if n.title == "weight")
    assert weight.lines == ["(3, 4) float32"]
    # the linear layer's node saved its input and weight; the edge out of it carries (5, 3)
    linear = next(n for n in pic.nodes.values() if n.kind == "op" and "(5, 4) float32" in
                  " ".join(n.lines))
    assert any("saved" in t and "(3, 4) float32" in t for t in linear.lines)
    assert any(e.src == linear.id and e.label == "(5, 3) float32" for e in pic.edges)
    # without constants the input is not drawn; the highlighted leaves are the grad leaves
    plain = draw_graph(loss, dict(lin.named_parameters()))
    assert "constant" not in {n.kind for n in plain.nodes.values()}
    assert len(plain.nodes) == len(pic.nodes) - 1
    colours = {n.kind: re.search(r'fillcolor="([^"]+)"', line).group(1)
               for n in plain.nodes.values() for line in plain.source.splitlines()
               if line.strip().startswith(n.id + " [")}
    assert len({colours["param"], colours["leaf"], colours["op"]}) == 3


def _svg_texts(svg_text):
    root = ET.fromstring(svg_text)
    return [t.text or "" for t in root.iter(SVG + "text")] + [
        t.text or "" for t in root.iter("text")]


def test_builtin_svg_png_dot(tmp_path, monkeypatch):
    monkeypatch.setattr(viz._picture.shutil, "which", lambda name: None)  # no dot here
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
    out = model(gradkit.randn(3, 4)).sum()
    pic = draw_graph(out, dict(model.named_parameters()), title="MLP <&>")
    assert pic.engine == "builtin"
    texts = _svg_texts(pic._repr_svg_())
    for name in ("0.weight", "2.bias", "ReluBackward", "MLP <&>"):
        assert any(name in t for t in texts), name
    # every edge of the model is one path in the SVG; every box one rect
    root = ET.fromstring(pic.svg())
    assert len([p for p in root.iter(SVG + "path") if p.get("class") == "edge"]) == len(pic.edges)
    assert len([g for g in root.iter(SVG + "g")]) == len(pic.nodes)
    assert pic.save(tmp_path / "g.svg").read_text().startswith("<svg")
    dot = pic.save(tmp_path / "g.dot").read_text()
    assert dot.startswith("digraph") and dot.count("->") == len(pic.edges)
    pytest.importorskip("matplotlib")
    PIL = pytest.importorskip("PIL.Image")
    png = pic.save(tmp_path / "g.png")
    with PIL.open(png) as im:
        assert im.size[0] > 100 and im.size[1] > 200
    with pytest.raises(ValueError, match=r"\.svg, \.png or \.dot"):
        pic.save(tmp_path / "g.jpg")
    with pytest.raises(RuntimeError, match="graphviz"):
        draw_graph(out, engine="dot")


@pytest.mark.skipif(not viz.dot_available(), reason="Graphviz (graphviz + dot) not installed")
def test_graphviz_rendering(tmp_path):
    model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 2))
    pic = draw_graph(model(gradkit.randn(3, 4)).sum(), dict(model.named_parameters()),
                     engine="dot")
    texts = _svg_texts(pic.svg())
    assert any("TanhBackward" in t for t in texts) and any("0.weight" in t for t in texts)
    assert pic.save(tmp_path / "g.png").read_bytes()[:4] == b"\x89PNG"


def _acyclic(pic):
    succ = {}
    for e in pic.edges:
        succ.setdefault(e.src, set()).add(e.dst)
    return all(len(c) == 1 for c in _sccs(list(pic.nodes), succ))


def test_resnet18_collapses_by_module():
    from gradkit.vision.models import resnet18

    gradkit.manual_seed(0)
    model = resnet18(num_classes=10)
    x = gradkit.randn(2, 3, 16, 16)
    mean_before = model.bn1.running_mean.numpy().copy()
    full = draw_model(model, x, collapse=None, engine="builtin")
    assert np.array_equal(model.bn1.running_mean.numpy(), mean_before)  # restored
    n_params = len(list(model.parameters()))
    assert sum(n.kind == "param" for n in full.nodes.values()) == n_params
    assert sum(n.title.startswith("ConvolutionBackward") for n in full.nodes.values()) == 20
    auto = draw_model(model, x, engine="builtin")
    assert len(auto.nodes) <= 60 < len(full.nodes)
    titles = [n.title for n in auto.nodes.values()]
    for name in ("layer1.0: BasicBlock", "layer4.1: BasicBlock", "conv1: Conv2d", "fc: Linear"):
        assert name in titles
    assert _acyclic(auto)
    # the chain of blocks in order, each edge labelled with the activation's shape
    by_title = {n.title: k for k, n in auto.nodes.items()}
    edge = {(e.src, e.dst): e.label for e in auto.edges}
    assert edge[(by_title["layer1.1: BasicBlock"], by_title["layer2.0: BasicBlock"])] == \
        "(2, 64, 4, 4) float32"
    # every parameter went into a box: counts add up to the model's
    counted = sum(int(m.group(1)) for n in auto.nodes.values() for line in n.lines
                  for m in [re.match(r"(\d+) params? \(", line)] if m)
    assert counted == n_params
    leafmods = draw_model(model, x, collapse="module", engine="builtin")
    assert sum(n.title.endswith(": Conv2d") for n in leafmods.nodes.values()) == 20
    assert _acyclic(leafmods)
    top = draw_model(model, x, collapse="module", depth=1, engine="builtin")
    assert [n.title for n in top.nodes.values() if n.kind == "module"][:4] == [
        "fc: Linear", "avgpool: AdaptiveAvgPool2d", "layer4: Sequential", "layer3: Sequential"]
    ET.fromstring(auto.svg())


def test_two_layer_transformer_collapses():
    gradkit.manual_seed(0)
    enc = nn.TransformerEncoder(nn.TransformerEncoderLayer(16, 2, dim_feedforward=32,
                                                           batch_first=True), num_layers=2)
    x = gradkit.randn(2, 5, 16)
    full = draw_model(enc, x, collapse=None, engine="builtin")
    auto = draw_model(enc, x, engine="builtin")
    assert len(auto.nodes) <= 60 < len(full.nodes)
    titles = [n.title for n in auto.nodes.values()]
    for i in (0, 1):
        assert f"layers.{i}.self_attn: MultiheadAttention" in titles
        assert f"layers.{i}.linear1: Linear" in titles
    assert _acyclic(auto)
    # ModuleList is never called itself: depth counts nested calls, so 1 = the layers
    blocks = draw_model(enc, x, collapse="module", depth=1, engine="builtin")
    assert [n.title for n in blocks.nodes.values() if n.kind == "module"] == [
        "layers.1: TransformerEncoderLayer", "layers.0: TransformerEncoderLayer"]
    ET.fromstring(auto.svg())


def test_module_called_twice_gets_two_boxes():
    class Twice(nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = nn.Linear(3, 3)
            self.act = nn.Tanh()

        def forward(self, x):
            return self.act(self.lin(self.act(self.lin(x))))

    model = Twice()
    pic = draw_model(model, gradkit.randn(2, 3), collapse="module", engine="builtin")
    titles = sorted(n.title for n in pic.nodes.values() if n.kind == "module")
    assert titles == ["act: Tanh call 1", "act: Tanh call 2", "lin: Linear call 1",
                      "lin: Linear call 2"]
    assert _acyclic(pic)
    # the shared weight feeds both calls, so it stays its own box
    assert {n.title for n in pic.nodes.values() if n.kind == "param"} == {"lin.weight",
                                                                          "lin.bias"}


def test_errors():
    x = gradkit.randn(3)
    with pytest.raises(ValueError, match="no grad_fn"):
        draw_graph(x.sum())
    y = gradkit.randn(3, requires_grad=True).sum()
    with pytest.raises(ValueError, match="ModuleTrace"):
        draw_graph(y, collapse="module")
    with pytest.raises(ValueError, match="collapse"):
        draw_graph(y, collapse="layers")
    with pytest.raises(ValueError, match="engine"):
        draw_graph(y, engine="neato")
    lin = nn.Linear(2, 2)
    with ModuleTrace(lin) as trace:
        out = lin(gradkit.randn(1, 2))
    assert not lin._forward_hooks  # the hooks are removed on exit
    assert isinstance(draw_graph(out, modules=trace, collapse="module"), GraphPicture)


def test_accumulate_grad_style_leaves():
    """Leaves reached through PyTorch-style AccumulateGrad nodes (``.variable``) are drawn as the
    tensors they hold, under their parameter names."""

    class AccumulateGrad:
        def __init__(self, variable):
            self.variable = variable
            self.next_functions = ()

        def name(self):
            return "torch::autograd::AccumulateGrad"

    class Node:
        def __init__(self, name, nexts):
            self._name, self.next_functions = name, tuple((n, 0) for n in nexts)

        def name(self):
            return self._name

    w = gradkit.randn(2, 2, requires_grad=True)
    out = gradkit.randn(2, requires_grad=True).sum()
    out.grad_fn = Node("SumBackward0", [Node("MvBackward0", [AccumulateGrad(w), None])])
    pic = draw_graph(out, {"w": w})
    assert {n.title: n.kind for n in pic.nodes.values()} == {
        "output": "output", "SumBackward0": "op", "MvBackward0": "op", "w": "param"}
    assert len(pic.edges) == 3
