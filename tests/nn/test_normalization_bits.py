"""Normalisation forwards bit for bit as PyTorch's CPU kernels: layer and group norm (the
Welford row moments and fused affine step: ops/_row_moments.py), float32 and float64, rows short
and long, with and without the affine parameters (above ops/_row_moments.EXACT_MAX elements
NumPy's moments stand); batch norm of contiguous float32 (N, C, *) batches, its output and
running statistics."""

import numpy as np
import pytest

import gradkit as gk
from gradkit.ops._row_moments import EXACT_MAX, row_moments

torch = pytest.importorskip("torch")

SIZES = [1, 3, 7, 8, 9, 33, 100, 127, 128, 129, 136, 256, 300, 768, 1000, 2050, 4100]


@pytest.mark.parametrize("dt", [np.float32, np.float64])
@pytest.mark.parametrize("n", SIZES)
def test_row_moments_are_pytorchs(dt, n):
    rng = np.random.default_rng(n)
    x = (rng.standard_normal((3, n)) * 3 + 1).astype(dt)
    _, mean, rstd = torch.ops.aten.native_layer_norm(torch.from_numpy(x), (n,), None, None, 1e-5)
    m, v = row_moments(x)
    np.testing.assert_array_equal(m, mean.numpy().ravel())
    np.testing.assert_array_equal(dt(1) / np.sqrt(v + dt(1e-5)), rstd.numpy().ravel())


@pytest.mark.parametrize("dt", [np.float32, np.float64])
@pytest.mark.parametrize("affine", ["none", "weight", "both"])
@pytest.mark.parametrize("shape", [(4, 16, 64), (32, 10), (3, 7), (2, 5, 300), (3, 1300)])
def test_layer_norm_output_bits(dt, affine, shape):
    rng = np.random.default_rng(7)
    x = (rng.standard_normal(shape) * 2 + 0.5).astype(dt)
    n = shape[-1]
    w = (rng.standard_normal(n) + 1).astype(dt) if affine != "none" else None
    b = rng.standard_normal(n).astype(dt) if affine == "both" else None

    def run(lib):
        t = lambda a: None if a is None else lib.from_numpy(a.copy())  # noqa: E731
        return lib.nn.functional.layer_norm(t(x), (n,), t(w), t(b), 1e-5).numpy()

    np.testing.assert_array_equal(run(gk), run(torch))


def test_module_and_gradients_still_match():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((6, 40)).astype(np.float32)
    gm, tm = gk.nn.LayerNorm(40), torch.nn.LayerNorm(40)
    with torch.no_grad():
        tm.weight.copy_(torch.from_numpy(rng.standard_normal(40).astype(np.float32)))
    gm.weight.data = gk.from_numpy(tm.weight.detach().numpy().copy())
    gx, tx = gk.from_numpy(x.copy()).requires_grad_(), torch.from_numpy(x.copy()).requires_grad_()
    gy, ty = gm(gx), tm(tx)
    np.testing.assert_array_equal(gy.detach().numpy(), ty.detach().numpy())
    (gy * gy).sum().backward()
    (ty * ty).sum().backward()
    np.testing.assert_allclose(gx.grad.numpy(), tx.grad.numpy(), rtol=1e-5, atol=1e-6)
    assert gy.grad_fn.name() == ty.grad_fn.name()


def test_large_inputs_keep_the_fast_moments():
    x = np.random.default_rng(0).standard_normal((EXACT_MAX // 64 + 1, 64)).astype(np.float32)
    got = gk.nn.functional.layer_norm(gk.from_numpy(x), (64,)).numpy()
    want = torch.nn.functional.layer_norm(torch.from_numpy(x), (64,)).numpy()
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("dt", [np.float32, np.float64])
@pytest.mark.parametrize("affine", [False, True])
@pytest.mark.parametrize("shape,groups", [((2, 16, 128), 4), ((2, 6, 5, 5), 3), ((3, 8, 7), 2),
                                          ((2, 4, 300), 1)])
def test_group_norm_output_bits(dt, affine, shape, groups):
    """group norm shares the row moments; its rstd adds a double eps (rounded once)."""
    rng = np.random.default_rng(11)
    x = (rng.standard_normal(shape) * 3 + 1).astype(dt)
    c = shape[1]
    w = (rng.standard_normal(c) + 1).astype(dt) if affine else None
    b = rng.standard_normal(c).astype(dt) if affine else None

    def run(lib):
        t = lambda a: None if a is None else lib.from_numpy(a.copy())  # noqa: E731
        return lib.nn.functional.group_norm(t(x), groups, t(w), t(b), 1e-5).numpy()

    np.testing.assert_array_equal(run(gk), run(torch))


@pytest.mark.parametrize("shape", [(8, 4, 5, 5), (4, 3, 17), (16, 32, 6, 6), (2, 3, 4, 5, 6)])
@pytest.mark.parametrize("affine", [False, True])
def test_batch_norm_training_bits(shape, affine):
    rng = np.random.default_rng(5)
    c = shape[1]
    mods = {lib: getattr(lib.nn, f"BatchNorm{len(shape) - 2}d")(c, affine=affine)
            for lib in (gk, torch)}
    state = {"running_mean": rng.standard_normal(c).astype(np.float32),
             "running_var": rng.uniform(0.5, 2, c).astype(np.float32)}
    if affine:
        state["weight"] = rng.uniform(0.5, 1.5, c).astype(np.float32)
        state["bias"] = rng.standard_normal(c).astype(np.float32)
    for lib, mod in mods.items():
        mod.load_state_dict({k: lib.from_numpy(v.copy()) for k, v in state.items()},
                            strict=False)
    outs = {}
    for _ in range(3):
        x = (rng.standard_normal(shape) * 3 + 1).astype(np.float32)
        for lib, mod in mods.items():
            outs[lib] = mod(lib.from_numpy(x.copy())).detach().numpy()
        np.testing.assert_array_equal(outs[gk], outs[torch])
        for name in ("running_mean", "running_var"):
            np.testing.assert_array_equal(getattr(mods[gk], name).numpy(),
                                          getattr(mods[torch], name).numpy())
