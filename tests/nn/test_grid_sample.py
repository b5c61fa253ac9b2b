"""F.affine_grid and F.grid_sample against PyTorch and finite differences."""

import numpy as np
import pytest
from oracle import check_grad, t64

import gradkit as gk
import gradkit.nn.functional as F


def _both(torch, fn_g, fn_t, arrays, atol=1e-5):
    g_in = [gk.tensor(a, requires_grad=True) for a in arrays]
    t_in = [torch.tensor(a, requires_grad=True) for a in arrays]
    out_g, out_t = fn_g(*g_in), fn_t(*t_in)
    assert tuple(out_g.shape) == tuple(out_t.shape)
    np.testing.assert_allclose(out_g.detach().numpy(), out_t.detach().numpy(), atol=atol)
    u = np.random.default_rng(1).standard_normal(tuple(out_t.shape)).astype(np.float32)
    (out_g * gk.tensor(u)).sum().backward()
    (out_t * torch.from_numpy(u)).sum().backward()
    for i, (a, b) in enumerate(zip(g_in, t_in)):
        ga = np.zeros_like(arrays[i]) if a.grad is None else a.grad.numpy()
        np.testing.assert_allclose(ga, b.grad.numpy(), atol=atol * 10, rtol=1e-4,
                                   err_msg=f"gradient of argument {i}")
    return out_g


@pytest.mark.parametrize("mode", ["bilinear", "nearest"])
@pytest.mark.parametrize("padding_mode", ["zeros", "border", "reflection"])
@pytest.mark.parametrize("align_corners", [False, True])
def test_grid_sample_matches_torch(torch, mode, padding_mode, align_corners):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 3, 5, 7)).astype(np.float32)
    grid = rng.uniform(-1.6, 1.6, (2, 4, 6, 2)).astype(np.float32)  # some points outside
    kw = dict(mode=mode, padding_mode=padding_mode, align_corners=align_corners)
    out = _both(torch, lambda a, b: F.grid_sample(a, b, **kw),
                lambda a, b: torch.nn.functional.grid_sample(a, b, **kw), [x, grid])
    assert out.shape == (2, 3, 4, 6)


@pytest.mark.parametrize("align_corners", [False, True])
def test_affine_grid_matches_torch_and_identity_resamples(torch, align_corners):
    rng = np.random.default_rng(2)
    theta = rng.standard_normal((2, 2, 3)).astype(np.float32)
    _both(torch, lambda t: F.affine_grid(t, (2, 3, 5, 4), align_corners=align_corners),
          lambda t: torch.nn.functional.affine_grid(t, (2, 3, 5, 4),
                                                    align_corners=align_corners), [theta])
    x = gk.randn(2, 3, 5, 4)
    ident = gk.tensor(np.tile(np.eye(2, 3, dtype=np.float32), (2, 1, 1)))
    grid = F.affine_grid(ident, (2, 3, 5, 4), align_corners=align_corners)
    np.testing.assert_allclose(
        F.grid_sample(x, grid, align_corners=align_corners).numpy(), x.numpy(), atol=1e-5)


@pytest.mark.parametrize("padding_mode", ["zeros", "border", "reflection"])
def test_grid_sample_float64_gradients(padding_mode):
    rng = np.random.default_rng(3)
    x = t64(rng, 1, 2, 4, 5)
    grid = t64(rng, 1, 3, 2, 2, low=-1.3, high=1.3)
    check_grad(lambda x, g: F.grid_sample(x, g, padding_mode=padding_mode, align_corners=False),
               [x, grid])
    theta = t64(rng, 1, 2, 3)
    check_grad(lambda x, t: F.grid_sample(x, F.affine_grid(t, (1, 2, 3, 3)), align_corners=True),
               [x, theta])

    def grad_of(x, g):  # second order (input gradient depends on the grid)
        with gk.enable_grad():
            (gx,) = gk.autograd.grad((F.grid_sample(x, g, padding_mode=padding_mode) ** 2).sum(),
                                     [x], create_graph=True)
        return gx * 1.0

    check_grad(grad_of, [x, grid])


