"""ReLU's backward mask (``xp.keep``) against PyTorch's threshold_backward on gradients large
enough for the finiteness check to run through a dot product: an inf or nan gradient where the
output is 0 gives 0, a nan output passes its gradient, and a gradient whose sum of squares
overflows (every value finite) still gives the exact masked product."""

import numpy as np
import pytest

import gradkit as gk
from gradkit._backend import _all_finite

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.float16], ids=lambda d: d.__name__)
@pytest.mark.parametrize("grad", ["finite", "inf", "-inf", "nan", "huge", "strided"])
def test_relu_backward_as_pytorch(dtype, grad):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((8, 32, 33)).astype(dtype)
    x[0, 0, :4] = [np.nan, 0.0, -0.0, -1.0]
    g = rng.standard_normal(x.shape).astype(dtype)
    if grad in ("inf", "-inf", "nan"):
        v = float(grad)
        g[x <= 0] = v  # masked out: 0 in PyTorch
        g[1, 2, 3] = v  # and one that passes, wherever x > 0 there
    elif grad == "huge":
        g[:] = np.finfo(dtype).max / 2
    if grad == "strided":
        g = np.asfortranarray(g)
    gx = gk.tensor(x, requires_grad=True)
    gx.relu().backward(gk.tensor(g))
    tx = torch.tensor(x, requires_grad=True)
    tx.relu().backward(torch.tensor(g))
    np.testing.assert_array_equal(gx.grad.numpy(), tx.grad.numpy())


def test_all_finite():
    g = np.ones(5000, np.float32)
    assert _all_finite(g)
    for v in (np.inf, -np.inf, np.nan):
        g[4321] = v
        assert not _all_finite(g)
    g[4321] = 3e38  # finite, but its square overflows: read as non-finite (the exact path)
    assert not _all_finite(g)
