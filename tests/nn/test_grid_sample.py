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
    with pytest.raises(ValueError, match=r"affine_grid\(\): Expected a batch of 2D affine "
                                         r"matrices of shape Nx2x3.*Got \(2, 3, 3\)"):
        F.affine_grid(gk.randn(2, 3, 3), (2, 1, 4, 4))
    with pytest.raises(ValueError, match="3D affine matrices of shape Nx3x4"):
        F.affine_grid(gk.randn(2, 2, 3), (2, 1, 4, 4, 4))
    with pytest.raises(NotImplementedError, match="only supports 4D and 5D sizes"):
        F.affine_grid(gk.randn(2, 2, 3), (2, 1, 4))
    with pytest.raises(RuntimeError, match="bicubic interpolation only supports 4D input"):
        F.grid_sample(gk.randn(1, 1, 2, 2, 2), gk.zeros(1, 1, 1, 1, 3), mode="bicubic")


@pytest.mark.parametrize("padding_mode", ["zeros", "border", "reflection"])
@pytest.mark.parametrize("align_corners", [False, True])
def test_grid_sample_bicubic_matches_torch(torch, padding_mode, align_corners):
    """PyTorch's cubic convolution over 4x4 taps, each tap padded on its own."""
    rng = np.random.default_rng(4)
    x = rng.standard_normal((2, 3, 5, 6))
    grid = rng.uniform(-1.4, 1.4, (2, 4, 3, 2))  # taps and points outside the input
    kw = dict(mode="bicubic", padding_mode=padding_mode, align_corners=align_corners)
    out = _both(torch, lambda a, b: F.grid_sample(a, b, **kw),
                lambda a, b: torch.nn.functional.grid_sample(a, b, **kw), [x, grid], atol=1e-9)
    assert type(out.grad_fn).__name__ == "GridSampler2DBackward0"
    check_grad(lambda a, b: F.grid_sample(a, b, **kw),
               [gk.tensor(x[:1, :1], requires_grad=True),
                gk.tensor(grid[:1, :2], requires_grad=True)])


@pytest.mark.parametrize("mode", ["bilinear", "nearest"])
@pytest.mark.parametrize("padding_mode", ["zeros", "border", "reflection"])
@pytest.mark.parametrize("align_corners", [False, True])
def test_volumetric_affine_grid_and_grid_sample_match_torch(torch, mode, padding_mode,
                                                            align_corners):
    rng = np.random.default_rng(5)
    x = rng.standard_normal((2, 2, 3, 4, 5))
    theta = np.tile(np.eye(3, 4), (2, 1, 1)) + 0.4 * rng.standard_normal((2, 3, 4))
    size = (2, 2, 4, 3, 5)

    def run(lib, a, t):
        grid = lib.nn.functional.affine_grid(t, size, align_corners=align_corners)
        return lib.nn.functional.grid_sample(a, grid, mode=mode, padding_mode=padding_mode,
                                             align_corners=align_corners)

    out = _both(torch, lambda a, t: run(gk, a, t), lambda a, t: run(torch, a, t), [x, theta],
                atol=1e-9)
    assert out.shape == (2, 2, 4, 3, 5)
    assert type(out.grad_fn).__name__ == "GridSampler3DBackward0"
    grid = F.affine_grid(gk.tensor(theta, requires_grad=True), size, align_corners=align_corners)
    assert type(grid.grad_fn).__name__ == "AffineGridGeneratorBackward0"


def test_grid_sample_nearest_gives_the_grid_a_zero_gradient():
    """As PyTorch: the grid is an input of the node (requires_grad propagates), its gradient 0."""
    g = gk.tensor(np.random.default_rng(6).uniform(-1, 1, (1, 2, 2, 2)), requires_grad=True)
    out = F.grid_sample(gk.randn(1, 1, 3, 3, dtype=gk.float64), g, mode="nearest",
                        align_corners=False)
    assert out.requires_grad
    out.sum().backward()
    np.testing.assert_array_equal(g.grad.numpy(), np.zeros((1, 2, 2, 2)))


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


@pytest.mark.parametrize("mode", ["bilinear", "nearest"])
@pytest.mark.parametrize("padding_mode", ["zeros", "border", "reflection"])
@pytest.mark.parametrize("align_corners", [False, True])
def test_grid_sample_float32_as_torch_to_the_ulp(torch, mode, padding_mode, align_corners):
    """ATen's 2-D float32 kernel fuses its multiply-adds (location and interpolation): the
    same values, within 1 ulp, over random sizes and grids (beyond the edges, NaN and inf
    included) and values up to 255; the gradients stay torch's."""
    rng = np.random.default_rng(["zeros", "border", "reflection"].index(padding_mode))
    worst = 0.0
    for trial in range(12):
        h, w = int(rng.integers(1, 30)), int(rng.integers(1, 30))
        x = rng.uniform(0, 255, (2, 3, h, w)).astype(np.float32)
        grid = rng.uniform(-2.5, 2.5, (2, 9, 13, 2)).astype(np.float32)
        if trial % 3 == 0:
            grid[0, 0, 0], grid[1, 2, 3, 1] = np.nan, np.inf
        kw = dict(mode=mode, padding_mode=padding_mode, align_corners=align_corners)
        want = torch.nn.functional.grid_sample(torch.tensor(x), torch.tensor(grid), **kw).numpy()
        got = F.grid_sample(gk.tensor(x), gk.tensor(grid), **kw).numpy()
        np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
        fin = np.isfinite(want)
        np.testing.assert_array_equal(got[~fin & ~np.isnan(want)], want[~fin & ~np.isnan(want)])
        ulps = np.abs(got[fin].astype(np.float64) - want[fin]) / np.spacing(np.abs(want[fin]))
        worst = max(worst, float(ulps.max(initial=0)))
    assert worst <= 1.0
    if mode == "bilinear":
        _both(torch, lambda a, b: F.grid_sample(a, b, **kw),
              lambda a, b: torch.nn.functional.grid_sample(a, b, **kw),
              [x, rng.uniform(-1.2, 1.2, (2, 9, 13, 2)).astype(np.float32)], atol=1e-3)


