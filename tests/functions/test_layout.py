"""Memory layout as PyTorch's where users can see it: ``stride()`` and ``is_contiguous()`` of op
outputs (conv outputs are contiguous NCHW, so ``x.view(x.size(0), -1)`` works after a conv), and
``view`` making a view exactly where PyTorch does and raising PyTorch's RuntimeError (with its
hint to use reshape) where it does not."""

import pytest

import gradkit as gk


def _ops(L):
    F = L.nn.functional
    x4, x3, x2 = L.ones(2, 3, 8, 8), L.ones(2, 3, 8), L.ones(4, 6)
    return {
        "conv1d": lambda: F.conv1d(x3, L.ones(4, 3, 3)),
        "conv2d": lambda: F.conv2d(x4, L.ones(4, 3, 3, 3), padding=1),
        "conv2d-stride": lambda: F.conv2d(x4, L.ones(4, 3, 3, 3), stride=2),
        "conv2d-groups": lambda: F.conv2d(L.ones(2, 4, 8, 8), L.ones(4, 1, 3, 3), groups=4),
        "conv3d": lambda: F.conv3d(L.ones(2, 2, 4, 4, 4), L.ones(3, 2, 2, 2, 2)),
        "conv3d-batch1": lambda: F.conv3d(L.ones(1, 2, 4, 4, 4), L.ones(3, 2, 2, 2, 2)),
        "conv_transpose1d": lambda: F.conv_transpose1d(x3, L.ones(3, 2, 3)),
        "conv_transpose2d": lambda: F.conv_transpose2d(x4, L.ones(3, 2, 3, 3)),
        "relu-of-conv": lambda: F.relu(F.conv2d(x4, L.ones(4, 3, 3, 3))),
        "flatten-of-conv": lambda: F.conv2d(x4, L.ones(4, 3, 3, 3)).flatten(1),
        "max_pool2d": lambda: F.max_pool2d(x4, 2),
        "avg_pool2d": lambda: F.avg_pool2d(x4, 2),
        "adaptive_avg_pool2d": lambda: F.adaptive_avg_pool2d(x4, (1, 1)),
        "linear": lambda: F.linear(L.ones(2, 4, 6), L.ones(5, 6), L.ones(5)),
        "bmm": lambda: L.bmm(L.ones(2, 3, 4), L.ones(2, 4, 5)),
        "softmax": lambda: F.softmax(x2, 0),
        "pad": lambda: F.pad(x4, (1, 1, 1, 1)),
        "interpolate": lambda: F.interpolate(x4, scale_factor=2),
        "layer_norm": lambda: F.layer_norm(x3, (8,)),
        "unfold": lambda: F.unfold(x4, 3),
        "index_select": lambda: x2.index_select(1, L.tensor([0, 2])),
        "flip": lambda: x2.flip(0),
        "diag_embed": lambda: L.diag_embed(x2),
        "diag_embed-dims": lambda: L.diag_embed(x2, 0, 0, 2),
        "transpose": lambda: x2.t(),
        "transpose-times-2": lambda: x2.t() * 2,
        "slice": lambda: x4[:, 1:, ::2],
        "expand": lambda: x2.expand(3, 4, 6),
        "size-1-dims": lambda: L.ones(1, 3, 1, 2),
        "empty": lambda: L.ones(0, 3, 2),
        # square operands broadcast like an elementwise op's, yet the product is row-major
        "matmul-square-first-transposed": lambda: L.ones(2, 4, 4).transpose(1, 2) @ L.ones(2, 4, 4),
        "matmul-square-both-transposed": lambda: L.matmul(L.ones(2, 4, 4).mT, L.ones(2, 4, 4).mT),
        "matmul-2d-square-transposed": lambda: L.ones(5, 5).t() @ L.ones(5, 5),
        "matmul-batch-permuted": lambda: L.ones(4, 2, 4).permute(1, 2, 0) @ L.ones(2, 4, 4),
    }


@pytest.mark.parametrize("name", list(_ops(gk)))
def test_strides_and_contiguity_as_torch(torch, name):
    g, t = _ops(gk)[name](), _ops(torch)[name]()
    assert (g.is_contiguous(), g.stride()) == (t.is_contiguous(), t.stride())


def test_view_after_a_conv_as_in_cnn_programs(torch):
    for lib in (torch, gk):
        y = lib.nn.functional.conv2d(lib.ones(2, 3, 6, 6), lib.ones(4, 3, 3, 3))
        assert tuple(y.view(y.size(0), -1).shape) == (2, 64)


