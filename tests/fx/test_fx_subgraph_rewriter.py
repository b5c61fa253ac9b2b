"""torch.fx.subgraph_rewriter.replace_pattern against PyTorch: every occurrence replaced, in
the same places, matches chained through an earlier replacement, a pattern whose inner value
is used elsewhere left alone."""

import importlib

import numpy as np
import pytest

import gradkit as gk

torch = pytest.importorskip("torch")


def _rewrite(lib, model_factory, pattern, replacement):
    rp = importlib.import_module(f"{lib.__name__}.fx.subgraph_rewriter").replace_pattern
    gm = lib.fx.symbolic_trace(model_factory(lib))
    matches = rp(gm, pattern(lib), replacement(lib))
    gm.graph.lint()
    return gm, matches


def _cat_model(lib):
    class CatSum(lib.nn.Module):
        def forward(self, x, w1, w2):
            m1 = lib.cat([w1, w2]).sum()
            m2 = lib.cat([w1, w2]).sum()
            return x + lib.max(m1) + lib.max(m2)

    return CatSum()


def _chain_model(lib):
    class Chain(lib.nn.Module):
        def forward(self, x):
            a = lib.relu(x) + 1
            b = lib.relu(a) + 1
            c = lib.relu(b)
            return c + 1, c  # c is used outside "relu(b) + 1": not a match

    return Chain()


CASES = {
    "cat_sum_to_stack": (_cat_model, lambda lib: lambda w1, w2: lib.cat([w1, w2]).sum(),
                         lambda lib: lambda w1, w2: lib.stack([w1, w2])),
    "relu_add_to_sigmoid_mul": (_chain_model, lambda lib: lambda x: lib.relu(x) + 1,
                                lambda lib: lambda x: lib.sigmoid(x) * 2),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_replace_pattern_matches_pytorch(case):
    model, pattern, replacement = CASES[case]
    g, g_matches = _rewrite(gk, model, pattern, replacement)
    t, t_matches = _rewrite(torch, model, pattern, replacement)
    assert g.code == t.code
    assert len(g_matches) == len(t_matches) == 2
    assert [sorted((p.name, n.name) for p, n in m.nodes_map.items()) for m in g_matches] == \
        [sorted((p.name, n.name) for p, n in m.nodes_map.items()) for m in t_matches]
    args = [np.arange(1, 4, dtype=np.float32)] * (3 if case == "cat_sum_to_stack" else 1)
    go = g(*[gk.tensor(a) for a in args])
    to = t(*[torch.tensor(a) for a in args])
    go, to = (go, to) if isinstance(go, tuple) else ((go,), (to,))
    for a, b in zip(go, to):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-6)


def test_replace_pattern_needs_the_same_inputs():
    from gradkit.fx.subgraph_rewriter import replace_pattern

    gm = gk.fx.symbolic_trace(_chain_model(gk))
    with pytest.raises(ValueError, match="the pattern takes 1 inputs and the replacement 2"):
        replace_pattern(gm, lambda x: gk.relu(x) + 1, lambda x, y: x + y)
