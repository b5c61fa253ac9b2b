"""gradkit.nn.utils.prune against torch.nn.utils.prune: masks, the reparametrisation, iterative
pruning through PruningContainer, global pruning, remove, errors."""

import numpy as np
import pytest

import gradkit as gk
from gradkit.nn.utils import prune

torch = pytest.importorskip("torch")
tprune = pytest.importorskip("torch.nn.utils.prune")


def _pair(kind="conv"):
    """The same module in both libraries (same weights)."""
    gk.manual_seed(0)
    g = gk.nn.Conv2d(4, 6, 3) if kind == "conv" else gk.nn.Linear(8, 5)
    t = torch.nn.Conv2d(4, 6, 3) if kind == "conv" else torch.nn.Linear(8, 5)
    with torch.no_grad():
        for name, p in g.named_parameters():
            getattr(t, name).copy_(torch.tensor(p.detach().numpy()))
    return g, t


def _same(g, t, name="weight"):
    np.testing.assert_array_equal(getattr(g, name + "_mask").numpy(),
                                  getattr(t, name + "_mask").numpy())
    np.testing.assert_allclose(getattr(g, name).detach().numpy(),
                               getattr(t, name).detach().numpy(), rtol=0, atol=0)


STEPS = {
    "identity": lambda P, m: P.identity(m, "weight"),
    "l1": lambda P, m: P.l1_unstructured(m, "weight", amount=0.3),
    "l1_int": lambda P, m: P.l1_unstructured(m, "bias", amount=2),
    "random": lambda P, m: P.random_unstructured(m, "weight", amount=0.4),
    "random_structured": lambda P, m: P.random_structured(m, "weight", amount=0.5, dim=0),
    "ln_structured": lambda P, m: P.ln_structured(m, "weight", amount=2, n=2, dim=0),
    "l1_structured_dim1": lambda P, m: P.ln_structured(m, "weight", amount=0.25, n=1, dim=1),
    "inf_structured": lambda P, m: P.ln_structured(m, "weight", amount=1, n=float("inf"),
                                                   dim=-1),
}


@pytest.mark.parametrize("kind", ["conv", "linear"])
@pytest.mark.parametrize("step", sorted(STEPS))
def test_each_method_gives_pytorchs_mask(kind, step):
    g, t = _pair(kind)
    gk.manual_seed(3)
    torch.manual_seed(3)
    STEPS[step](prune, g)
    STEPS[step](tprune, t)
    name = "bias" if step == "l1_int" else "weight"
    _same(g, t, name)
    assert sorted(n for n, _ in g.named_parameters()) == sorted(n for n, _ in t.named_parameters())
    assert sorted(n for n, _ in g.named_buffers()) == sorted(n for n, _ in t.named_buffers())
    assert list(g.state_dict()) == list(t.state_dict())
    assert prune.is_pruned(g) and tprune.is_pruned(t)


@pytest.mark.parametrize("sequence", [("l1", "random", "ln_structured"),
                                      ("ln_structured", "l1", "random_structured"),
                                      ("random_structured", "identity", "l1")])
def test_iterative_pruning_combines_masks_as_pytorch(sequence):
    g, t = _pair("conv")
    gk.manual_seed(5)
    torch.manual_seed(5)
    for step in sequence:
        STEPS[step](prune, g)
        STEPS[step](tprune, t)
        _same(g, t)
    hooks = [h for h in g._forward_pre_hooks.values() if isinstance(h, prune.BasePruningMethod)]
    assert len(hooks) == 1 and isinstance(hooks[0], prune.PruningContainer)
    assert [type(m).__name__ for m in hooks[0]] == \
        [type(m).__name__ for m in next(iter(t._forward_pre_hooks.values()))]


def test_forward_uses_the_mask_and_gradients_reach_orig_where_kept():
    g, t = _pair("linear")
    prune.l1_unstructured(g, "weight", amount=0.5)
    tprune.l1_unstructured(t, "weight", amount=0.5)
    x = np.random.default_rng(0).standard_normal((3, 8)).astype(np.float32)
    outs = []
    for m, lib in ((g, gk), (t, torch)):
        out = m(lib.tensor(x))
        out.square().sum().backward()
        outs.append(out.detach().numpy())
    np.testing.assert_allclose(outs[0], outs[1], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(g.weight_orig.grad.numpy(), t.weight_orig.grad.numpy(),
                               rtol=1e-5, atol=1e-6)
    assert (g.weight_orig.grad.numpy()[g.weight_mask.numpy() == 0] == 0).all()


def test_remove_makes_pruning_permanent():
    g, t = _pair("conv")
    prune.ln_structured(g, "weight", amount=0.5, n=2, dim=0)
    tprune.ln_structured(t, "weight", amount=0.5, n=2, dim=0)
    prune.remove(g, "weight")
    tprune.remove(t, "weight")
    assert isinstance(g.weight, gk.nn.Parameter)
    np.testing.assert_array_equal(g.weight.detach().numpy(), t.weight.detach().numpy())
    assert list(g.state_dict()) == list(t.state_dict()) == ["bias", "weight"]
    assert not prune.is_pruned(g)
    with pytest.raises(ValueError, match="has to be pruned"):
        prune.remove(g, "weight")


def test_global_unstructured_ranks_all_tensors_together():
    g1, t1 = _pair("conv")
    g2, t2 = _pair("linear")
    prune.l1_unstructured(g2, "weight", amount=3)  # an earlier mask is respected
    tprune.l1_unstructured(t2, "weight", amount=3)
    prune.global_unstructured([(g1, "weight"), (g2, "weight"), (g2, "bias")],
                              pruning_method=prune.L1Unstructured, amount=0.6)
    tprune.global_unstructured([(t1, "weight"), (t2, "weight"), (t2, "bias")],
                               pruning_method=tprune.L1Unstructured, amount=0.6)
    _same(g1, t1)
    _same(g2, t2)
    _same(g2, t2, "bias")


def test_custom_from_mask_and_importance_scores():
    g, t = _pair("linear")
    mask = (np.arange(40).reshape(5, 8) % 3 != 0).astype(np.float32)
    prune.custom_from_mask(g, "weight", gk.tensor(mask))
    tprune.custom_from_mask(t, "weight", torch.tensor(mask))
    _same(g, t)
    scores = np.random.default_rng(1).random(5).astype(np.float32)
    prune.l1_unstructured(g, "bias", amount=2, importance_scores=gk.tensor(scores))
    tprune.l1_unstructured(t, "bias", amount=2, importance_scores=torch.tensor(scores))
    _same(g, t, "bias")


@pytest.mark.parametrize("call, exc", [
    (lambda P, m: P.l1_unstructured(m, "weight", amount=1.5), ValueError),
    (lambda P, m: P.l1_unstructured(m, "weight", amount=-1), ValueError),
    (lambda P, m: P.l1_unstructured(m, "weight", amount="half"), TypeError),
    (lambda P, m: P.l1_unstructured(m, "weight", amount=1000), ValueError),
    (lambda P, m: P.random_structured(m, "bias", amount=1, dim=0), ValueError),
    (lambda P, m: P.ln_structured(m, "weight", amount=1, n=2, dim=4), IndexError),
])
def test_bad_arguments_raise_pytorchs_errors_and_leave_the_module(call, exc):
    g, t = _pair("linear")
    with pytest.raises(exc):
        call(tprune, t)
    with pytest.raises(exc):
        call(prune, g)
    assert sorted(n for n, _ in g.named_parameters()) == ["bias", "weight"]
    assert not prune.is_pruned(g)
