"""torch.fx.passes.split_module against PyTorch: the same traced model split by the same
callback gives the same outer code, the same submodules (names, code, parameters) and the
same outputs."""

import numpy as np
import pytest

import gradkit as gk

torch = pytest.importorskip("torch")
from torch.fx.passes.split_module import split_module as torch_split  # noqa: E402

from gradkit.fx.passes.split_module import split_module as gk_split  # noqa: E402


def _model(lib):
    class M(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.a = lib.nn.Linear(4, 4)
            self.b = lib.nn.Linear(4, 4)
            self.p = lib.nn.Parameter(lib.ones(4))

        def forward(self, x, y):
            h = self.a(x) + y
            z = lib.relu(h) * self.p
            return self.b(z) + h, z
    return M()


def _split(lib, split, callback):
    lib.manual_seed(0)
    m = _model(lib)
    if lib is gk:
        t = _model(torch)
        m.load_state_dict({k: gk.tensor(v.detach().numpy()) for k, v in t.state_dict().items()})
    else:
        torch.manual_seed(0)
    gm = lib.fx.symbolic_trace(m)
    return m, split(gm, m, callback)


CALLBACKS = {
    "two": lambda n: 0 if n.name in ("a", "add") else 1,
    "each": lambda n: ["a", "add", "relu", "mul", "b", "add_1"].index(n.name),
    "three": lambda n: {"a": 2, "add": 2, "relu": 1, "mul": 1}.get(n.name, 0),
}


@pytest.mark.parametrize("name", list(CALLBACKS))
def test_split_matches_torch(name):
    t_m, t_split = _split(torch, torch_split, CALLBACKS[name])
    g_m, g_split = _split(gk, gk_split, CALLBACKS[name])
    assert g_split.code == t_split.code
    t_children = dict(t_split.named_children())
    g_children = dict(g_split.named_children())
    assert list(g_children) == list(t_children)
    for k in t_children:
        assert g_children[k].code == t_children[k].code
    assert [n for n, _ in g_split.named_parameters()] == \
        [n for n, _ in t_split.named_parameters()]
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((2, 3, 4)).astype(np.float32)
    got = g_split(gk.tensor(x), gk.tensor(y))
    want = g_m(gk.tensor(x), gk.tensor(y))
    for a, b in zip(got, want):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-6)


def test_split_with_a_cycle_between_partitions():
    for lib, split in ((gk, gk_split), (torch, torch_split)):
        with pytest.raises(RuntimeError, match="cycle"):
            _split(lib, split, lambda n: {"call_module": 0}.get(n.op, 1))


def test_split_refuses_a_non_graph_module():
    with pytest.raises(TypeError, match="GraphModule"):
        gk_split(_model(gk), _model(gk), lambda n: 0)
