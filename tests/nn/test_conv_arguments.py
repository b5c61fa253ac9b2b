"""Convolutions' argument checks against PyTorch: the same exception type for the same bad
input (the fuzzer's findings of issue 13), and conv_tbc's values where padding meets inf."""

import numpy as np
import pytest
from helpers import skip_unless_torch_half_conv_is_onednns

import gradkit as gk

torch = pytest.importorskip("torch")


def _both(fn, *args, **kw):
    """Run ``fn`` on gradkit and torch copies of the arguments; the two outcomes."""
    out = []
    for lib in (gk, torch):
        conv = [lib.tensor(a) if isinstance(a, np.ndarray) else a for a in args]
        try:
            r = getattr(lib, fn)(*conv, **kw)
            out.append(np.asarray(r.detach().numpy() if lib is torch else r.numpy()))
        except Exception as e:  # noqa: BLE001 - the type is what is compared
            out.append(type(e))
    return out


R = np.random.default_rng(0)
X2, W2, B2 = R.standard_normal((2, 3, 5, 5)), R.standard_normal((4, 3, 3, 3)), R.standard_normal(4)
XT, WT = R.standard_normal((2, 3, 5, 5)), R.standard_normal((3, 2, 3, 3))

CASES = [
    ("conv2d", (X2, W2, B2), dict(stride=0)),
    ("conv2d", (X2, W2, B2), dict(padding=-1)),
    ("conv2d", (X2, W2, B2), dict(dilation=-2)),
    ("conv2d", (X2, W2, B2), dict(groups=0)),
    ("conv2d", (X2, W2, B2), dict(groups=3)),
    ("conv2d", (X2, W2, B2), dict(groups=2)),
    ("conv2d", (X2, W2, B2), dict(stride=(1, 1, 1))),
    ("conv2d", (X2, W2, B2), dict(padding="full")),
    ("conv2d", (X2, W2, B2), dict(padding="same", stride=2)),
    ("conv2d", (X2, W2, B2), dict(stride=1.5)),
    ("conv2d", (X2, W2, B2), dict(groups=True)),
    ("conv2d", (np.float64(0.5), W2, B2), {}),
    ("conv2d", (X2, np.float64(0.5), B2), {}),
    ("conv2d", (X2, W2, np.float64(0.5)), {}),
    ("conv2d", (X2, W2, B2[:3]), {}),
    ("conv2d", (X2, W2, B2.astype(np.float32)), {}),
    ("conv2d", (X2, W2.astype(np.float32), B2), {}),
    ("conv2d", (X2, W2.astype(np.float32)), {}),
    ("conv2d", (X2 > 0, W2 > 0), {}),
    ("conv2d", (X2.astype(np.int64), W2), {}),
    ("conv2d", (X2[:, :, :2], W2), {}),
    ("conv2d", (X2[:, :, :0], W2), dict(padding=2)),
    ("conv2d", (X2, W2[:, :, :0]), {}),
    ("conv1d", (X2[0], W2[:, :, 0]), dict(padding=(1, 1))),
    ("conv3d", (X2[:, :, None], W2[:, :, None]), dict(stride=-1)),
    ("conv_transpose2d", (XT, WT), dict(output_padding=2)),
    ("conv_transpose2d", (XT, WT), dict(output_padding=-1)),
    ("conv_transpose2d", (XT, WT), dict(padding=5)),
    ("conv_transpose2d", (XT, WT), dict(padding="same")),
    ("conv_transpose2d", (XT, WT[:, :, :0]), {}),
    ("conv_transpose2d", (XT[:, :, :0], WT), {}),
    ("conv_transpose2d", (XT.astype(np.int32), WT.astype(np.int32)), {}),
    ("conv_transpose2d", (XT, WT.astype(np.float32)), {}),
    ("conv_transpose3d", (XT[:, :, None], WT[:, :, None], B2[:2].astype(np.float32)), {}),
    ("conv_transpose1d", (XT[:, :, 0], WT[:, :, 0], B2[:2].astype(np.float32)), {}),
    ("conv_transpose1d", (XT[:, :, 0], WT[:, :, 0]), dict(groups=4)),
    ("conv_transpose1d", (XT[:, :2, 0], WT[:, :, 0]), {}),
]


