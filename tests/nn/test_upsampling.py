"""F.interpolate, nn.Upsample, UpsamplingNearest2d, UpsamplingBilinear2d."""

import numpy as np
import pytest
from oracle import check_grad, compare_layer, t64

import gradkit as gk
import gradkit.nn.functional as F
from gradkit import nn

# sizes chosen so that, with a scale factor, no output axis is exactly twice its input or its
# input's size unless the factor is 2 or 1: PyTorch's nearest backward then uses another index
# rule than its forward (see test_nearest_gradient_is_the_adjoint_of_the_forward)
_OPTIONS = [dict(scale_factor=2), dict(scale_factor=0.5), dict(scale_factor=1.7),
            dict(scale_factor=1.7, recompute_scale_factor=True), dict(size=9), dict(size=3),
            dict(size=1), "per-axis"]


def _kwargs(opt, d):
    if opt == "per-axis":
        return dict(scale_factor=(2.3, 0.6, 1.0)[:d])
    return dict(opt)


@pytest.mark.parametrize("opt", _OPTIONS, ids=str)
@pytest.mark.parametrize("mode,rank,align_corners", [
    ("nearest", 3, None), ("nearest", 4, None), ("nearest", 5, None),
    ("nearest-exact", 3, None), ("nearest-exact", 4, None),
    ("linear", 3, None), ("linear", 3, True), ("bilinear", 4, False), ("bilinear", 4, True),
    ("bicubic", 4, False), ("bicubic", 4, True),
    ("trilinear", 5, None), ("trilinear", 5, True)])
def test_upsample_matches_torch(torch, mode, rank, opt, align_corners):
    shape = {3: (2, 3, 7), 4: (2, 3, 5, 6), 5: (1, 2, 3, 4, 5)}[rank]
    kw = _kwargs(opt, rank - 2)
    if mode == "nearest" and rank == 5 and opt == "per-axis":
        kw = dict(scale_factor=(1.7, 0.6, 1.0))  # 3 * 2.3 -> 6 = 2 * 3 (see module comment)
    g = nn.Upsample(mode=mode, align_corners=align_corners, **kw)
    t = torch.nn.Upsample(mode=mode, align_corners=align_corners, **kw)
    x = np.random.default_rng(rank).standard_normal(shape).astype(np.float32)
    out, _ = compare_layer(torch, g, t, [x], atol=1e-5, rtol=1e-5)
    assert repr(g) == repr(t)
    assert g.state_dict().keys() == t.state_dict().keys()
    assert out.dtype == gk.float32


@pytest.mark.filterwarnings("ignore:`nn.functional.upsample")
@pytest.mark.parametrize("kw", [dict(size=(4, 7)), dict(scale_factor=3)])
def test_area_mode_and_aliases_match_torch(torch, kw):
    x = np.random.default_rng(1).standard_normal((2, 2, 8, 14)).astype(np.float32)
    for name in ("upsample_nearest", "upsample_bilinear"):
        np.testing.assert_allclose(getattr(F, name)(gk.tensor(x), **kw).numpy(),
                                   getattr(torch.nn.functional, name)(torch.tensor(x),
                                                                      **kw).numpy(), atol=1e-5)
    for cls in ("UpsamplingNearest2d", "UpsamplingBilinear2d"):
        g, t = getattr(nn, cls)(**kw), getattr(torch.nn, cls)(**kw)
        compare_layer(torch, g, t, [x])
        assert repr(g) == repr(t)
    if "size" in kw:
        compare_layer(torch, nn.Upsample(mode="area", **kw), torch.nn.Upsample(mode="area", **kw),
                      [x])
        x5 = x.reshape(2, 2, 4, 4, 7)
        compare_layer(torch, nn.Upsample(size=(3, 2, 5), mode="area"),
                      torch.nn.Upsample(size=(3, 2, 5), mode="area"), [x5])


@pytest.mark.parametrize("mode", ["bilinear", "bicubic"])
@pytest.mark.parametrize("kw", [dict(size=(5, 7)), dict(size=(1, 2)), dict(scale_factor=0.3),
                                dict(size=(20, 30), align_corners=True),
                                dict(scale_factor=0.5, align_corners=True)], ids=str)
