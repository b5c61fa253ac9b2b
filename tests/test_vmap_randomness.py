"""Random ops under ``vmap(randomness=...)`` run batched and draw torch.func's numbers:
'different' the physical batch at once, 'same' one entry's worth for all; the generator is
left where torch's is; 'error' and 'same' of a batched input raise PyTorch's errors."""

import numpy as np
import pytest

import gradkit as gk
from gradkit import _vmap

torch = pytest.importorskip("torch")

TX = torch.arange(24.0).reshape(3, 8) / 30 + 0.1
GX = gk.tensor(TX.numpy())

# name -> (torch's function, gradkit's)
CASES = {
    "rand_like": (lambda t: torch.rand_like(t), lambda t: gk.rand_like(t)),
    "randn_like": (lambda t: torch.randn_like(t), lambda t: gk.randn_like(t)),
    "randint_like": (lambda t: torch.randint_like(t, 10), lambda t: gk.randint_like(t, 10)),
    "dropout": (lambda t: torch.nn.functional.dropout(t, 0.5),
                lambda t: gk.nn.functional.dropout(t, 0.5)),
    "Dropout_module": (torch.nn.Dropout(0.3), gk.nn.Dropout(0.3)),
    "normal_": (lambda t: t.clone().normal_(), lambda t: t.clone().normal_()),
    "uniform_": (lambda t: t.clone().uniform_(-1, 2), lambda t: t.clone().uniform_(-1, 2)),
    "bernoulli_": (lambda t: t.clone().bernoulli_(0.3), lambda t: t.clone().bernoulli_(0.3)),
    "exponential_": (lambda t: t.clone().exponential_(), lambda t: t.clone().exponential_()),
    "mixed": (lambda t: torch.nn.functional.dropout(t.sin(), 0.2) * torch.randn_like(t),
              lambda t: gk.nn.functional.dropout(t.sin(), 0.2) * gk.randn_like(t)),
}
DIFFERENT_ONLY = {
    "bernoulli": (lambda t: torch.bernoulli(t), lambda t: gk.bernoulli(t)),
    "normal_of_mean": (lambda t: torch.normal(t, 2.0), lambda t: gk.normal(t, 2.0)),
}


def _both(tfn, gfn, randomness, x=(TX, GX)):
    torch.manual_seed(3)
    theirs = torch.func.vmap(tfn, randomness=randomness)(x[0])
    after_t = torch.rand(4)
    gk.manual_seed(3)
    before = dict(_vmap.STATS)
    ours = gk.func.vmap(gfn, randomness=randomness)(x[1])
    after_g = gk.rand(4)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6, atol=1e-7)
    np.testing.assert_array_equal(after_g.numpy(), after_t.numpy())  # the stream goes on alike
    return _vmap.STATS["batched"] > before["batched"]


@pytest.mark.parametrize("randomness", ["different", "same"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_random_ops_run_batched_and_draw_torch_funcs_numbers(name, randomness):
    assert _both(*CASES[name], randomness)


@pytest.mark.parametrize("name", sorted(DIFFERENT_ONLY))
def test_random_ops_of_a_batched_input(name):
    tfn, gfn = DIFFERENT_ONLY[name]
    assert _both(tfn, gfn, "different")
    with pytest.raises(RuntimeError, match="same randomness with a batched tensor input"):
        torch.func.vmap(tfn, randomness="same")(TX)
    with pytest.raises(RuntimeError, match="same randomness with a batched tensor input"):
        gk.func.vmap(gfn, randomness="same")(GX)


def test_randomness_error_raises_pytorchs_error_and_leaves_the_generator():
    gk.manual_seed(0)
    state = gk.get_rng_state()
    for fn in (lambda t: gk.rand_like(t), lambda t: t + gk.randn(8)):
        with pytest.raises(RuntimeError, match="called random operation while in randomness "
                                               "error mode"):
            gk.func.vmap(fn)(GX)
        np.testing.assert_array_equal(gk.get_rng_state().numpy(), state.numpy())


def test_a_factory_draw_keeps_its_semantics():
    # 'same': one draw every entry sees (batched); 'different': each entry draws in turn
    # (entry by entry: torch.func draws the batch at once, the same numbers for rand)
    assert _both(lambda t: t + torch.randn(8), lambda t: t + gk.randn(8), "same")
    assert not _both(lambda t: t * torch.rand(8), lambda t: t * gk.rand(8), "different")


def test_nested_vmaps_with_their_own_randomness():
    x = torch.zeros(2, 3, 4)
    def f(L):
        return (lambda t: L.rand_like(t))
    for outer, inner in (("different", "same"), ("same", "different"),
                         ("different", "different")):
        torch.manual_seed(1)
        theirs = torch.func.vmap(torch.func.vmap(f(torch), randomness=inner),
                                 randomness=outer)(x)
        gk.manual_seed(1)
        ours = gk.func.vmap(gk.func.vmap(f(gk), randomness=inner),
                            randomness=outer)(gk.zeros(2, 3, 4))
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy(), err_msg=f"{outer}/{inner}")


def test_chunks_under_same_draw_the_same_numbers_as_torch():
    def f(L):
        return (lambda t: t + L.randn_like(t))
    torch.manual_seed(5)
    theirs = torch.func.vmap(f(torch), randomness="same", chunk_size=2)(TX)
    gk.manual_seed(5)
    ours = gk.func.vmap(f(gk), randomness="same", chunk_size=2)(GX)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)
