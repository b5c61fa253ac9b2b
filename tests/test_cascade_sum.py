"""float32/float64 sums and means add in PyTorch's CPU order (gradkit/_cascade_sum.py), so
printed results agree to the last bit, for every layout PyTorch picks a kernel by."""

import numpy as np
import pytest

import gradkit as gk
from gradkit import _cascade_sum

torch = pytest.importorskip("torch")

pytestmark = pytest.mark.skipif(not _cascade_sum.lane_bytes,
                                reason="PyTorch's order is followed on x86 CPUs with AVX2")


def _cases(seed, count):
    rng = np.random.RandomState(seed)
    sizes = [1, 2, 3, 5, 7, 8, 9, 15, 16, 17, 31, 33, 64, 65, 100, 130, 300]
    made = 0
    while made < count:
        nd = rng.randint(1, 5)
        shape = tuple(int(rng.choice(sizes)) for _ in range(nd))
        if np.prod(shape) > 16384:
            continue
        dt = np.float32 if rng.rand() < 0.7 else np.float64
        x = (rng.randn(*shape) * np.exp(rng.randn(*shape) * 2)).astype(dt)
        if nd > 1 and rng.rand() < 0.3:  # another memory order (transposed, channels-last...)
            perm = rng.permutation(nd)
            x = np.ascontiguousarray(x.transpose(perm)).transpose(np.argsort(perm))
        if rng.rand() < 0.2:  # a strided view
            x = x[tuple(slice(None, None, int(rng.choice([1, 2]))) for _ in range(nd))]
        dims = None if rng.rand() < 0.3 else tuple(
            int(d) for d in rng.choice(nd, rng.randint(1, nd + 1), replace=False))
        made += 1
        yield x, dims


@pytest.fixture
def any_size(monkeypatch):
    """The order for reductions of every size here (gradkit applies it up to MAX_ELEMENTS)."""
    monkeypatch.setattr(_cascade_sum, "MAX_ELEMENTS", 1 << 20)


@pytest.fixture
def same_threads():
    before = torch.get_num_threads(), gk.get_num_threads()
    torch.set_num_threads(before[1])
    yield
    torch.set_num_threads(before[0])


def test_sum_and_mean_bit_equal_to_torch(same_threads, any_size):
    for x, dims in _cases(0, 400):
        t, g = torch.from_numpy(x), gk.from_numpy(x)
        for name in ("sum", "mean"):
            want = (getattr(t, name)() if dims is None else getattr(t, name)(dims)).numpy()
            got = (getattr(g, name)() if dims is None else getattr(g, name)(dims)).numpy()
            assert got.shape == want.shape
            assert np.array_equal(got, want), (name, x.shape, x.strides, dims)


def test_long_rows_use_the_cascade_levels(same_threads, any_size):
    rng = np.random.RandomState(1)
    for shape, dims in [((16384,), None), ((4000, 4), (0,)), ((3, 5000), (1,)),
                        ((300, 40), (0,)), ((40, 300), (1,)), ((2, 4096), None),
                        ((70000,), None), ((5000, 3), (0,))]:
        x = (rng.randn(*shape) * 100).astype(np.float32)
        want = torch.from_numpy(x).sum() if dims is None else torch.from_numpy(x).sum(dims)
        got = gk.from_numpy(x).sum() if dims is None else gk.from_numpy(x).sum(dims)
        assert np.array_equal(got.numpy(), want.numpy()), shape


def test_keepdim_negative_zero_and_specials():
    x = np.array([[-0.0, -0.0], [1.0, np.inf]], np.float32)
    for dims, keep in [((0,), True), ((1,), False), ((0, 1), True)]:
        want = torch.from_numpy(x).sum(dims, keepdim=keep).numpy()
        got = gk.from_numpy(x).sum(dims, keepdim=keep).numpy()
        assert got.shape == want.shape
        assert np.array_equal(got, want) and np.array_equal(np.signbit(got), np.signbit(want))
    nan = np.array([1.0, np.nan, 2.0], np.float32)
    assert np.isnan(gk.from_numpy(nan).sum().item())


def test_larger_reductions_keep_numpys_order():
    x = np.random.RandomState(2).randn(_cascade_sum.MAX_ELEMENTS + 1).astype(np.float32)
    assert _cascade_sum.cascade_sum(x, None, False) is None
    assert gk.from_numpy(x).sum().item() == pytest.approx(float(x.astype(np.float64).sum()),
                                                         rel=1e-5)


def test_gradients_unchanged():
    x = gk.randn(5, 7, requires_grad=True)
    x.mean(0).sum().backward()
    assert np.allclose(x.grad.numpy(), 1 / 5)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_inf_meeting_minus_inf_warns_nothing(dtype):
    # PyTorch's NaN comes quietly; the last lanes and leftover elements were added by
    # np.cumsum, whose "invalid value encountered in accumulate" is NumPy's own module's and
    # escaped gradkit's filter for its floating-point warnings (op fuzzer seed 43 --warnings:
    # trapezoid of a -inf sample point)
    import warnings

    row = [np.inf] + [1.0] * 16 + [-np.inf]
    for x in (gk.tensor([row] * 3, dtype=getattr(gk, dtype)), gk.tensor(row)):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            got = x.sum(-1)
        assert np.isnan(got.numpy()).all()
