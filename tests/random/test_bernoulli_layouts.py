"""``bernoulli``/``bernoulli_`` with tensor probabilities as PyTorch draws them: one uniform per
element in the target's memory order (a transposed or permuted tensor column by column), the
result of ``bernoulli(p)`` row-major whatever ``p``'s layout, ``out=``, PyTorch's errors for
integer and complex tensors and for probabilities outside [0, 1] (raised after the draws of
the elements before, as PyTorch)."""

import numpy as np
import pytest

import gradkit as gk


def _both(torch, fn, seed=5):
    torch.manual_seed(seed)
    gk.manual_seed(seed)
    t, g = fn(torch), fn(gk)
    np.testing.assert_array_equal(gk.get_rng_state().numpy(), torch.get_rng_state().numpy())
    return g, t


def _probs(lib, layout, dtype="float32"):
    a = np.random.default_rng(0).random((3, 4, 5))
    if layout == "permuted":
        return lib.tensor(np.ascontiguousarray(a.transpose(2, 1, 0)),
                          dtype=getattr(lib, dtype)).permute(2, 1, 0)
    if layout == "transposed":
        return lib.tensor(np.ascontiguousarray(a[0].T), dtype=getattr(lib, dtype)).t()
    return lib.tensor(a, dtype=getattr(lib, dtype))


@pytest.mark.parametrize("layout", ["contiguous", "transposed", "permuted"])
@pytest.mark.parametrize("dtype", ["float32", "float64", "float16"])
def test_bernoulli_of_probabilities_follows_memory_order(torch, layout, dtype):
    g, t = _both(torch, lambda lib: lib.bernoulli(_probs(lib, layout, dtype)))
    np.testing.assert_array_equal(g.float().numpy(), t.float().numpy())
    assert g.stride() == t.stride()


@pytest.mark.parametrize("layout", ["transposed", "permuted"])
def test_bernoulli_inplace_on_a_permuted_target(torch, layout):
    def fill(lib):
        x = _probs(lib, layout, "float64").clone().zero_()
        if layout == "permuted":
            x = lib.zeros(5, 4, 3, dtype=lib.float64).permute(2, 1, 0)
        return x.bernoulli_(_probs(lib, "contiguous")[0] if layout == "transposed"
                            else _probs(lib, "contiguous"))
    g, t = _both(torch, fill)
    np.testing.assert_array_equal(g.numpy(), t.numpy())


def test_bernoulli_out(torch):
    g, t = _both(torch, lambda lib: lib.bernoulli(_probs(lib, "contiguous"),
                                                  out=lib.empty(3, 4, 5)))
    np.testing.assert_array_equal(g.numpy(), t.numpy())


def test_bernoulli_with_number_p_checks_it(torch):
    for lib in (torch, gk):
        with pytest.raises(RuntimeError, match="p to be in"):
            lib.bernoulli(lib.zeros(3), 1.5)


@pytest.mark.parametrize("make, exc", [
    (lambda lib: lib.bernoulli(lib.ones(3, dtype=lib.int64)), NotImplementedError),
    (lambda lib: lib.bernoulli(lib.ones(3, dtype=lib.bool)), NotImplementedError),
    (lambda lib: lib.zeros(3, dtype=lib.complex64).bernoulli_(lib.ones(3)),
     NotImplementedError),
    (lambda lib: lib.bernoulli(lib.tensor([0.2, 0.5, 0.3, 1.5, 0.1])), RuntimeError),
    (lambda lib: lib.bernoulli(lib.tensor([[0.2, 0.5], [-0.3, 0.1]]).t()), RuntimeError),
])
def test_bad_probabilities_raise_as_pytorch(torch, make, exc):
    torch.manual_seed(1)
    gk.manual_seed(1)
    with pytest.raises(exc):
        make(torch)
    with pytest.raises(exc):
        make(gk)
    np.testing.assert_array_equal(gk.get_rng_state().numpy(), torch.get_rng_state().numpy())