def test_antialias_matches_torch(torch, mode, kw):
    x = np.random.default_rng(5).standard_normal((2, 2, 17, 13)).astype(np.float32)
    g = gk.tensor(x, requires_grad=True)
    t = torch.tensor(x, requires_grad=True)
    out_g = F.interpolate(g, mode=mode, antialias=True, **kw)
    out_t = torch.nn.functional.interpolate(t, mode=mode, antialias=True, **kw)
    np.testing.assert_allclose(out_g.detach().numpy(), out_t.detach().numpy(), atol=1e-5)
    u = np.random.default_rng(6).standard_normal(tuple(out_g.shape)).astype(np.float32)
    (out_g * gk.tensor(u)).sum().backward()
    (out_t * torch.from_numpy(u)).sum().backward()
    np.testing.assert_allclose(g.grad.numpy(), t.grad.numpy(), atol=3e-5, rtol=1e-4)
    if kw.get("scale_factor") == 0.3:  # a wide filter: differs from plain interpolation
        plain = F.interpolate(gk.tensor(x), mode=mode, **kw).numpy()
        assert not np.allclose(plain, out_g.detach().numpy(), atol=1e-3)
    xx = t64(np.random.default_rng(7), 1, 1, 7, 6)
    check_grad(lambda x: F.interpolate(x, mode=mode, antialias=True, size=(3, 2)), [xx])


def test_nearest_gradient_is_the_adjoint_of_the_forward(torch):
    # 3 -> 6 positions with scale_factor 2.3: the forward reads rows [0, 0, 0, 1, 1, 2] (as
    # PyTorch's forward); PyTorch's backward uses j // 2 instead, gradkit's the forward's rows
    x = gk.zeros(1, 1, 3, requires_grad=True)
    y = F.interpolate(x, scale_factor=2.3)
    assert y.shape == (1, 1, 6)
    xt = torch.arange(3.0).reshape(1, 1, 3)
    np.testing.assert_array_equal(
        F.interpolate(gk.tensor(xt.numpy()), scale_factor=2.3).numpy(),
        torch.nn.functional.interpolate(xt, scale_factor=2.3).numpy())
    y.backward(gk.arange(1.0, 7.0).reshape(1, 1, 6))
    np.testing.assert_array_equal(x.grad.numpy().ravel(), [6.0, 9.0, 6.0])


@pytest.mark.parametrize("mode,shape,kw", [
    ("nearest", (2, 2, 3, 4), dict(scale_factor=(2.5, 0.7))),
    ("nearest-exact", (2, 2, 5), dict(size=3)),
    ("nearest", (2, 2, 2), dict(size=23)),  # runs longer than 8: the reduceat scatter
    ("linear", (2, 2, 2), dict(size=25, align_corners=True)),
    ("linear", (2, 2, 5), dict(size=8, align_corners=True)),
    ("linear", (2, 2, 5), dict(scale_factor=0.6)),
    ("bilinear", (1, 2, 3, 4), dict(size=(5, 3))),
    ("bilinear", (1, 2, 3, 4), dict(scale_factor=2.0, align_corners=True)),
    ("bicubic", (1, 2, 3, 4), dict(size=(7, 3))),
    ("bicubic", (1, 2, 5, 4), dict(scale_factor=0.6, align_corners=True)),
    ("trilinear", (1, 1, 2, 3, 3), dict(size=(3, 4, 2))),
])
def test_interpolate_float64_gradients(mode, shape, kw):
    rng = np.random.default_rng(2)
    x = t64(rng, *shape)
    check_grad(lambda x: F.interpolate(x, mode=mode, **kw), [x])

    def grad_of(x):  # second order: the backward is itself recorded
        with gk.enable_grad():
            (g,) = gk.autograd.grad((F.interpolate(x, mode=mode, **kw) ** 2).sum(), [x],
                                    create_graph=True)
        return g * 1.0

    check_grad(grad_of, [x])


def test_interpolate_keeps_float64_and_copies():
    x = gk.randn(1, 2, 4, 4, dtype=gk.float64)
    assert F.interpolate(x, scale_factor=2, mode="bilinear").dtype == gk.float64
    y = F.interpolate(x, size=(4, 4), mode="bilinear")
    assert y is not x
    np.testing.assert_array_equal(y.numpy(), x.numpy())


