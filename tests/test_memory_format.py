"""Memory formats as PyTorch's: contiguous_format, channels_last(_3d), preserve_format in
clone, contiguous, is_contiguous, to, the *_like factories, empty and Module.to; strides,
values, gradients and errors compared with torch."""

import numpy as np
import pytest

import gradkit as gk

torch = pytest.importorskip("torch")

X4 = np.arange(2 * 3 * 4 * 5, dtype=np.float32).reshape(2, 3, 4, 5)
X5 = np.arange(2 * 3 * 2 * 4 * 5, dtype=np.float32).reshape(2, 3, 2, 4, 5)


def _fmt(L, name):
    return getattr(L, name)


CALLS = {
    "contiguous_cl": lambda L, x: x.contiguous(memory_format=L.channels_last),
    "contiguous_cl_then_default": lambda L, x: x.contiguous(
        memory_format=L.channels_last).contiguous(),
    "clone_cl": lambda L, x: x.clone(memory_format=L.channels_last),
    "clone_preserve_cl": lambda L, x: x.contiguous(memory_format=L.channels_last).clone(),
    "clone_contiguous": lambda L, x: x.permute(0, 2, 3, 1).clone(
        memory_format=L.contiguous_format),
    "clone_preserve_permuted": lambda L, x: x.permute(0, 2, 3, 1).clone(),
    "clone_preserve_permuted_complex": lambda L, x: x.to(L.complex64).permute(0, 2, 3, 1).clone(),
    "zeros_like_complex_of_permuted": lambda L, x: L.zeros_like(x.permute(0, 2, 3, 1),
                                                                dtype=L.complex128),
    "ones_like_real_of_complex": lambda L, x: L.ones_like(
        x.to(L.complex64).transpose(1, 3), dtype=L.float32),
    "to_cl": lambda L, x: x.to(memory_format=L.channels_last),
    "to_dtype_cl": lambda L, x: x.to(L.float64, memory_format=L.channels_last),
    "zeros_like_preserve": lambda L, x: L.zeros_like(x.to(memory_format=L.channels_last)),
    "ones_like_contiguous": lambda L, x: L.ones_like(x.to(memory_format=L.channels_last),
                                                     memory_format=L.contiguous_format),
    "empty_like_cl": lambda L, x: L.empty_like(x, memory_format=L.channels_last).fill_(2),
    "rand_like_cl": lambda L, x: L.rand_like(x, memory_format=L.channels_last) * 0,
    "full_like_transposed": lambda L, x: L.full_like(x.transpose(2, 3), 7.0),
    "empty_cl": lambda L, x: L.empty(2, 3, 4, 5, memory_format=L.channels_last).fill_(1),
    # preserve_format on a tensor whose elements overlap or leave gaps: dense, in its order
    "clone_overlapping": lambda L, x: x.as_strided((3, 4), (1, 1)).clone(),
    "empty_like_overlapping": lambda L, x: L.empty_like(x.as_strided((3, 4), (1, 1))).fill_(3),
    "clone_sliced_transposed": lambda L, x: x[:, ::2, :, 1:].transpose(1, 3).clone(),
    "clone_expanded_permuted": lambda L, x: x[:, :1].expand(2, 3, 4, 5).permute(0, 2, 3, 1)
    .clone(),
    "to_dtype_expanded_permuted": lambda L, x: x[0, :, :1, :1].expand(2, 3, 4, 5)
    .permute(0, 2, 3, 1).to(L.float64),
    "zeros_like_expanded_permuted": lambda L, x: L.zeros_like(
        x[:, :1].expand(2, 3, 4, 5).permute(0, 2, 3, 1)),
}


@pytest.mark.parametrize("name", sorted(CALLS))
def test_strides_and_values_as_pytorch(name):
    ours = CALLS[name](gk, gk.tensor(X4))
    theirs = CALLS[name](torch, torch.tensor(X4))
    assert ours.stride() == theirs.stride()
    assert str(ours.dtype).split(".")[1] == str(theirs.dtype).split(".")[1]
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    for fmt in ("contiguous_format", "channels_last"):
        assert ours.is_contiguous(memory_format=_fmt(gk, fmt)) == \
            theirs.is_contiguous(memory_format=_fmt(torch, fmt))
    assert ours.is_contiguous() == theirs.is_contiguous()


def test_channels_last_3d():
    ours = gk.tensor(X5).contiguous(memory_format=gk.channels_last_3d)
    theirs = torch.tensor(X5).contiguous(memory_format=torch.channels_last_3d)
    assert ours.stride() == theirs.stride()
    assert ours.is_contiguous(memory_format=gk.channels_last_3d)
    assert not ours.is_contiguous(memory_format=gk.channels_last)


