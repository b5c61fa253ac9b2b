"""Window functions against PyTorch's: values, dtypes, periodic and symmetric forms, lengths 0
and 1, parameters, errors."""

import warnings

import numpy as np
import pytest

import gradkit as gk

torch = pytest.importorskip("torch")

NAMES = ["hann_window", "hamming_window", "blackman_window", "bartlett_window", "kaiser_window"]


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("n", [0, 1, 2, 3, 8, 33])
@pytest.mark.parametrize("periodic", [True, False])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_windows_as_pytorch(name, n, periodic, dtype):
    ours = getattr(gk, name)(n, periodic, dtype=getattr(gk, dtype))
    theirs = getattr(torch, name)(n, periodic, dtype=getattr(torch, dtype))
    assert tuple(ours.shape) == tuple(theirs.shape)
    assert ours.numpy().dtype == theirs.numpy().dtype
    tol = 1e-6 if dtype == "float32" else 1e-12
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=0, atol=tol)


def test_parameters_default_dtype_and_grad():
    np.testing.assert_allclose(gk.hamming_window(7, False, 0.6, 0.4).numpy(),
                               torch.hamming_window(7, False, 0.6, 0.4).numpy(), atol=1e-6)
    np.testing.assert_allclose(gk.kaiser_window(9, True, 5.0).numpy(),
                               torch.kaiser_window(9, True, 5.0).numpy(), atol=1e-6)
    assert gk.hann_window(4).dtype == gk.float32
    assert gk.hann_window(4, requires_grad=True).requires_grad


def test_errors_as_pytorch():
    for lib in (gk, torch):
        with pytest.raises(RuntimeError):
            lib.hann_window(-1)
        with pytest.raises(RuntimeError):
            lib.hann_window(4, dtype=lib.int64)
        with pytest.raises(TypeError):
            lib.hann_window(4.0)


@pytest.mark.parametrize("args, kwargs", [
    ((5,), {"alpha": 0.5, "beta": 0.4}), ((5,), {"alpha": 0.5}), ((5, True), {"beta": 0.4}),
    ((5, 0.5), {}), ((5, 0.5, 0.4), {}), ((5, True, 0.5), {}), ((5, False), {"alpha": 0.3}),
    ((5,), {"periodic": False, "alpha": 0.3, "beta": 0.2}), ((5,), {}),
])
def test_hamming_window_overloads_as_torch(torch, args, kwargs):
    # alpha needs periodic and beta needs alpha (PyTorch's overloads); hamming_window(N,
    # alpha=, beta=) was taken with periodic's default
    def call(m):
        return m.hamming_window(*args, **kwargs)

    try:
        want = call(torch).numpy()
    except TypeError:
        with pytest.raises(TypeError, match="hamming_window"):
            call(gk)
        return
    np.testing.assert_allclose(call(gk).numpy(), want, atol=1e-6)


def test_kaiser_window_takes_beta_with_periodic_only_as_torch():
    # PyTorch's overloads are (n), (n, periodic) and (n, periodic, beta): beta= alone is its
    # TypeError (gradkit used it with the default periodic)
    torch = pytest.importorskip("torch")
    for L in (gk, torch):
        with pytest.raises(TypeError):
            L.kaiser_window(4, beta=2.0)
        np.testing.assert_allclose(L.kaiser_window(4, True, beta=2.0).numpy(),
                                   torch.kaiser_window(4, periodic=True, beta=2.0).numpy(),
                                   rtol=1e-6)


@pytest.mark.parametrize("beta", [float("inf"), float("-inf"), float("nan"), 1e3])
def test_kaiser_window_of_an_extreme_beta_as_torch_without_numpy_warnings(beta):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # NumPy's 'invalid value' warning leaked before
        ours = gk.kaiser_window(6, True, beta)
    np.testing.assert_array_equal(ours.numpy(), torch.kaiser_window(6, True, beta).numpy())


def test_windows_follow_pytorchs_arithmetic_in_their_dtype():
    # arange * scalar, cos, scalar multiply-add, each rounded to the dtype: Bartlett bit for
    # bit; the cosine windows up to the last bit of cos (SLEEF's against NumPy's) in a few
    # entries
    torch = pytest.importorskip("torch")
    for name in ("hann", "hamming", "blackman", "bartlett"):
        bad = total = 0
        for n in list(range(0, 40)) + [64, 100, 400, 1024]:
            for periodic in (True, False):
                for dt in ("float32", "float64"):
                    got = getattr(gk, name + "_window")(n, periodic, dtype=getattr(gk, dt))
                    want = getattr(torch, name + "_window")(n, periodic,
                                                            dtype=getattr(torch, dt))
                    g, w = got.numpy(), want.numpy()
                    assert g.dtype == w.dtype and g.shape == w.shape
                    if name == "bartlett":
                        np.testing.assert_array_equal(g, w, err_msg=f"{name}({n}, {periodic})")
                    else:
                        np.testing.assert_allclose(g, w, rtol=0,
                                                   atol=2e-7 if dt == "float32" else 4e-16)
                        bad, total = bad + int((g != w).sum()), total + g.size
        assert bad <= 0.06 * max(total, 1), (name, bad, total)
    # the value that made a printed window read otherwise
    assert gk.blackman_window(4)[0].item() == torch.blackman_window(4)[0].item()