def test_upsample_errors():
    up = nn.Upsample(scale_factor=2, mode="bilinear")
    with pytest.raises(NotImplementedError,
                       match=r"Upsample\(scale_factor=2.0, mode='bilinear'\).*4-D.*\(2, 3, 5\)"):
        up(gk.randn(2, 3, 5))
    with pytest.raises(NotImplementedError, match=r"Upsample\(scale_factor=2.0.*got a 2-D input of "
                                         r"shape \(3, 5\)"):
        nn.Upsample(scale_factor=2)(gk.randn(3, 5))
    with pytest.raises(ValueError, match="only one of size or scale_factor"):
        F.interpolate(gk.randn(1, 1, 4), size=3, scale_factor=2)
    with pytest.raises(ValueError, match="either size or scale_factor"):
        F.interpolate(gk.randn(1, 1, 4))
    with pytest.raises(ValueError, match="align_corners option can only be set"):
        F.interpolate(gk.randn(1, 1, 4), size=3, align_corners=True)
    with pytest.raises(ValueError, match=r"spatial dimensions of \[4, 4\] and output size"):
        F.interpolate(gk.randn(1, 1, 4, 4), size=(3, 3, 3))
    with pytest.raises(ValueError, match="recompute_scale_factor is not meaningful"):
        F.interpolate(gk.randn(1, 1, 4), size=3, recompute_scale_factor=True)
    with pytest.raises(RuntimeError, match=r"greater than 0.*\(1, 1, 4\).*\(0,\)"):  # torch
        F.interpolate(gk.randn(1, 1, 4), scale_factor=0.1)
    with pytest.raises(ValueError, match=r"anti-alias option is restricted to bilinear and "
                                         r"bicubic.*mode='nearest'.*\(1, 1, 4, 4\)"):
        F.interpolate(gk.randn(1, 1, 4, 4), size=3, antialias=True)
    with pytest.raises(NotImplementedError, match="mode must be one of"):
        F.interpolate(gk.randn(1, 1, 4), size=3, mode="cubic")


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_interpolate_random_geometries_match_torch(torch):
    hyp = pytest.importorskip("hypothesis")
    st = hyp.strategies

    @hyp.settings(max_examples=40, deadline=None, derandomize=True)
    @hyp.given(h=st.integers(1, 9), w=st.integers(1, 9),
               mode=st.sampled_from(["nearest", "nearest-exact", "bilinear", "bicubic"]),
               align=st.booleans(), by_size=st.booleans(),
               oh=st.integers(1, 13), ow=st.integers(1, 13),
               sh=st.floats(0.3, 3.0), sw=st.floats(0.3, 3.0), recompute=st.booleans(),
               antialias=st.booleans())
    def check(h, w, mode, align, by_size, oh, ow, sh, sw, recompute, antialias):
        if not by_size and (int(h * sh) < 1 or int(w * sw) < 1):
            return
        kw = dict(size=(oh, ow)) if by_size else dict(scale_factor=(sh, sw),
                                                      recompute_scale_factor=recompute)
        ac = align if mode in ("bilinear", "bicubic") else None
        # PyTorch's antialiased kernel returns the first row when the input or output width is
        # 1 (a bug: gradkit interpolates the rows)
        out_w = ow if by_size else int(w * sw)
        kw["antialias"] = antialias and ac is not None and w > 1 and out_w > 1
        if (mode != "bilinear" or kw["antialias"]) and not by_size and not recompute:
            # PyTorch's nearest, bicubic and antialiased backward read other rows than their
            # forward when an axis keeps its size (nearest: or exactly doubles) under a scale
            # factor (see test_nearest_gradient_is_the_adjoint_of_the_forward)
            if {int(h * sh) / h, int(w * sw) / w} & {1.0, 2.0}:
                return
        x = np.random.default_rng(h * 100 + w).standard_normal((1, 2, h, w)).astype(np.float32)
        g = gk.tensor(x, requires_grad=True)
        t = torch.tensor(x, requires_grad=True)
        out_g = F.interpolate(g, mode=mode, align_corners=ac, **kw)
        out_t = torch.nn.functional.interpolate(t, mode=mode, align_corners=ac, **kw)
        np.testing.assert_allclose(out_g.detach().numpy(), out_t.detach().numpy(), atol=2e-5)
        u = np.linspace(-1, 1, out_t.numel()).reshape(tuple(out_t.shape)).astype(np.float32)
        (out_g * gk.tensor(u)).sum().backward()
        (out_t * torch.from_numpy(u)).sum().backward()
        np.testing.assert_allclose(g.grad.numpy(), t.grad.numpy(), atol=5e-5, rtol=1e-4)

    check()


@pytest.mark.parametrize("mode", ["nearest", "nearest-exact"])
@pytest.mark.parametrize("kw", [dict(scale_factor=2.3), dict(size=(3, 11)), dict(size=(5, 7)),
                                dict(scale_factor=(0.5, 1.5))], ids=str)