@pytest.mark.parametrize("fn,args,kw", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_conv_errors_as_torch(fn, args, kw):
    ours, theirs = _both(fn, *args, **kw)
    if isinstance(theirs, type):
        assert ours is theirs, (ours, theirs)
    else:
        assert not isinstance(ours, type), ours
        np.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=1e-6)


CONVOLUTION = [
    (X2, W2, B2, [1, 1], [0, 0], [1, 1], False, [0, 0], 1),
    (X2, W2, B2.astype(np.float32), [1], [1], [1], False, [0], 1),  # bias cast, one value
    (X2[0], W2, None, [1, 1], [0, 0], [1, 1], False, [0, 0], 1),  # never unbatched
    (X2, W2, None, 1, [0, 0], [1, 1], False, [0, 0], 1),  # stride must be a list
    (X2, W2, None, [1, 1], [0, 0], [1, 1], False, [0, 0], -1),
    (X2, W2[0, 0], None, [1, 1], [0, 0], [1, 1], False, [0, 0], 1),
    (XT, WT, None, [2, 2], [1, 1], [1, 1], True, [1, 1], 1),
    (XT, WT, None, [1, 1], [0, 0], [1, 1], True, [0, 0], 2),
    (XT[:, :, 0], WT[:, :, 0], None, [2], [1], [1], True, [1], 4),
]


@pytest.mark.parametrize("args", CONVOLUTION, ids=range(len(CONVOLUTION)))
def test_convolution_as_torch(args):
    ours, theirs = _both("convolution", *args)
    if isinstance(theirs, type):
        assert ours is theirs, (ours, theirs)
    else:
        np.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("pad", [-2, -1, 0, 1, 3])
