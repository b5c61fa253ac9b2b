"""Tensor attributes, conversions and in-place resizing against PyTorch."""

import numpy as np
import pytest
from oracle import dtype_name, same_as_torch

import gradkit as gk


def _views(lib):
    x = lib.arange(24.0).reshape(2, 3, 4)
    return [x, x.transpose(0, 2), x[1], x[:, 1:, ::2], x.transpose(0, 2)[1:, ::2],
            x.unfold(2, 2, 1), x.reshape(-1)[5:], x.expand(3, 2, 3, 4), x[0, 0, 0]]


def test_stride_and_storage_offset_as_torch(torch):
    for g, t in zip(_views(gk), _views(torch)):
        assert g.stride() == t.stride()
        assert g.storage_offset() == t.storage_offset()
        for d in range(g.ndim):
            assert g.stride(d) == t.stride(d)


@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "int32", "int16", "int8",
                                   "uint8", "bool", "float16"])
def test_sizes_and_predicates_as_torch(torch, dtype):
    g = gk.ones(2, 3, dtype=getattr(gk, dtype))
    t = torch.ones(2, 3, dtype=getattr(torch, dtype))
    assert (g.nbytes, g.itemsize, g.ndimension(), g.is_signed(), g.get_device(),
            g.is_inference()) == (t.nbytes, t.itemsize, t.ndimension(), t.is_signed(),
                                  t.get_device(), t.is_inference())
    assert g.is_same_size(gk.zeros(2, 3)) and not g.is_same_size(gk.zeros(3, 2))


@pytest.mark.parametrize("value", [0.0, 2.5, -1.0])
def test_is_nonzero(torch, value):
    assert gk.tensor([value]).is_nonzero() == torch.tensor([value]).is_nonzero()


@pytest.mark.parametrize("shape", [(0,), (2,)])
def test_is_nonzero_refuses_other_sizes(torch, shape):
    with pytest.raises(RuntimeError, match="ambiguous"):
        gk.zeros(shape).is_nonzero()
    with pytest.raises(RuntimeError):
        torch.zeros(shape).is_nonzero()


@pytest.mark.parametrize("method", ["short", "char", "byte"])
def test_conversions(torch, method):
    arr = np.array([1.7, -2.2, 3.0])
    g, t = getattr(gk.tensor(arr), method)(), getattr(torch.tensor(arr), method)()
    assert dtype_name(g.dtype) == dtype_name(t.dtype)
    np.testing.assert_array_equal(g.numpy(), t.numpy())


def test_type_as(torch):
    g = gk.tensor([1.5, 2.5]).type_as(gk.zeros(1, dtype=gk.int32))
    t = torch.tensor([1.5, 2.5]).type_as(torch.zeros(1, dtype=torch.int32))
    assert dtype_name(g.dtype) == dtype_name(t.dtype) and g.tolist() == t.tolist()


@pytest.mark.parametrize("shape", [(2, 2), (6,), (3, 2), (0,), (1, 1, 2)])
def test_resize_keeps_the_leading_elements(torch, shape):
    g, t = gk.arange(6.0), torch.arange(6.0)
    assert g.resize_(*shape) is g and t.resize_(*shape) is t
    assert tuple(g.shape) == tuple(t.shape) and g.tolist() == t.tolist()


def test_resize_grows_and_resize_as(torch):
    g = gk.arange(4.0)
    g.resize_(2, 3)
    assert tuple(g.shape) == (2, 3) and g.reshape(-1)[:4].tolist() == [0.0, 1.0, 2.0, 3.0]
    g.resize_as_(gk.zeros(2))
    assert g.tolist() == torch.arange(4.0).resize_as_(torch.zeros(2)).tolist()


def test_resize_refuses_grad_and_negative_sizes(torch):
    with pytest.raises(RuntimeError, match="require grad"):
        gk.ones(3, requires_grad=True).resize_(2)
    with pytest.raises(RuntimeError):
        torch.ones(3, requires_grad=True).resize_(2)
    with pytest.raises(RuntimeError, match="negative"):
        gk.ones(3).resize_(-1)


