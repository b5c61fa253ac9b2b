"""Op outputs and input gradients laid out as PyTorch's on row-major, transposed, channels-last
and sliced inputs: a random op after a layer (dropout, ``normal_`` on ``empty_like``) draws its
numbers in memory order, so another layout gives another mask after the same seed."""

import numpy as np
import pytest

import gradkit as gk

torch = pytest.importorskip("torch")


def _inputs(L, gen):
    def t(*shape):
        return L.tensor(gen.standard_normal(shape).astype(np.float32))
    return {
        "rows3": lambda: t(2, 6, 7),
        "transposed": lambda: t(2, 7, 6).transpose(1, 2),  # (N, L, C) -> (N, C, L)
        "rows4": lambda: t(2, 6, 5, 7),
        "channels_last": lambda: t(2, 6, 5, 7).contiguous(memory_format=L.channels_last),
        "permuted4": lambda: t(2, 5, 6, 7).permute(0, 2, 1, 3),
        "sliced4": lambda: t(2, 12, 5, 8)[:, ::2, :, 1:],
        "channels_last_3d": lambda: t(2, 4, 5, 3, 6).contiguous(
            memory_format=L.channels_last_3d),
    }


# (name, inputs it runs on, op); fixed weights come from the same generator on both sides
_OPS = [
    ("avg_pool1d", "3", lambda F, x, w: F.avg_pool1d(x, 2)),
    ("avg_pool1d_pad", "3", lambda F, x, w: F.avg_pool1d(x, 3, 2, 1)),
    ("lp_pool1d", "3", lambda F, x, w: F.lp_pool1d(x, 2, 2)),
    ("adaptive_avg_pool1d", "3", lambda F, x, w: F.adaptive_avg_pool1d(x, 3)),
    ("adaptive_avg_pool1d_uneven", "3", lambda F, x, w: F.adaptive_avg_pool1d(x, 4)),
    ("adaptive_max_pool1d", "3", lambda F, x, w: F.adaptive_max_pool1d(x, 3)),
    ("max_pool1d", "3", lambda F, x, w: F.max_pool1d(x, 2)),
    ("add_row_major1d", "3", lambda F, x, w: x + x.detach().contiguous()),
    ("relu1d", "3", lambda F, x, w: F.relu(x)),
    ("softmax1d", "3", lambda F, x, w: F.softmax(x, 1)),
    ("log_softmax1d_last", "3", lambda F, x, w: F.log_softmax(x, -1)),
    ("gelu1d", "3", lambda F, x, w: F.gelu(x)),
    ("layer_norm1d", "3", lambda F, x, w: F.layer_norm(x, (x.shape[-1],))),
    ("instance_norm1d", "3", lambda F, x, w: F.instance_norm(x)),
    ("group_norm1d", "3", lambda F, x, w: F.group_norm(x, 2)),
    ("avg_pool2d", "4", lambda F, x, w: F.avg_pool2d(x, 2)),
    ("avg_pool2d_pad", "4", lambda F, x, w: F.avg_pool2d(x, 3, 2, 1)),
    ("lp_pool2d", "4", lambda F, x, w: F.lp_pool2d(x, 2, 2)),
    ("adaptive_avg_pool2d", "4", lambda F, x, w: F.adaptive_avg_pool2d(x, (5, 7))),
    ("adaptive_avg_pool2d_uneven", "4", lambda F, x, w: F.adaptive_avg_pool2d(x, 3)),
    ("adaptive_max_pool2d", "4", lambda F, x, w: F.adaptive_max_pool2d(x, 3)),
    ("max_pool2d", "4", lambda F, x, w: F.max_pool2d(x, 2)),
    ("conv2d", "4", lambda F, x, w: F.conv2d(x, w["conv"], padding=1)),
    ("conv_transpose2d", "4", lambda F, x, w: F.conv_transpose2d(x, w["conv_t"], stride=2)),
    ("batch_norm_eval", "4", lambda F, x, w: F.batch_norm(x, w["b"].abs(), w["g"].abs(),
                                                         w["g"], w["b"], training=False)),
    ("batch_norm_train", "4", lambda F, x, w: F.batch_norm(x, None, None, w["g"], w["b"],
                                                          training=True)),
    ("group_norm2d", "4", lambda F, x, w: F.group_norm(x, 2)),
    ("group_norm2d_affine", "4", lambda F, x, w: F.group_norm(x, 3, w["g"], w["b"])),
    ("instance_norm2d", "4", lambda F, x, w: F.instance_norm(x)),
    ("softmax2d", "4", lambda F, x, w: F.softmax(x, 1)),
    ("log_softmax2d", "4", lambda F, x, w: F.log_softmax(x, 1)),
    ("gelu2d", "4", lambda F, x, w: F.gelu(x)),
    ("cumsum2d", "4", lambda F, x, w: x.cumsum(1)),
    ("relu2d", "4", lambda F, x, w: F.relu(x)),
    ("dropout_mul", "4", lambda F, x, w: x * 2),
    ("add_row_major", "4", lambda F, x, w: x + x.detach().contiguous()),
    ("mul_by_row_major", "4", lambda F, x, w: x.detach().contiguous() * x),
    ("local_response_norm", "4", lambda F, x, w: F.local_response_norm(x, 2)),
    # reductions and scans write row-major results; sort keeps the input's layout
    ("sum_keepdim", "4", lambda F, x, w: x.sum(2, keepdim=True)),
    ("sum_inner", "4", lambda F, x, w: x.sum(2)),
    ("mean_spatial_keepdim", "4", lambda F, x, w: x.mean((2, 3), keepdim=True)),
    ("std_keepdim", "4", lambda F, x, w: x.std(2, keepdim=True)),
    ("amax_keepdim", "4", lambda F, x, w: x.amax(2, keepdim=True)),
    ("norm_keepdim", "4", lambda F, x, w: x.norm(dim=2, keepdim=True)),
    ("logsumexp_keepdim", "4", lambda F, x, w: x.logsumexp(2, keepdim=True)),
    ("cumprod", "4", lambda F, x, w: x.cumprod(1)),
    ("cummax", "4", lambda F, x, w: x.cummax(1)[0]),
    ("logcumsumexp", "4", lambda F, x, w: x.logcumsumexp(1)),
    ("sort", "4", lambda F, x, w: x.sort(1)[0]),
    ("sort_last", "3", lambda F, x, w: x.sort(-1)[0]),
    ("topk", "4", lambda F, x, w: x.topk(2, 1)[0]),
    ("sum_keepdim3d", "5", lambda F, x, w: x.sum(2, keepdim=True)),
    ("sort3d", "5", lambda F, x, w: x.sort(1)[0]),
    # resampling: a channels-last input gives a channels-last result, as PyTorch's kernels
    ("pad_constant", "4", lambda F, x, w: F.pad(x, (1, 2, 0, 1))),
    ("pad_constant_channels", "4", lambda F, x, w: F.pad(x, (1, 2, 0, 1, 1, 1), value=0.5)),
    ("pad_reflect", "4", lambda F, x, w: F.pad(x, (1, 2, 0, 1), mode="reflect")),
    ("pad_replicate", "4", lambda F, x, w: F.pad(x, (1, 2, 0, 1), mode="replicate")),
    ("pad_circular", "4", lambda F, x, w: F.pad(x, (1, 2, 0, 1), mode="circular")),
    ("pad_reflect1d", "3", lambda F, x, w: F.pad(x, (1, 2), mode="reflect")),
    ("pad_replicate3d", "5", lambda F, x, w: F.pad(x, (1, 1, 1, 1, 1, 1), mode="replicate")),
    ("pixel_shuffle", "4", lambda F, x, w: F.pixel_shuffle(F.pad(x, (0, 0, 0, 0, 0, 2)), 2)),
    ("pixel_unshuffle", "4", lambda F, x, w: F.pixel_unshuffle(x[:, :, :4, :6], 2)),
    ("channel_shuffle", "4", lambda F, x, w: F.channel_shuffle(x, 2)),
    ("interpolate_nearest", "4", lambda F, x, w: F.interpolate(x, scale_factor=2)),
    ("interpolate_nearest_exact", "4", lambda F, x, w: F.interpolate(x, (3, 4),
                                                                     mode="nearest-exact")),
    ("interpolate_bilinear", "4", lambda F, x, w: F.interpolate(x, scale_factor=2,
                                                                mode="bilinear")),
    ("interpolate_bilinear_corners", "4", lambda F, x, w: F.interpolate(
        x, (3, 4), mode="bilinear", align_corners=True)),
    ("interpolate_bicubic", "4", lambda F, x, w: F.interpolate(x, scale_factor=2,
                                                               mode="bicubic")),
    ("interpolate_area", "4", lambda F, x, w: F.interpolate(x, (3, 4), mode="area")),
    ("interpolate_linear", "3", lambda F, x, w: F.interpolate(x, scale_factor=2, mode="linear")),
    ("interpolate_trilinear", "5", lambda F, x, w: F.interpolate(x, scale_factor=2,
                                                                 mode="trilinear")),
    ("interpolate_nearest3d", "5", lambda F, x, w: F.interpolate(x, scale_factor=2)),
    # elementwise ops of mixed layouts, broadcast: PyTorch's TensorIterator order
    ("add_broadcast_row_major", "4", lambda F, x, w: x + w["rows"]),
    ("add_broadcast_permuted", "4", lambda F, x, w: x + w["permuted"]),
    ("mul_broadcast_first", "4", lambda F, x, w: w["permuted"] * x),
    ("where_mixed", "4", lambda F, x, w: F.relu(x).where(x.detach() == w["rows"], w["rows"])),
    ("lerp_mixed", "4", lambda F, x, w: w["rows"].lerp(x, 0.25)),
    ("conv_transpose3d", "5", lambda F, x, w: F.conv_transpose3d(x, w["conv_t3"])),
    ("batch_norm3d", "5", lambda F, x, w: F.batch_norm(x, None, None, training=True)),
    ("max_pool3d", "5", lambda F, x, w: F.max_pool3d(x, 2)),
    ("max_pool3d_indices", "5", lambda F, x, w: F.max_pool3d(x, 2, return_indices=True)[0]),
    ("avg_pool3d", "5", lambda F, x, w: F.avg_pool3d(x, 2)),
    ("adaptive_avg_pool3d", "5", lambda F, x, w: F.adaptive_avg_pool3d(x, 2)),
    ("adaptive_max_pool3d", "5", lambda F, x, w: F.adaptive_max_pool3d(x, 2)),
]
_RANKS = {"3": ("rows3", "transposed"), "4": ("rows4", "channels_last", "permuted4", "sliced4"),
          "5": ("channels_last_3d",)}