def test_grid_sample_errors():
    x = gk.randn(2, 3, 4, 4)
    # ATen's checks: RuntimeError, as PyTorch
    with pytest.raises(RuntimeError, match=r"grid_sample\(\): expected grid to have size 2 in "
                                           r"last dimension, but got grid with sizes "
                                           r"\[2, 3, 3\]"):
        F.grid_sample(x, gk.randn(2, 3, 3))
    with pytest.raises(RuntimeError, match=r"grid_sample\(\): expected 4D or 5D input and grid "
                                           r"with same number of dimensions.*\[3, 4, 4\]"):
        F.grid_sample(gk.randn(3, 4, 4), gk.randn(3, 2, 1))
    with pytest.raises(ValueError, match="padding_mode to be 'zeros', 'border', or 'reflection'"):
        F.grid_sample(x, gk.randn(2, 2, 2, 2), padding_mode="wrap")
    with pytest.raises(ValueError, match=r"affine_grid\(\): expected theta of shape \(2, 2, 3\)"
                                         r".*got \(2, 3, 3\)"):
        F.affine_grid(gk.randn(2, 3, 3), (2, 1, 4, 4))
    with pytest.raises(NotImplementedError, match="only 4-D sizes"):
        F.affine_grid(gk.randn(2, 3, 4), (2, 1, 4, 4, 4))


@pytest.mark.parametrize("mode", ["bilinear", "nearest"])
@pytest.mark.parametrize("padding_mode", ["zeros", "border", "reflection"])
@pytest.mark.parametrize("align_corners", [False, True])
def test_grid_sample_volumetric_matches_torch(torch, mode, padding_mode, align_corners):
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 3, 3, 4, 5))
    g = rng.uniform(-1.3, 1.3, (2, 2, 3, 4, 3))
    _both(torch, lambda a, b: F.grid_sample(a, b, mode, padding_mode, align_corners),
          lambda a, b: torch.nn.functional.grid_sample(a, b, mode, padding_mode, align_corners),
          [x, g], atol=1e-10)


def test_grid_sample_volumetric_bicubic_raises_as_torch(torch):
    x, g = np.zeros((1, 1, 2, 2, 2)), np.zeros((1, 1, 1, 1, 3))
    for lib in (gk, torch):
        with pytest.raises(RuntimeError, match="bicubic interpolation only supports 4D input"):
            lib.nn.functional.grid_sample(lib.tensor(x), lib.tensor(g), "bicubic",
                                          align_corners=False)


@pytest.mark.parametrize("fn", [
    lambda L: L.grid_sampler_2d(L.ones(1, 1, 3, 3, 3), L.zeros(1, 2, 2, 2, 3), 0, 0, False),
    lambda L: L.grid_sampler_3d(L.ones(1, 1, 3, 3), L.zeros(1, 2, 2, 2), 0, 0, False),
    lambda L: L.grid_sampler_3d(L.ones(1, 1, 3, 3, 3), L.zeros(1, 2, 2, 2, 3), 2, 0, False),
])
def test_grid_sampler_nd_errors_as_torch(torch, fn):
    for lib in (gk, torch):
        with pytest.raises(RuntimeError, match="grid_sampler"):
            fn(lib)


@pytest.mark.parametrize("padding_mode", ["border", "reflection"])
def test_grid_gradient_is_zero_on_the_clip_bounds_as_torch(torch, padding_mode):
    # PyTorch's clip_coordinates zeroes the gradient on and beyond the bounds; a huge
    # reflected coordinate folds exactly (fmod) onto a bound
    x = np.arange(9.0).reshape(1, 1, 3, 3) / 7
    g = np.array([3e38, 0.2, 1.0, -1.0, 0.3, 0.1, 2.5, 0.0]).reshape(1, 2, 2, 2)
    _both(torch, lambda a, b: F.grid_sample(a, b, "bilinear", padding_mode, True),
          lambda a, b: torch.nn.functional.grid_sample(a, b, "bilinear", padding_mode, True),
          [x, g], atol=1e-10)


def test_grid_sample_volumetric_skips_corners_outside_as_torch(torch):
    # PyTorch's 3-D kernel skips an out-of-bounds corner altogether: an infinite or huge
    # coordinate gives 0 (and zero gradients), not the NaN of its weight
    rng = np.random.default_rng(5)
    x = rng.standard_normal((1, 2, 3, 4, 3))
    g = rng.uniform(-1, 1, (1, 2, 3, 2, 3))
    g[0, 0, 1, 1, 0] = -np.inf
    g[0, 1, 0, 0, 2] = 1e30
    _both(torch, lambda a, b: F.grid_sample(a, b, "bilinear", "zeros", False),
          lambda a, b: torch.nn.functional.grid_sample(a, b, "bilinear", "zeros", False),
          [x, g], atol=1e-10)