def test_conv_tbc_values_and_grads(pad):
    x, w, b = R.standard_normal((7, 2, 3)), R.standard_normal((3, 3, 4)), R.standard_normal(4)
    w[1, 0, 0] = np.inf  # padded steps are never multiplied: no NaN from 0 * inf
    gx, gw, gb = (gk.tensor(a, requires_grad=True) for a in (x, w, b))
    tx, tw, tb = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    ours, theirs = gk.conv_tbc(gx, gw, gb, pad), torch.conv_tbc(tx, tw, tb, pad)
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-12)
    w[1, 0, 0] = 0.5
    gw, tw = gk.tensor(w, requires_grad=True), torch.tensor(w, requires_grad=True)
    proj = R.standard_normal(tuple(theirs.shape))
    (gk.conv_tbc(gx, gw, gb, pad) * gk.tensor(proj)).sum().backward()
    (torch.conv_tbc(tx, tw, tb, pad) * torch.tensor(proj)).sum().backward()
    for a, t in ((gx, tx), (gw, tw), (gb, tb)):
        np.testing.assert_allclose(a.grad.numpy(), t.grad.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("args", [
    (np.ones((7, 2, 3)), np.ones((3, 3, 4)), np.ones(3), 0),  # bias size
    (np.ones((7, 2, 3)), np.ones((3, 3, 4)), np.float64(1.0), 0),  # bias rank
    (np.ones((7, 2, 3)), np.ones((3, 2, 4)), np.ones(4), 0),  # channels
    (np.ones((1, 2, 3)), np.ones((3, 3, 4)), np.ones(4), 0),  # negative length
    (np.ones((7, 2, 3), np.int64), np.ones((3, 3, 4)), np.ones(4), 0),  # dtypes
    (np.ones((7, 2)), np.ones((3, 3, 4)), np.ones(4), 0),
])
def test_conv_tbc_errors_as_torch(args):
    ours, theirs = _both("conv_tbc", *args)
    assert isinstance(theirs, type) and ours is theirs, (ours, theirs)


def test_conv_tbc_non_viewable_input_rejected_as_torch():
    # PyTorch views (T, B, C) steps as (T * B, C): a time-strided input cannot be viewed
    x = np.ones((14, 2, 3))
    ours = pytest.raises(RuntimeError, gk.conv_tbc, gk.tensor(x)[::2],
                         gk.ones(3, 3, 4, dtype=gk.float64), gk.ones(4, dtype=gk.float64), 1)
    with pytest.raises(RuntimeError):
        torch.conv_tbc(torch.tensor(x)[::2], torch.ones(3, 3, 4, dtype=torch.float64),
                       torch.ones(4, dtype=torch.float64), 1)
    assert "contiguous" in str(ours.value)
    y = gk.conv_tbc(gk.tensor(x)[::2].contiguous(), gk.ones(3, 3, 4, dtype=gk.float64),
                    gk.ones(4, dtype=gk.float64), 1)
    assert tuple(y.shape) == (7, 2, 4)


@pytest.mark.parametrize("name,args,kw", [
    ("Conv2d", (2, 4, (2,)), {"stride": (2, 1)}),
    ("Conv2d", (2, 4, (2, 3, 1)), {}),
    ("ConvTranspose1d", (2, 4, (2, 2)), {}),
    ("Conv3d", (2, 4, (1, 1)), {}),
    ("Conv1d", (2, 0, 1), {}),
    ("ConvTranspose2d", (2, 0, 1), {}),
    ("Conv2d", (2, 4, (2,)), {"padding": "same"}),
])
def test_conv_layer_takes_what_torch_takes_and_refuses_it_in_forward(name, args, kw):
    # PyTorch's constructor keeps a kernel_size of another length (it shapes the weight) and
    # no output channels; its forward refuses them after the input's type (a list input: a
    # TypeError); gradkit's constructor raised a RuntimeError
    torch = pytest.importorskip("torch")
    g, t = getattr(gk.nn, name)(*args, **kw), getattr(torch.nn, name)(*args, **kw)
    assert tuple(g.weight.shape) == tuple(t.weight.shape)
    assert g.kernel_size == t.kernel_size and repr(g) == repr(t)
    x = np.zeros((1, args[0]) + (5,) * int(name[-2]))
    for lib, m in ((torch, t), (gk, g)):
        with pytest.raises(RuntimeError):
            m(lib.tensor(x).to(m.weight.dtype))
        with pytest.raises(TypeError):
            m(x.tolist())


@pytest.mark.parametrize("name,args,kw", [
    ("Conv2d", (24, 50.0, 1), {"groups": 2, "bias": False}),  # ShuffleNet's out_planes / 4
    ("Conv2d", (24.0, 50, 1), {}),
    ("Conv1d", (4, 6.0, 3), {}),
    ("ConvTranspose2d", (4, 6.0, 3), {}),
    ("Conv2d", (24, 50, 3.0), {}),
    ("Conv2d", (24, 13.5, 1), {"groups": 2}),  # not divisible: PyTorch's ValueError first
    ("Conv2d", ("24", 50, 1), {}),
])
def test_conv_layer_size_type_errors_as_torch(name, args, kw):
    # a float channel count was a ValueError in gradkit; PyTorch's torch.empty refuses it with
    # a TypeError, which programs catch by type
    with pytest.raises(Exception) as theirs:
        getattr(torch.nn, name)(*args, **kw)
    with pytest.raises(theirs.type) as ours:
        getattr(gk.nn, name)(*args, **kw)
    assert name in str(ours.value)


def test_conv_layer_takes_numpy_integer_sizes_as_torch():
    g = gk.nn.Conv2d(np.int64(3), np.int64(4), np.int64(3))
    t = torch.nn.Conv2d(np.int64(3), np.int64(4), np.int64(3))
    assert tuple(g.weight.shape) == tuple(t.weight.shape) and g.kernel_size == (3, 3)
    assert type(g.in_channels) is int


@pytest.mark.parametrize("nd", [1, 2, 3])
@pytest.mark.parametrize("xdt,bdt", [(np.float16, np.uint8), (np.float16, np.float32),
                                     (np.float64, np.float32), (np.float64, np.int64),
                                     (np.float32, np.float64), (np.uint8, np.float64),
                                     (np.int32, np.float32)])
def test_transposed_conv_bias_of_another_dtype_as_torch(nd, xdt, bdt):
    # torch 2.13 adds another bias dtype afterwards in its 1-D/2-D float64 kernel only; an
    # integer input has no transposed kernel, which it says (NotImplementedError) before the
    # bias's dtype (the weight is float64 then, as the fuzzer's case had it)
    if xdt is np.float16:
        skip_unless_torch_half_conv_is_onednns(torch)
    x = R.standard_normal((2, 3) + (4,) * nd).astype(xdt)
    w = R.standard_normal((3, 2) + (2,) * nd).astype(np.float64 if xdt in (np.uint8, np.int32)
                                                        else xdt)
    b = np.arange(1, 3).astype(bdt)
    ours, theirs = _both(f"conv_transpose{nd}d", x, w, b)
    if isinstance(theirs, type):
        assert ours is theirs, (ours, theirs)
    else:
        assert not isinstance(ours, type), ours
        np.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=1e-6)