_CASES = [(name, layout, op) for name, rank, op in _OPS for layout in _RANKS[rank]]


def _run(L, layout, op):
    F = L.nn.functional
    gen = np.random.default_rng(0)
    x = _inputs(L, gen)[layout]()
    w = {"conv": L.tensor(gen.standard_normal((4, 6, 3, 3)).astype(np.float32)),
         "conv_t": L.tensor(gen.standard_normal((6, 3, 3, 3)).astype(np.float32)),
         "conv_t3": L.tensor(gen.standard_normal((4, 3, 2, 2, 2)).astype(np.float32)),
         "g": L.tensor(gen.standard_normal(6).astype(np.float32)),
         "b": L.tensor(gen.standard_normal(6).astype(np.float32))}
    w["rows"] = L.tensor(gen.standard_normal((6, 5, 7)).astype(np.float32))
    w["permuted"] = L.tensor(gen.standard_normal((5, 6, 7)).astype(np.float32)).permute(1, 0, 2)
    x.requires_grad_(True)
    y = op(F, x, w)
    L.manual_seed(3)
    z = F.dropout(y, 0.5)
    z.sum().backward()
    return y.stride(), x.grad.stride(), z.detach().numpy(), x.grad.numpy()


@pytest.mark.parametrize("name,layout,op", _CASES, ids=[f"{n}-{lay}" for n, lay, _ in _CASES])
def test_output_and_gradient_lay_out_as_pytorch(name, layout, op):
    g, t = _run(gk, layout, op), _run(torch, layout, op)
    assert g[0] == t[0], "output strides"
    assert g[1] == t[1], "input gradient strides"
    for a, b in zip(g[2:], t[2:]):  # dropout after the op draws PyTorch's mask
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)


