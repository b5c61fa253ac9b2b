"""Average pooling rounds as PyTorch's CPU kernels, bit for bit: each window summed in
row-major order, then divided (not multiplied by a reciprocal); uneven adaptive windows divided
by their height, then their width; the backward's shares added to each input element in the
order of the windows."""

import numpy as np
import pytest

import gradkit as gk

torch = pytest.importorskip("torch")

CASES = [((2, 3, 8, 7), (3, 2)), ((2, 3, 9, 9), (4, 5)), ((1, 2, 7, 7), 3), ((2, 4, 8, 8), 2),
         ((2, 3, 10, 6), (1, 4)), ((2, 2, 5, 5), (5, 5))]


def _run(L, fn, a, seed):
    x = L.tensor(a, requires_grad=True)
    y = fn(L, x)
    g = L.tensor(np.random.default_rng(seed).standard_normal(tuple(y.shape)).astype(a.dtype))
    (gx,) = L.autograd.grad((y * g).sum(), x)
    return y.detach().numpy(), gx.numpy()


@pytest.mark.parametrize("shape,size", CASES)
@pytest.mark.parametrize("kind", ["adaptive", "avg", "avg_override"])
def test_average_pooling_is_torch_bits(shape, size, kind):
    fns = {
        "adaptive": lambda L, x: L.nn.functional.adaptive_avg_pool2d(x, size),
        "avg": lambda L, x: L.nn.functional.avg_pool2d(x, 3, 2, 1, count_include_pad=False),
        "avg_override": lambda L, x: L.nn.functional.avg_pool2d(x, 2, divisor_override=3),
    }
    a = np.random.default_rng(sum(shape)).standard_normal(shape).astype(np.float32)
    (yg, gg), (yt, gt) = (_run(L, fns[kind], a, 7) for L in (gk, torch))
    assert yg.tobytes() == yt.tobytes()
    assert gg.tobytes() == gt.tobytes()