def test_resize_of_a_view_that_is_not_contiguous_reads_its_storage_as_torch(torch):
    """PyTorch's resize_ keeps the storage and reads it in storage order from the view's
    offset (not in the view's own element order)."""
    a = np.arange(24.0).reshape(6, 4)
    got = []
    for lib in (torch, gk):
        x = lib.tensor(a)
        y, z, w = x.t(), x[::2], x[1:, 1:3]
        y.resize_(2, 3)
        z.resize_(2, 3)
        w.resize_as_(lib.ones(2, 2))
        w[0, 0] = -1.0  # still a view of x's storage
        got.append((y.tolist(), z.tolist(), w.tolist(), x.tolist()))
    assert got[1] == got[0]


# fill/fill_/zero_/detach_ as functions, the predicates, inference tensors, resize/resize_as
@pytest.mark.parametrize("fn", [
    lambda L: L.fill(L.arange(3.0), 2.5),
    lambda L: L.fill(L.arange(3), 2.5),
    lambda L: L.fill(L.arange(3.0), L.tensor(-1.0)),
    lambda L: L.fill_(L.arange(3.0), 7),
    lambda L: L.zero_(L.arange(3.0)),
    lambda L: L.fill(L.arange(3.0), L.ones(2)),
    lambda L: L.arange(3.0).fill_(L.ones(2)),
    lambda L: L.fill(L.arange(3.0), "a"),
    # PyTorch's checked conversion of the value: floats strictly in an integer dtype's range
    lambda L: L.fill(L.zeros(2, dtype=L.uint8), -0.5),
    lambda L: L.fill(L.zeros(2, dtype=L.int8), -0.5),
    lambda L: L.fill(L.zeros(2, dtype=L.uint8), 255.5),
    lambda L: L.fill(L.zeros(2, dtype=L.uint8), -1),
    lambda L: L.fill(L.zeros(2, dtype=L.uint8), -256),
    lambda L: L.fill(L.zeros(2, dtype=L.int32), float("inf")),
    lambda L: L.fill(L.zeros(2, dtype=L.int64), float("nan")),
    lambda L: L.fill(L.zeros(2, dtype=L.float16), 1e30),
    lambda L: L.zeros(2, dtype=L.uint8).t().fill_(float("inf")),
])
def test_fill_functions_against_torch(torch, fn):
    same_as_torch(torch, fn)


def test_fill_gradient_flows_to_the_value(torch):
    out = []
    for L in (gk, torch):
        x = L.tensor([1.0, 2.0, 3.0], requires_grad=True)
        v = L.tensor(2.0, requires_grad=True)
        (L.fill(x * 1, v) * L.tensor([1.0, 2.0, 3.0])).sum().backward()
        out.append((x.grad.tolist(), v.grad.item()))
    assert out[0] == out[1] == ([0.0, 0.0, 0.0], 6.0)


def test_predicates_and_detach_as_functions(torch):
    for L in (gk, torch):
        x = L.ones(2, 3)
        assert L.is_same_size(x, L.zeros(2, 3)) and not L.is_same_size(x, L.zeros(3, 2))
        assert L.is_signed(x) and not L.is_signed(L.ones(2, dtype=L.uint8))
        y = (L.ones(2, requires_grad=True) * 2)
        assert L.detach_(y) is y and y.grad_fn is None and not y.requires_grad
        assert not L.is_inference(x)


def test_tensors_made_under_inference_mode_are_inference_tensors(torch):
    for L in (gk, torch):
        x = L.ones(3)
        with L.inference_mode():
            y, z = x * 2, L.zeros(2)
        with L.no_grad():
            w = x * 2
        assert (x.is_inference(), y.is_inference(), L.is_inference(z), w.is_inference()) == (
            False, True, True, False)


def test_resize_and_resize_as_warn_and_reshape(torch):
    for L in (gk, torch):
        x = L.arange(12.0).view(3, 4).requires_grad_()
        with pytest.warns(UserWarning, match="non-inplace resize is deprecated"):
            y = x.resize(2, 6)
        with pytest.warns(UserWarning, match="non-inplace resize_as is deprecated"):
            z = x.resize_as(L.zeros(12))
        assert tuple(y.shape) == (2, 6) and tuple(z.shape) == (12,)
        y.sum().backward()
        assert x.grad.tolist() == [[1.0] * 4] * 3
        with pytest.warns(UserWarning), pytest.raises(RuntimeError, match="preserving the number"):
            x.resize(5)