def test_size_one_dims_do_not_count():
    for shape in [(1, 3, 1, 1), (2, 1, 4, 5), (2, 3, 1, 5)]:
        a = np.zeros(shape, np.float32)
        for fmt in ("contiguous_format", "channels_last"):
            assert gk.tensor(a).is_contiguous(memory_format=_fmt(gk, fmt)) == \
                torch.tensor(a).is_contiguous(memory_format=_fmt(torch, fmt))


def test_gradients_pass_through_a_layout_change():
    x = gk.tensor(X4, requires_grad=True)
    y = x.contiguous(memory_format=gk.channels_last)
    assert type(y.grad_fn).__name__ == "CloneBackward0"
    (y * gk.tensor(X4)).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), X4)


def test_view_follows_the_layout_as_pytorch():
    for L in (gk, torch):
        y = L.tensor(X4).contiguous(memory_format=L.channels_last)
        with pytest.raises(RuntimeError):
            y.view(2, -1)
        assert tuple(y.permute(0, 2, 3, 1).view(2, -1).shape) == (2, 60)


def test_module_to_channels_last_converts_4d_tensors_only():
    gk.manual_seed(0)
    m = gk.nn.Sequential(gk.nn.Conv2d(3, 4, 3), gk.nn.BatchNorm2d(4))
    t = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.BatchNorm2d(4))
    m.to(memory_format=gk.channels_last)
    t.to(memory_format=torch.channels_last)
    for (n, a), (_, b) in zip(m.state_dict().items(), t.state_dict().items()):
        assert a.stride() == b.stride(), n
    x = gk.randn(2, 3, 8, 8).to(memory_format=gk.channels_last)
    np.testing.assert_allclose(m(x).detach().numpy(),
                               m(x.contiguous()).detach().numpy(), rtol=1e-6, atol=1e-6)


def test_errors_as_pytorch():
    for L in (gk, torch):
        with pytest.raises(RuntimeError, match="rank 4"):
            L.zeros(3).contiguous(memory_format=L.channels_last)
        with pytest.raises(RuntimeError, match="preserve"):
            L.zeros(2, 3).t().contiguous(memory_format=L.preserve_format)
        assert L.zeros(2, 2).contiguous(memory_format=L.preserve_format).shape == (2, 2)
        with pytest.raises(TypeError):
            L.zeros(3).clone(memory_format="channels_last")
        with pytest.raises(RuntimeError):
            L.zeros_like(L.zeros(3), memory_format=L.channels_last)


def test_formats_print_as_pytorchs():
    assert repr(gk.channels_last) == "gradkit.channels_last"
    assert isinstance(gk.preserve_format, gk.memory_format)
    assert {str(f).split(".")[1] for f in (gk.contiguous_format, gk.channels_last,
                                           gk.channels_last_3d, gk.preserve_format)} == \
        {str(f).split(".")[1] for f in (torch.contiguous_format, torch.channels_last,
                                        torch.channels_last_3d, torch.preserve_format)}


@pytest.mark.parametrize("rank", [4, 5])
@pytest.mark.parametrize("which", ["input", "weight", "both", "neither", "one_channel"])
def test_convolution_output_follows_channels_last_as_pytorch(rank, which):
    # A channels-last input (or weight) gives a channels-last convolution output, and the layers
    # after it keep that layout, as PyTorch's CPU kernels (gradkit's was always row-major).
    def run(L):
        fmt = L.channels_last if rank == 4 else L.channels_last_3d
        gen = np.random.default_rng(0)
        c = 1 if which == "one_channel" else 3
        shape = (2, c) + (5,) * (rank - 2)
        x = L.tensor(gen.standard_normal(shape).astype(np.float32))
        w = L.tensor(gen.standard_normal((4, c) + (3,) * (rank - 2)).astype(np.float32))
        if which in ("input", "both", "one_channel"):
            x = x.contiguous(memory_format=fmt)
        if which in ("weight", "both"):
            w = w.contiguous(memory_format=fmt)
        x.requires_grad_()
        w.requires_grad_()
        conv = L.nn.functional.conv2d if rank == 4 else L.nn.functional.conv3d
        y = conv(x, w, padding=1)
        z = L.relu(y) * 2
        z.sum().backward()
        return (y.stride(), z.stride(), y.is_contiguous(), y.detach().numpy(),
                x.grad.numpy(), w.grad.numpy())

    g, t = run(gk), run(torch)
    assert g[:3] == t[:3]
    for a, b in zip(g[3:], t[3:]):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("grad", [True, False])
@pytest.mark.parametrize("op", ["conv1d", "conv1d_groups", "conv1d_unbatched", "max_pool1d",
                                "max_pool1d_unbatched", "max_pool1d_indices"])