_INDEX_OPS = {
    "argsort": lambda x: x.argsort(1),
    "sort_indices": lambda x: x.sort(-1)[1],
    "topk_indices": lambda x: x.topk(2, 1)[1],
    "cummax_indices": lambda x: x.cummax(1)[1],
    "max_indices_keepdim": lambda x: x.max(2, keepdim=True)[1],
    "eq_row_major": lambda x: x == x.detach().contiguous(),
}


@pytest.mark.parametrize("layout", _RANKS["4"])
@pytest.mark.parametrize("name", sorted(_INDEX_OPS))
def test_index_and_bool_outputs_lay_out_as_pytorch(name, layout):
    ours = _INDEX_OPS[name](_inputs(gk, np.random.default_rng(0))[layout]())
    theirs = _INDEX_OPS[name](_inputs(torch, np.random.default_rng(0))[layout]())
    assert ours.stride() == theirs.stride()
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


_CONV_LAYOUT_CASES = [
    (op, dtype, batch, kw)
    for op in ("conv2d", "conv3d", "conv_transpose2d", "conv_transpose3d")
    for dtype in ("float32", "float64", "bfloat16")
    for batch, kw in ((2, {}), (1, {}), (1, {"stride": 2}), (1, {"groups": 3}))
] + [(op, dtype, 2, {"stride": 1, "dilation": 2, "output_padding": 1})
     for op in ("conv_transpose2d", "conv_transpose3d") for dtype in ("float32", "bfloat16")]