@pytest.mark.filterwarnings("ignore")
@pytest.mark.parametrize("nd", [1, 2, 3])
@pytest.mark.parametrize("batch,groups,k,size", [
    (1, 1, 2, 5), (None, 1, 2, 5), (2, 1, 2, 5), (1, 2, 2, 5), (1, 1, 4, 5), (1, 1, 5, 7),
    (1, 1, 1, 110), (None, 1, 1, 10300), (1, 1, 1, 10200)])
@pytest.mark.parametrize("bias_dtype", ["float64", "int64", "float16"])
def test_conv_transpose_float32_bias_of_another_dtype_as_torch(torch, nd, batch, groups, k, size,
                                                               bias_dtype):
    # PyTorch's slow 1-D/2-D transposed kernel (a float32 batch of one in one group, not both
    # kernel sizes above 3, at most 20480 input elements: no oneDNN) adds a bias of any dtype;
    # gradkit refused it there as oneDNN does
    from oracle import same_as_torch

    if nd == 3 and size > 7 or nd == 2 and size > 200 or nd == 1 and size < 100 and k == 1:
        pytest.skip("sizes of another rank")

    def run(L):
        x = L.ones(((batch,) if batch else ()) + (2,) + (size,) * nd)
        w = L.ones((2, 2 // groups) + (k,) * nd)
        b = L.full((2,), 2.5, dtype=getattr(L, bias_dtype))
        return getattr(L.nn.functional, f"conv_transpose{nd}d")(x, w, b, groups=groups)

    same_as_torch(torch, run)


@pytest.mark.parametrize("dilation", [0, (0, 1), (1, 0)])
@pytest.mark.parametrize("call", [
    lambda m, d: m.nn.functional.conv2d(m.ones(0, 2, 5, 5), m.ones(3, 2, 2, 2), dilation=d),
    lambda m, d: m.nn.functional.conv2d(m.ones(0, 2, 5, 5), m.ones(3, 2, 3, 3), dilation=d,
                                        stride=2, padding=1),
    lambda m, d: m.nn.functional.conv_transpose2d(m.ones(0, 2, 5, 5), m.ones(2, 3, 2, 2),
                                                  dilation=d),
    lambda m, d: m.nn.functional.conv2d(m.ones(2, 0, 5, 5), m.ones(3, 0, 2, 2), dilation=d),
    lambda m, d: m.nn.functional.conv2d(m.ones(1, 2, 5, 5), m.ones(3, 2, 2, 2), dilation=d),
])
def test_zero_dilation_is_refused_only_where_a_kernel_runs_as_torch(call, dilation):
    # PyTorch refuses a zero dilation in its kernel: an empty input gives its empty result
    # (with the output size a zero dilation computes); gradkit refused it up front
    torch = pytest.importorskip("torch")
    try:
        want = call(torch, dilation)
    except RuntimeError:
        with pytest.raises(RuntimeError, match="dilation should be greater than zero"):
            call(gk, dilation)
        return
    got = call(gk, dilation)
    assert tuple(got.shape) == tuple(want.shape) and got.dtype == gk.float32


@pytest.mark.parametrize("pad", [0, 2, -1])
def test_functional_conv_tbc_as_torch(torch, pad):
    """``torch.nn.functional.conv_tbc`` is ``torch.conv_tbc``: gradkit's functional namespace
    has it too (a program calling F.conv_tbc failed with an AttributeError)."""
    gen = np.random.default_rng(pad + 3)
    arrays = [gen.standard_normal(s) for s in ((5, 2, 3), (3, 3, 4), (4,))]
    out = []
    for lib in (gk, torch):
        x, w, b = (lib.tensor(a, requires_grad=True) for a in arrays)
        y = lib.nn.functional.conv_tbc(x, w, b, pad)
        grads = lib.autograd.grad((y * y).sum(), (x, w, b))
        out.append([y.detach().numpy()] + [g.numpy() for g in grads])
    for a, b in zip(*out):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