def test_nearest_modes_take_uint8_as_torch(torch, mode, kw):
    # uint8 images and label masks: the nearest modes are a gather, exact in any dtype
    x = np.random.default_rng(8).integers(0, 256, (2, 3, 5, 7)).astype(np.uint8)
    out = F.interpolate(gk.tensor(x), mode=mode, **kw)
    ref = torch.nn.functional.interpolate(torch.tensor(x), mode=mode, **kw)
    assert out.dtype == gk.uint8
    np.testing.assert_array_equal(out.numpy(), ref.numpy())


def test_interpolate_rejects_other_integer_inputs():
    # (NotImplementedError, PyTorch's type for a kernel without the dtype)
    with pytest.raises(NotImplementedError, match=r"interpolate\(\): not implemented for "
                                                  r".*int64: expects a floating-point input"):
        F.interpolate(gk.tensor(np.ones((1, 1, 2, 2), dtype=np.int64)), scale_factor=2)
    with pytest.raises(NotImplementedError, match=r"not implemented for .*uint8"):
        # (uint8 bilinear/bicubic images are PyTorch's own kernel: test_interpolate_uint8.py)
        F.interpolate(gk.tensor(np.ones((1, 1, 2), dtype=np.uint8)), scale_factor=2,
                      mode="linear")


@pytest.mark.parametrize("x,kw", [
    ((1, 1, 5, 3), dict(scale_factor=0.3, recompute_scale_factor=True)),  # (1, 0)
    ((1, 1, 5), dict(size=0)),
    ((1, 1, 5, 5, 5), dict(size=(-1, 2, 2))),
])
@pytest.mark.parametrize("dtype", ["float32", "int64"])
def test_area_takes_an_empty_output_as_adaptive_pooling(torch, x, kw, dtype):
    """mode='area' is adaptive average pooling, sizes and all: an empty output size gives an
    empty result of the input's dtype (gradkit refused it), a negative one its RuntimeError."""
    def run(lib):
        try:
            y = lib.nn.functional.interpolate(lib.ones(x, dtype=getattr(lib, dtype)),
                                              mode="area", **kw)
        except Exception as e:  # noqa: BLE001 - the type is compared with PyTorch's
            return type(e)
        return str(y.dtype).split(".")[-1], tuple(y.shape)
    assert run(gk) == run(torch)


@pytest.mark.parametrize("mode,shape,size", [("linear", (1, 2, 3), (3,)),
                                             ("bilinear", (1, 1, 2, 3), (2, 3)),
                                             ("bilinear", (1, 1, 2, 3), (3, 3)),
                                             ("bilinear", (1, 1, 1, 3), (1, 4)),
                                             ("trilinear", (1, 1, 1, 2, 3), (1, 2, 4))])
@pytest.mark.parametrize("align_corners", [True, False])
def test_linear_axis_of_unchanged_size_weights_each_value_one_and_zero_as_torch(
        torch, mode, shape, size, align_corners):
    # PyTorch's linear kernels read an axis that keeps its size as x * 1 + x * 0 (both taps on
    # the same value): an inf there becomes NaN; gradkit skipped the axis and kept the inf
    x = np.array([1.5, np.inf, 0.75, 1.0, -np.inf, np.nan][:int(np.prod(shape))],
                 dtype=np.float32).reshape(shape)
    t = torch.nn.functional.interpolate(torch.tensor(x), size=size, mode=mode,
                                        align_corners=align_corners).numpy()
    g = gk.nn.functional.interpolate(gk.tensor(x), size=size, mode=mode,
                                     align_corners=align_corners).numpy()
    np.testing.assert_array_equal(g, t)


@pytest.mark.parametrize("mode,shape", [("linear", (0, 2, 3)), ("bilinear", (0, 2, 3, 3)),
                                        ("trilinear", (0, 2, 5, 1, 2))])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_linear_modes_of_an_empty_batch_give_an_empty_result_as_torch(torch, mode, shape,
                                                                      dtype):
    # a float32 batch of no samples reached the two-tap FMA kernel, whose reshape of the empty
    # array raised NumPy's "cannot reshape array of size 0"
    size = (3,) * (len(shape) - 2)
    t = torch.nn.functional.interpolate(torch.zeros(shape, dtype=getattr(torch, dtype)),
                                        size=size, mode=mode)
    x = gk.zeros(shape, dtype=getattr(gk, dtype), requires_grad=True)
    g = gk.nn.functional.interpolate(x, size=size, mode=mode)
    assert tuple(g.shape) == tuple(t.shape) and str(g.dtype) == str(t.dtype).replace(
        "torch", "gradkit")
    g.sum().backward()
    assert tuple(x.grad.shape) == shape