@pytest.mark.parametrize("op,dtype,batch,kw", _CONV_LAYOUT_CASES)
def test_channels_last_convolution_output_layout_as_pytorch(op, dtype, batch, kw):
    """PyTorch's 3-d convolutions that it does not hand to oneDNN (float64; float32 of a
    batch of one, small and ungrouped; a transposed one whose output_padding reaches its
    stride) run slow_conv3d and its transposed and dilated kin, which write a contiguous
    output from a channels-last input; its 2-d fallbacks and oneDNN keep channels-last."""
    nd = 3 if op.endswith("3d") else 2

    def run(L):
        gen = np.random.default_rng(1)
        fmt = L.channels_last_3d if nd == 3 else L.channels_last
        x = L.tensor(gen.standard_normal((batch, 3) + (4,) * nd)).to(getattr(L, dtype))
        x = x.contiguous(memory_format=fmt).requires_grad_(True)
        g = kw.get("groups", 1)
        shape = (3, 3 // g) if "transpose" in op else (3, 3 // g)
        w = L.tensor(gen.standard_normal(shape + (2,) * nd)).to(getattr(L, dtype))
        y = getattr(L.nn.functional, op)(x, w, **kw)
        y.float().sum().backward()
        return (y.stride(), x.grad.stride(), y.detach().float().numpy(),
                x.grad.float().numpy())

    g, t = run(gk), run(torch)
    assert g[:2] == t[:2], "output and input gradient strides"
    # (bfloat16: a few units; where PyTorch has no oneDNN bfloat16 kernel, a processor without
    # AVX-512, its slow transposed kernel adds the overlapping taps in bfloat16)
    tol = 6e-2 if dtype == "bfloat16" else 1e-5
    np.testing.assert_allclose(g[2], t[2], rtol=tol, atol=tol)
    np.testing.assert_allclose(g[3], t[3], rtol=tol, atol=tol)
