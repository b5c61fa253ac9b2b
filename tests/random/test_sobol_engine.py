"""torch.quasirandom.SobolEngine: the same points as PyTorch's (plain and scrambled, seeded or
drawn from the global generator), its bookkeeping (fast_forward, reset, draw_base2, out=) and
its errors."""

import numpy as np
import pytest

import gradkit as gk
from gradkit.quasirandom import SobolEngine, _initial_state


def test_direction_integers_of_every_dimension_are_pytorchs():
    torch = pytest.importorskip("torch")
    dim = SobolEngine.MAXDIM
    ref = torch._sobol_engine_initialize_state_(torch.zeros(dim, 30, dtype=torch.long), dim)
    np.testing.assert_array_equal(_initial_state(dim, 30), ref.numpy())


@pytest.mark.parametrize("dim,scramble,seed", [(1, False, None), (4, False, None),
                                               (3, True, 0), (9, True, 123), (40, True, 7)])
def test_draws_equal_pytorchs(dim, scramble, seed):
    torch = pytest.importorskip("torch")
    a = torch.quasirandom.SobolEngine(dim, scramble=scramble, seed=seed)
    b = SobolEngine(dim, scramble=scramble, seed=seed)
    for n, dt in [(1, "float32"), (5, "float64"), (3, "float32"), (17, "float64")]:
        ra = a.draw(n, dtype=getattr(torch, dt)).numpy()
        rb = b.draw(n, dtype=getattr(gk, dt)).numpy()
        assert ra.dtype == rb.dtype
        np.testing.assert_array_equal(ra, rb)
    a.fast_forward(6)
    b.fast_forward(6)
    np.testing.assert_array_equal(a.draw(4).numpy(), b.draw(4).numpy())
    a.reset()
    b.reset()
    np.testing.assert_array_equal(a.draw_base2(3).numpy(), b.draw_base2(3).numpy())
    np.testing.assert_array_equal(a.quasi.numpy(), b.quasi.numpy())
    assert repr(a) == repr(b)


def test_scrambling_without_seed_reads_the_global_generator():
    torch = pytest.importorskip("torch")
    torch.manual_seed(5)
    gk.manual_seed(5)
    a = torch.quasirandom.SobolEngine(3, scramble=True).draw(4, dtype=torch.float64)
    b = SobolEngine(3, scramble=True).draw(4, dtype=gk.float64)
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    np.testing.assert_array_equal(torch.rand(3).numpy(), gk.rand(3).numpy())


def test_fast_forward_from_the_start_and_out():
    e = SobolEngine(2)
    first = e.draw(8, dtype=gk.float64)
    e.reset().fast_forward(5)
    out = gk.empty(0, dtype=gk.float64)
    r = e.draw(3, out=out, dtype=gk.float64)
    assert r is out
    np.testing.assert_array_equal(out.numpy(), first.numpy()[5:8])
    assert e.num_generated == 8


def test_default_dtype_and_first_point():
    e = SobolEngine(3)
    x = e.draw()
    assert x.dtype == gk.float32 and tuple(x.shape) == (1, 3)
    np.testing.assert_array_equal(x.numpy(), np.zeros((1, 3)))
    np.testing.assert_array_equal(e.draw(3).numpy(), [[0.5] * 3, [0.75, 0.25, 0.25],
                                                      [0.25, 0.75, 0.75]])


def test_errors():
    with pytest.raises(ValueError, match=r"\[1, 21201\]"):
        SobolEngine(0)
    with pytest.raises(ValueError, match=r"\[1, 21201\]"):
        SobolEngine(21202)
    e = SobolEngine(2)
    e.draw(3)
    with pytest.raises(ValueError, match="power of 2"):
        e.draw_base2(2)


def test_reachable_as_torch_quasirandom():
    assert gk.quasirandom.SobolEngine is SobolEngine