@pytest.mark.parametrize("name", ["lstsq", "solve", "eig", "symeig"])
def test_removed_linalg_methods_raise_as_torch(torch, name):
    msgs = []
    for L in (gk, torch):
        x = L.eye(3)
        with pytest.raises(RuntimeError) as e:
            getattr(x, name)(x) if name in ("lstsq", "solve") else getattr(x, name)()
        msgs.append(str(e.value))
    assert msgs[0] == msgs[1]


def test_legacy_new_constructor_as_torch(torch):
    # AWD-LSTM's embedded_dropout: w.new().resize_((n, 1)).bernoulli_(...); x.new(2, 3)
    for dtype in ("float64", "int32", "float32"):
        g, t = gk.ones(2, dtype=getattr(gk, dtype)), torch.ones(2, dtype=getattr(torch, dtype))
        for args in [(), (2, 3), (0,), (2, 0), ([1, 2],), ((1, 2),), ([],)]:
            a, b = g.new(*args), t.new(*args)
            assert (tuple(a.shape), dtype_name(a.dtype), a.requires_grad) == \
                (tuple(b.shape), dtype_name(b.dtype), b.requires_grad)
            if args and isinstance(args[0], (list, tuple)):
                assert a.tolist() == b.tolist()
        assert tuple(g.new(gk.Size([3, 1])).shape) == tuple(t.new(torch.Size([3, 1])).shape)
        assert g.new(2, device="cpu").shape == (2,)
        assert g.new().resize_((4, 1)).shape == (4, 1)
    w = gk.ones(3, requires_grad=True)
    assert not w.new(2).requires_grad and not w.data.new(2).requires_grad
    same = gk.arange(3.0)
    assert gk.equal(gk.ones(1).new(same), same)
    for args, kw in [((2.5,), {}), ((-1,), {}), ((gk.tensor([1, 2]),), {}), ((2,), {"dtype": 1})]:
        targs = tuple(torch.tensor(a.tolist()) if isinstance(a, gk.Tensor) else a for a in args)
        tkw = {"dtype": torch.int64} if kw else {}
        with pytest.raises(Exception) as te:
            torch.ones(2).new(*targs, **tkw)
        with pytest.raises(te.type):
            gk.ones(2).new(*args, **({"dtype": gk.int64} if kw else {}))


def _write_through_view(L):
    base = L.arange(6.0).reshape(2, 3)
    base[:, 1].apply_(lambda v: -v)
    return base


@pytest.mark.parametrize("fn", [
    lambda L: L.tensor([1, 2]).apply_(lambda v: v * 2.7),
    lambda L: L.tensor([-2.5, 3.9]).to(L.int32).apply_(lambda v: v / 2),
    lambda L: L.arange(6.0).reshape(2, 3).t().apply_(lambda v: v + 1),
    lambda L: L.tensor(2.0).apply_(lambda v: v + 1),
    lambda L: L.zeros(0).apply_(lambda v: 1 / 0),
    lambda L: L.ones(3, dtype=L.uint8).apply_(lambda v: -1),
    lambda L: L.ones(3, dtype=L.bool).apply_(lambda v: 0.5),
    lambda L: L.ones(3).apply_(lambda v: True),
    lambda L: L.ones(3).apply_(lambda v: L.tensor(2.0)),
    lambda L: L.ones(3).apply_(lambda v: np.float32(2.5)),
    lambda L: L.ones(2, 3).map_(L.arange(3.0), lambda a, b: a + b + 1),
    lambda L: L.ones(3).map2_(L.ones(3), L.ones(1), lambda a, b, c: a + b + c),
    _write_through_view,
    # refused as PyTorch refuses them
    lambda L: L.ones(3, requires_grad=True).apply_(lambda v: v),
    lambda L: (L.ones(3, requires_grad=True) * 2).apply_(lambda v: v),
    lambda L: L.ones(3).map_(L.ones(3, requires_grad=True), lambda a, b: a),
    lambda L: L.ones(3).apply_(lambda v: "a"),
    lambda L: L.ones(3).apply_(lambda v: None),
    lambda L: L.ones(3).apply_(lambda v: 1 + 2j),
    lambda L: L.ones(3).apply_(5),
    lambda L: L.ones(3).map_(L.ones(2, 3), lambda a, b: a + b),
    lambda L: L.ones(3).map_(L.ones(3, dtype=L.int64), lambda a, b: a + b),
    lambda L: L.ones(3).map_([1, 2, 3], lambda a, b: a + b),
])
def test_apply_and_map_call_python_per_element_as_torch(torch, fn):
    same_as_torch(torch, fn)