@pytest.mark.parametrize("padding_mode", ["zeros", "border"])
@pytest.mark.parametrize("align_corners", [False, True])
def test_grid_sample_bicubic_huge_coordinates_as_torch(torch, padding_mode, align_corners):
    """A finite coordinate beyond int64 (3e38 in float64) is far outside the input: its taps
    read zeros, or the border, as in PyTorch (not an overflowed integer position)."""
    rng = np.random.default_rng(9)
    x = rng.standard_normal((2, 1, 3, 5))
    grid = rng.uniform(-1.1, 1.1, (2, 2, 4, 2))
    grid[0, 1, 2, 1], grid[1, 0, 1, 0], grid[1, 1, 3] = 3e38, -3e38, [1e30, -1e25]
    kw = dict(mode="bicubic", padding_mode=padding_mode, align_corners=align_corners)
    want = torch.nn.functional.grid_sample(torch.tensor(x), torch.tensor(grid), **kw).numpy()
    got = F.grid_sample(gk.tensor(x), gk.tensor(grid), **kw).numpy()
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("padding_mode", ["border", "reflection"])
def test_grid_sample_clipped_coordinate_gradient_keeps_nan_as_torch(torch, padding_mode):
    # PyTorch multiplies a clipped coordinate's gradient by 0: an inf input value makes it
    # NaN there (gradkit selected 0)
    from oracle import same_as_torch

    def run(L):
        x = L.tensor([[[[-0.77, 0.096, 0.95], [-0.37, 65504.0, 0.032]],
                       [[-0.82, 0.29, float("inf")], [-0.91, -1.04, -0.98]]]],
                     dtype=L.float64, requires_grad=True)
        g = L.tensor([[[[1.532, -2.025], [0.3, 0.2]]]], dtype=L.float64, requires_grad=True)
        y = L.nn.functional.grid_sample(x, g, mode="bilinear", padding_mode=padding_mode,
                                        align_corners=True)
        y.backward(L.ones_like(y))
        return y, g.grad

    same_as_torch(torch, run)


def _warned(fn):
    import warnings
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            fn()
            err = None
        except Exception as e:  # noqa: BLE001 - compared by type below
            err = e
    return [(w.category.__name__, str(w.message)) for w in caught], err


@pytest.mark.parametrize("call", [
    lambda L: L.nn.functional.grid_sample(L.zeros(1, 1, 2, 2), L.zeros(1, 1, 1, 2)),
    lambda L: L.nn.functional.grid_sample(L.zeros(1, 1, 2, 2), L.zeros(1, 1, 1, 2),
                                          align_corners=False),
    lambda L: L.nn.functional.grid_sample(L.zeros(1, 1, 2, 2, 2), L.zeros(1, 1, 1, 1, 3),
                                          mode="nearest", padding_mode="border"),
    lambda L: L.nn.functional.grid_sample([[[[0.0]]]], L.zeros(1, 1, 1, 2)),
    lambda L: L.nn.functional.grid_sample(L.zeros(1, 1, 2, 2), L.zeros(1, 1, 1, 2),
                                          mode="bogus"),
    lambda L: L.nn.functional.affine_grid(L.eye(2, 3)[None], (1, 1, 2, 2)),
    lambda L: L.nn.functional.affine_grid(L.eye(2, 3)[None], (1, 1, 2, 2), align_corners=True),
    lambda L: L.nn.functional.affine_grid([[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]], (1, 1, 2, 2)),
    lambda L: L.nn.functional.affine_grid(L.eye(2, 3, dtype=L.int64)[None], (1, 1, 2, 2)),
    lambda L: L.nn.functional.upsample_bilinear([[[[1.0]]]], scale_factor=2),
    lambda L: L.nn.functional.upsample_nearest([[[[1.0]]]], scale_factor=2),
    lambda L: L.nn.functional.upsample([[[[1.0]]]], scale_factor=2),
])
def test_default_align_corners_and_deprecation_warnings_as_torch(torch, call):
    # PyTorch warns that grid_sample/affine_grid default to align_corners=False when it is not
    # given (gradkit gave no warning), and its deprecated upsample* warn before their input is
    # read (gradkit refused a list first, without the warning)
    tw, te = _warned(lambda: call(torch))
    gw, ge = _warned(lambda: call(gk))
    assert [(c, m.replace("gradkit", "torch")) for c, m in gw] == tw
    assert (te is None) == (ge is None) and (te is None or isinstance(ge, type(te))), (ge, te)