def test_one_d_layers_on_a_transposed_input_lay_out_as_pytorch(op, grad):
    # A (N, L, C) tensor transposed to (N, C, L) (ConvS2S, text CNNs) looked channels-last once
    # gradkit unsqueezed it to 2-D, and conv1d / max_pool1d kept that layout where PyTorch's
    # output is row-major: a dropout after them then drew its mask in another order, and
    # seeded training diverged from PyTorch's from the first step
    def run(L):
        F = L.nn.functional
        gen = np.random.default_rng(0)
        x = L.tensor(gen.standard_normal((2, 7, 6)).astype(np.float32)).transpose(1, 2)
        w = L.tensor(gen.standard_normal((4, 6, 3)).astype(np.float32))
        wg = L.tensor(gen.standard_normal((6, 1, 3)).astype(np.float32))
        x.requires_grad_(grad)
        y = {"conv1d": lambda: F.conv1d(x, w, padding=1),
             "conv1d_groups": lambda: F.conv1d(x, wg, groups=6),
             "conv1d_unbatched": lambda: F.conv1d(x[0], w),
             "max_pool1d": lambda: F.max_pool1d(x, 2),
             "max_pool1d_unbatched": lambda: F.max_pool1d(x[1], 3, 1),
             "max_pool1d_indices": lambda: F.max_pool1d(x, 2, return_indices=True)[0]}[op]()
        L.manual_seed(3)
        z = F.dropout(y, 0.5)
        if not grad:
            return y.stride(), z.stride(), z.numpy()
        z.sum().backward()
        return y.stride(), z.stride(), z.detach().numpy(), x.grad.numpy()

    g, t = run(gk), run(torch)
    assert g[:2] == t[:2]
    for a, b in zip(g[2:], t[2:]):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)


ONE_CHANNEL = {
    "to": lambda L, x: x.to(memory_format=L.channels_last),
    "clone_as": lambda L, x: x.clone(memory_format=L.channels_last),
    "empty_like_as": lambda L, x: L.empty_like(x, memory_format=L.channels_last),
    "contiguous_as": lambda L, x: x.contiguous(memory_format=L.channels_last),
    "clone_of_to": lambda L, x: x.to(memory_format=L.channels_last).clone(),
    "empty_like_of_to": lambda L, x: L.empty_like(x.to(memory_format=L.channels_last)),
    "to_3d": lambda L, x: x.reshape(3, 1, 2, 2, 1).to(memory_format=L.channels_last_3d),
    "two_by_one": lambda L, x: x.reshape(3, 2, 2, 1)[:, :, :1].contiguous()
    .to(memory_format=L.channels_last),
    "conv_weight": lambda L, x: L.nn.functional.conv2d(
        x, L.ones(3, 1, 2, 2).to(memory_format=L.channels_last), padding=1),
    "conv_module": lambda L, x: L.nn.Conv2d(1, 3, 2).to(memory_format=L.channels_last)(x),
    "conv_transpose_module": lambda L, x: L.nn.ConvTranspose2d(1, 2, 2, stride=2).to(
        memory_format=L.channels_last)(x),
}


@pytest.mark.parametrize("name", sorted(ONE_CHANNEL))
def test_one_channel_channels_last_strides_as_torch(name):
    """A one-channel tensor made channels-last has PyTorch's strides (4, 1, 2, 1) for shape
    (3, 1, 2, 2), told apart from the row-major (4, 4, 2, 1) though NumPy calls both
    C-contiguous; a convolution with such a weight gives a channels-last output."""
    fn = ONE_CHANNEL[name]
    want = fn(torch, torch.ones(3, 1, 2, 2))
    got = fn(gk, gk.ones(3, 1, 2, 2))
    assert got.stride() == want.stride()
    assert got.is_contiguous() == want.is_contiguous()
    fmt = {4: "channels_last", 5: "channels_last_3d"}.get(want.ndim)
    if fmt:
        assert got.is_contiguous(memory_format=getattr(gk, fmt)) == \
            want.is_contiguous(memory_format=getattr(torch, fmt))


@pytest.mark.parametrize("name", ["zeros_like", "ones_like", "empty_like", "rand_like",
                                  "randn_like", "full_like", "randint_like"])
def test_like_factories_take_memory_format_none(name):
    """PyTorch's memory_format is Optional: None is preserve_format (a transposed input's
    order of strides kept)."""
    extra = {"full_like": (2.0,), "randint_like": (3,)}.get(name, ())
    want = getattr(torch, name)(torch.ones(3, 2).t(), *extra, memory_format=None)
    got = getattr(gk, name)(gk.ones(3, 2).t(), *extra, memory_format=None)
    assert got.stride() == want.stride() and tuple(got.shape) == tuple(want.shape)