def test_apply_passes_python_scalars_of_the_dtype(torch):
    seen = {}
    for L in (gk, torch):
        kinds = seen.setdefault(L.__name__, [])
        for t in (L.tensor([1, 2]), L.tensor([1.5]), L.tensor([True])):
            t.apply_(lambda v, kinds=kinds: kinds.append(type(v).__name__) or v)
    assert seen["gradkit"] == seen["torch"] == ["int", "int", "float", "bool"]


def test_apply_on_a_complex_tensor_as_torch(torch):
    got, want = (L.ones(2, dtype=L.complex64).apply_(lambda v: v * 1j + 0.5) for L in (gk, torch))
    assert dtype_name(got.dtype) == dtype_name(want.dtype)
    assert got.tolist() == want.tolist() == [0.5 + 1j] * 2


@pytest.mark.parametrize("value", [np.float64(1.5), np.float32(2.0), np.float16(1), np.bool_(True)])
def test_to_a_numpy_number_is_float64_as_torch(value):
    # PyTorch reads a NumPy floating or bool number as a Python float: to(float64); gradkit
    # raised TypeError (an integer is a device index, as PyTorch's)
    torch = pytest.importorskip("torch")
    assert str(torch.ones(2).to(value).dtype) == "torch.float64"
    assert gk.ones(2).to(value).dtype == gk.float64


@pytest.mark.parametrize("call", [
    lambda L: L.ones(2, 3).copy_(L.full((2, 3), 2.0), non_blocking=True),
    lambda L: L.ones(2, 3).copy_(L.full((2, 3), 2.0), True),
    lambda L: L.ones(2, 3).copy_(L.full((2, 3), 2.0), non_blocking=None),
    lambda L: L.ones(2, 3).bfloat16(memory_format=None).float(),
    lambda L: L.ones(1, 2, 2, 2).bfloat16(memory_format=L.channels_last).float().contiguous(),
    lambda L: L.ones(2, 3).bfloat16(memory_format=1),
], ids=["copy-non-blocking", "copy-positional", "copy-none", "bf16-none", "bf16-channels-last",
        "bf16-int"])
def test_copy_non_blocking_and_bfloat16_memory_format_as_torch(torch, call):
    # PyTorch's copy_ takes non_blocking (a bool) and bfloat16() a memory_format, as the other
    # conversions; gradkit took neither (arg fuzzer seed 30)
    pytest.importorskip("ml_dtypes")
    same_as_torch(torch, call)


@pytest.mark.parametrize("make", [
    lambda L: L.ones(3, 4).T, lambda L: L.ones(3, 4)[1], lambda L: L.ones(3, 4).view(12),
    lambda L: L.ones(3).expand(2, 3), lambda L: L.ones(3, 4, requires_grad=True).T,
])
def test_detach_in_place_refuses_a_view_as_torch(make):
    # PyTorch's RuntimeError for any view, requiring grad or not (gradkit detached it; op
    # fuzzer seed 45, torch.detach_ of a transposed tensor)
    torch = pytest.importorskip("torch")
    for L in (torch, gk):
        with pytest.raises(RuntimeError, match="Can't detach views in-place"):
            make(L).detach_()
        with pytest.raises(RuntimeError, match="Can't detach views in-place"):
            L.detach_(make(L))
    x = gk.ones(3, 4, requires_grad=True) * 2
    assert x.detach_() is x and not x.requires_grad and x.grad_fn is None


@pytest.mark.parametrize("shape,fmt", [((2, 3, 3, 3), "channels_last"),
                                       ((1, 2, 3, 1), "channels_last"),
                                       ((1, 2, 2, 2, 1), "channels_last_3d"),
                                       ((2, 3), "contiguous_format")])
def test_resize_memory_format_restrides_as_torch(torch, shape, fmt):
    """resize_(..., memory_format=channels_last) lays the kept storage out as (N, H, W, C), as
    PyTorch: the strides, and which storage element each index reads."""
    n = int(np.prod(shape))
    ours = gk.arange(float(n)).resize_(*shape, memory_format=getattr(gk, fmt))
    theirs = torch.arange(float(n)).resize_(*shape, memory_format=getattr(torch, fmt))
    assert ours.stride() == theirs.stride()
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    x = gk.arange(float(n)).reshape(shape)
    assert x.resize_(*shape, memory_format=getattr(gk, fmt)).stride() == theirs.stride()