def _sources(L):
    x = L.arange(24.0).reshape(2, 3, 4)
    return [x, x.transpose(0, 2), x[:, 1:], x[:, :, ::2], x[1], x.permute(1, 0, 2), x[:, :1],
            x.transpose(1, 2)[:, :2], x.expand(2, 2, 3, 4)[0], L.ones(3, 1).t(), L.ones(0, 3).t(),
            L.tensor(5.0)]


SHAPES = [(-1,), (2, -1), (-1, 2), (6, 4), (4, 6), (2, 3, 4), (1, -1), (-1, 1), (3, 2, 4),
          (2, 12), (12, 2), (4, 3, 2), (3, 8), (1,), (1, 1)]


@pytest.mark.parametrize("k", range(12))
def test_view_makes_a_view_or_raises_as_torch(torch, k):
    for shape in SHAPES:
        g, t = _sources(gk)[k], _sources(torch)[k]
        try:
            want = t.view(*shape)
        except RuntimeError as e:
            assert "reshape" in str(e) or "invalid for input of size" in str(e)
            with pytest.raises(RuntimeError, match=r"Use \.reshape|invalid|view"):
                g.view(*shape)
            continue
        got = g.view(*shape)
        assert (tuple(got.shape), got.stride()) == (tuple(want.shape), want.stride())


def test_a_view_writes_through_and_flip_copies(torch):
    for lib in (torch, gk):
        x = lib.zeros(2, 6)
        x[:, 2:].view(2, 2, 2)[1, 0, 1] = 5.0
        assert x[1, 3].item() == 5.0
        with pytest.raises(RuntimeError, match=r"Use \.reshape"):
            x.t().view(-1)
        y = x.flip(0)
        y[0, 0] = 7.0  # a copy: x is unchanged
        assert x[1, 0].item() == 0.0


def test_arange_refuses_bounds_against_the_step_sign_and_infinite_bounds():
    torch = pytest.importorskip("torch")
    for args in ((0, 10, -1), (10, 0, 1), (0.0, float("inf")), (float("nan"), 1.0)):
        with pytest.raises(RuntimeError):
            torch.arange(*args)
        with pytest.raises(RuntimeError, match="arange"):
            gk.arange(*args)
    for args in ((5, 5, -1), (5, 5, 1), (3, 0, -1), (0, 1, 0.25)):
        assert gk.arange(*args).tolist() == torch.arange(*args).tolist()


def _advanced_views(L):
    """Inputs of several layouts and advanced indexes into them (tensors of indices, masks,
    ints between them), as in graph code: ``edge_index[:, perm]``, ``x[:, idx]``."""
    x = L.arange(60).view(3, 4, 5)
    i, j = L.tensor([1, 0]), L.tensor([[2, 3], [0, 1]])
    inputs = {"contiguous": x, "transposed": x.transpose(0, 1), "permuted": x.permute(2, 0, 1),
              "last-two-swapped": x.transpose(1, 2), "strided-slice": x[:, ::2],
              "offset-slice": x[:, :, 1:]}
    indexes = {"[:, i]": lambda t: t[:, i], "[i]": lambda t: t[i], "[..., i]": lambda t: t[..., i],
               "[:, i, i]": lambda t: t[:, i, i], "[i, :, i]": lambda t: t[i, :, i],
               "[:, j]": lambda t: t[:, j], "[:, j.t()]": lambda t: t[:, j.t()],
               "[1, :, i]": lambda t: t[1, :, i], "[mask]": lambda t: t[:, t[0] > 10],
               "[None, :, i]": lambda t: t[None, :, i]}
    return inputs, indexes


@pytest.mark.parametrize("index", list(_advanced_views(gk)[1]))
@pytest.mark.parametrize("layout", list(_advanced_views(gk)[0]))
def test_advanced_indexing_result_strides_as_torch(torch, layout, index):
    """PyTorch lays the result out by its TensorIterator rule (row-major from a row-major
    input), NumPy with the indexed dims outermost: ``edge_index[:, perm].view(-1)`` must work."""
    (gin, gix), (tin, tix) = _advanced_views(gk), _advanced_views(torch)
    try:
        t = tix[index](tin[layout])
    except (IndexError, RuntimeError):
        return  # (an index that does not fit this input)
    g = gix[index](gin[layout])
    assert g.tolist() == t.tolist()
    assert (g.is_contiguous(), g.stride()) == (t.is_contiguous(), t.stride())


def test_edge_index_permuted_by_columns_views_flat(torch):
    for L in (gk, torch):
        edge_index = L.tensor([[0, 1, 2, 3], [1, 2, 3, 0]])
        perm = L.tensor([3, 1, 0, 2])
        assert edge_index[:, perm].view(-1).tolist() == [3, 1, 0, 2, 0, 2, 1, 3]
