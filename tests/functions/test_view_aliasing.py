"""Every op PyTorch documents as returning a view shares its input's memory in gradkit too, for
inputs of several layouts, against PyTorch: a write through the view lands in the base and a
write to the base is seen through the view; ``_is_view()``, ``_base``, strides, storage offset,
contiguity, ``data_ptr()`` and the shared storage and version counter are PyTorch's; an in-place
change of a view of a tensor that requires grad gives PyTorch's values, gradients and nodes. Ops
that copy (reshape of a transposed tensor, advanced indexing, ...) share nothing."""

import numpy as np
import pytest

import gradkit as gk

LAYOUTS = {
    "contiguous": lambda L: L.arange(24.0).reshape(2, 3, 4),
    "transposed": lambda L: L.arange(24.0).reshape(2, 3, 4).transpose(0, 2),
    "sliced": lambda L: L.arange(96.0).reshape(4, 6, 4)[::2, ::2, 1:],
    "offset": lambda L: L.arange(40.0)[7:31].view(2, 3, 4),
}


def _mod(x):
    return gk if isinstance(x, gk.Tensor) else __import__("torch")


# views whose elements are distinct (a write through them is defined)
VIEWS = {
    "index": lambda x: x[1],
    "slice_step": lambda x: x[:, ::2],
    "ellipsis": lambda x: x[..., 1],
    "none": lambda x: x[None, 1:],
    "int_tensor_index": lambda x: x[_mod(x).tensor(1)],
    "adjoint": lambda x: x.adjoint(),
    "as_strided": lambda x: x.as_strided((2, 2), (1, 2)),
    "diagonal": lambda x: x.diagonal(),
    "diagonal_offset": lambda x: x.diagonal(1, 1, 2),
    "diagonal_negative": lambda x: _mod(x).diagonal(x, -1, 2, 0),
    "movedim": lambda x: x.movedim(0, 2),
    "moveaxis": lambda x: x.moveaxis(0, 2),
    "narrow": lambda x: x.narrow(1, 1, 2),
    "permute": lambda x: x.permute(2, 0, 1),
    "select": lambda x: x.select(1, 1),
    "squeeze": lambda x: x[:, :1].squeeze(),
    "squeeze_dim": lambda x: x[:, :1].squeeze(1),
    "unsqueeze": lambda x: x.unsqueeze(1),
    "transpose": lambda x: x.transpose(0, 1),
    "swapaxes": lambda x: x.swapaxes(0, 2),
    "swapdims": lambda x: x.swapdims(0, 2),
    "t": lambda x: x[0].t(),
    "T": lambda x: x[0].T,
    "H": lambda x: x[0].H,
    "mT": lambda x: x.mT,
    "mH": lambda x: x.mH,
    "real": lambda x: x.real,
    "unflatten": lambda x: x.unflatten(2, (2, -1)) if x.shape[2] % 2 == 0 else
    x.unflatten(0, (1, 2)),
    "unfold": lambda x: x.unfold(2, 1, 2),
    "view": lambda x: x.view(x.shape),
    "view_flat": lambda x: x[0].view(-1) if x[0].is_contiguous() else x[0].view(x[0].shape),
    "view_as": lambda x: x.view_as(x),
    "unbind": lambda x: x.unbind(1)[1],
    "split": lambda x: x.split(2, 1)[1],
    "split_with_sizes": lambda x: x.split([1, 2], 1)[1],
    "tensor_split": lambda x: x.tensor_split(2, 1)[1],
    "chunk": lambda x: x.chunk(2, 1)[1],
    "hsplit": lambda x: x.hsplit(3)[1],
    "vsplit": lambda x: x.vsplit(2)[1],
    "reshape_view": lambda x: x.reshape(x.shape[0], -1) if x.is_contiguous() else
    x.reshape(x.shape),
    "flatten_view": lambda x: x[0].flatten() if x[0].is_contiguous() else x.flatten(2, 2),
    "atleast_3d": lambda x: _mod(x).atleast_3d(x),
    "view_of_view": lambda x: x[1:].transpose(1, 2)[0].diagonal(),
}

# ops that copy: writes must not land, nothing is shared
COPIES = {
    "reshape_copy": lambda x: x.transpose(1, 2).reshape(-1),
    "flatten_copy": lambda x: x.transpose(1, 2).flatten(),
    "contiguous_copy": lambda x: x.transpose(1, 2).contiguous(),
    "advanced_index": lambda x: x[[0, 1]],
    "bool_index": lambda x: x[x > 5],
    "index_tensor_list": lambda x: x[:, _mod(x).tensor([0, 2])],
    "clone": lambda x: x.clone(),
    "diagonal_clone": lambda x: x.diagonal().clone(),
    "narrow_copy": lambda x: x.narrow_copy(1, 1, 2),
    "narrow_copy_function": lambda x: _mod(x).narrow_copy(x, 0, -1, 1),
}


def _both(torch, layout, fn):
    return fn(LAYOUTS[layout](torch)), fn(LAYOUTS[layout](gk))


def _stride_sized(t):
    """Strides of the dims with more than one element (a size-1 dim's stride is arbitrary in
    PyTorch: it never moves)."""
    return tuple(s for s, n in zip(t.stride(), t.shape) if n > 1)


def _values(t):
    return np.asarray(t.tolist())


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
@pytest.mark.parametrize("op", sorted(VIEWS))
def test_view_shares_memory_as_torch(torch, op, layout):
    fn = VIEWS[op]
    xt, xg = LAYOUTS[layout](torch), LAYOUTS[layout](gk)
    vt, vg = fn(xt), fn(xg)
    assert tuple(vg.shape) == tuple(vt.shape)
    # (c) the view's geometry and its relation to the base
    assert vg._is_view() == vt._is_view()
    base_t = xt if xt._base is None else xt._base
    base_g = xg if xg._base is None else xg._base
    assert (vt._base is base_t) == (vg._base is base_g)
    assert _stride_sized(vg) == _stride_sized(vt)
    assert vg.storage_offset() == vt.storage_offset()
    assert vg.is_contiguous() == vt.is_contiguous()
    isz = vg.element_size()
    assert vg.untyped_storage().data_ptr() == xg.untyped_storage().data_ptr()
    if vg.numel():
        assert vg.data_ptr() == vg.untyped_storage().data_ptr() + vg.storage_offset() * isz
    # (a) a write through the view lands in the base; (e) the version counter is shared
    vt.add_(100)
    vg.add_(100)
    np.testing.assert_array_equal(_values(xg), _values(xt))
    assert (xg._version, vg._version) == (xt._version, vt._version)
    # (b) a write to the base is seen through the view
    xt.mul_(2)
    xg.mul_(2)
    np.testing.assert_array_equal(_values(vg), _values(vt))
    assert (xg._version, vg._version) == (xt._version, vt._version)


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
@pytest.mark.parametrize("op", sorted(COPIES))
def test_copy_shares_nothing_as_torch(torch, op, layout):
    fn = COPIES[op]
    xt, xg = LAYOUTS[layout](torch), LAYOUTS[layout](gk)
    vt, vg = fn(xt), fn(xg)
    assert (vg._base is xg) == (vt._base is xt)
    assert vg._base is not xg
    assert vg.untyped_storage().data_ptr() != xg.untyped_storage().data_ptr()
    vt.add_(100)
    vg.add_(100)
    np.testing.assert_array_equal(_values(xg), _values(xt))  # the write did not land
    assert (xg._version, vg._version) == (xt._version, vt._version)
    xt.mul_(2)
    xg.mul_(2)
    np.testing.assert_array_equal(_values(vg), _values(vt))


@pytest.mark.parametrize("op", ["expand", "expand_as", "broadcast_to"])
@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_expanded_view_sees_base_and_refuses_writes_as_torch(torch, op, layout):
    fns = {"expand": lambda x: x[:, :1].expand(-1, 5, -1),
           "expand_as": lambda x: x[:, :1].expand_as(x),
           "broadcast_to": lambda x: _mod(x).broadcast_to(x[:, :1], (x.shape[0], 5, x.shape[2]))}
    xt, xg = LAYOUTS[layout](torch), LAYOUTS[layout](gk)
    vt, vg = fns[op](xt), fns[op](xg)
    assert vg._is_view() == vt._is_view()
    assert vg.stride() == vt.stride()
    assert vg.storage_offset() == vt.storage_offset()
    assert vg.is_contiguous() == vt.is_contiguous()
    xt.mul_(2)
    xg.mul_(2)
    np.testing.assert_array_equal(_values(vg), _values(vt))
    with pytest.raises(RuntimeError):
        vt.add_(1)
    with pytest.raises(RuntimeError):
        vg.add_(1)


@pytest.mark.parametrize("make", [
    lambda L: L.tensor(3.0),
    lambda L: L.zeros(0, 3),
    lambda L: L.zeros(2, 0, 3).transpose(0, 2),
], ids=["0-d", "empty", "empty-transposed"])
@pytest.mark.parametrize("op", ["view", "unsqueeze", "flatten", "reshape", "expand", "alias",
                                "diagonal", "t"])
def test_views_of_0d_and_empty_as_torch(torch, make, op):
    fns = {"view": lambda x: x.view(x.shape), "unsqueeze": lambda x: x.unsqueeze(0),
           "flatten": lambda x: x.flatten(), "reshape": lambda x: x.reshape(-1),
           "expand": lambda x: x.expand((2,) + tuple(x.shape)), "alias": lambda x: x[...],
           "diagonal": lambda x: x.diagonal(0, -1, 0), "t": lambda x: x.t()}

    def run(L):
        x = make(L)
        try:
            v = fns[op](x)
        except (RuntimeError, IndexError) as e:
            return type(e)
        # (the strides of an empty result address nothing: PyTorch keeps its input's, NumPy
        # reports its own)
        out = (tuple(v.shape), v._is_view(), v._base is x, v.is_contiguous(),
               _stride_sized(v) if v.numel() else None)
        if op != "expand":
            v.fill_(7)
        return out, _values(x).tolist(), x._version
    assert run(gk) == run(torch)


def test_diagonal_write_lands_in_the_base():
    x = gk.zeros(3, 3)
    x.diagonal().fill_(1)
    np.testing.assert_array_equal(x.numpy(), np.eye(3, dtype=np.float32))


VIEW_WRITES = {
    "diagonal": lambda y: y.diagonal(),
    "diagonal_offset": lambda y: y.diagonal(1),
    "select": lambda y: y.select(0, 1),
    "narrow": lambda y: y.narrow(1, 1, 2),
    "transpose": lambda y: y.t(),
    "unsqueeze": lambda y: y.unsqueeze(0),
    "view": lambda y: y.view(-1),
    "unflatten": lambda y: y.unflatten(1, (1, 3)),
    "split": lambda y: y.split(1, 0)[1],
    "unbind": lambda y: y.unbind(1)[2],
    "chunk": lambda y: y.chunk(3, 1)[0],
    "movedim": lambda y: y.movedim(0, 1),
    "slice_of_diagonal": lambda y: y.diagonal()[1:],
    "diagonal_of_transpose": lambda y: y.t().diagonal(-1),
}


@pytest.mark.parametrize("op", sorted(VIEW_WRITES))
def test_inplace_through_a_view_under_autograd_as_torch(torch, op):
    def run(L):
        w = L.tensor(np.arange(1.0, 10.0).reshape(3, 3), requires_grad=True)
        s = L.tensor(np.array(2.5), requires_grad=True)
        y = w * 1.5
        v = VIEW_WRITES[op](y)
        before = type(v.grad_fn).__name__
        try:
            v.mul_(s)
        except RuntimeError as e:  # (an output of split/unbind/chunk, as PyTorch)
            return before, type(e)
        after = type(y.grad_fn).__name__
        out = (y * L.tensor(np.arange(9.0).reshape(3, 3))).sum()
        out.backward()
        return (before, after, y.detach().numpy().tolist(), w.grad.numpy().tolist(),
                float(s.grad), y._version, v._version)
    assert run(gk) == run(torch)


def test_diagonal_view_second_order_as_torch(torch):
    def run(L):
        w = L.tensor(np.arange(1.0, 10.0).reshape(3, 3), dtype=L.float64, requires_grad=True)
        d = (w * w).diagonal()
        (g,) = L.autograd.grad((d ** 3).sum(), w, create_graph=True)
        (h,) = L.autograd.grad(g.sum(), w)
        return g.detach().numpy().tolist(), h.numpy().tolist()
    assert run(gk) == run(torch)


def test_storage_as_torch(torch):
    def run(L):
        x = L.arange(12.0).view(3, 4)
        v = x.t()[1:]
        s, u = v.storage(), v.untyped_storage()
        same = (v.storage().data_ptr() == x.storage().data_ptr(),
                u.data_ptr() == x.untyped_storage().data_ptr(),
                x.clone().untyped_storage().data_ptr() == u.data_ptr(),
                u.data_ptr() == x.data_ptr(), v.data_ptr() - x.data_ptr())
        sizes = (len(s), s.size(), s.nbytes(), s.element_size(), len(u), u.size(), u.nbytes())
        items = (s[5], s.tolist(), u[4], list(u)[:8],
                 L.is_storage(s), L.is_storage(u), L.is_storage(v), isinstance(u, L.UntypedStorage))
        s[0] = 50.0  # a write through the storage lands in every tensor on it
        return same, sizes, items, x.tolist(), v.tolist()
    assert run(gk) == run(torch)


META_VIEWS = {
    "fresh": lambda m: m,
    "transpose": lambda m: m.transpose(0, 2),
    "permute": lambda m: m.permute(1, 2, 0),
    "mT": lambda m: m.mT,
    "index": lambda m: m[1],
    "slice_step": lambda m: m[:, ::2, 1:],
    "none": lambda m: m[None, 1],
    "ellipsis": lambda m: m[..., 2],
    "diagonal": lambda m: m.diagonal(),
    "diagonal_offset": lambda m: m.diagonal(1, 1, 2),
    "unfold": lambda m: m.unfold(2, 2, 1),
    "expand": lambda m: m.expand(2, 3, 4, 5),
    "expand_dim": lambda m: m[:, :1].expand(3, 4, 5),
    "view": lambda m: m.view(12, 5),
    "narrow": lambda m: m.narrow(1, 1, 2),
    "select_unsqueeze": lambda m: m.select(2, 3).unsqueeze(0),
    "reshape_copy": lambda m: m.transpose(0, 1).reshape(4, 15),
    "flatten_copy": lambda m: m.transpose(0, 2).flatten(),
    "contiguous": lambda m: m.transpose(0, 1).contiguous(),
    "advanced_index": lambda m: m[[0, 1]],
}


@pytest.mark.parametrize("op", sorted(META_VIEWS))
def test_meta_tensor_layout_as_torch(torch, op):
    def run(L):
        v = META_VIEWS[op](L.empty(3, 4, 5, device="meta"))
        return (tuple(v.shape), _stride_sized(v), v.storage_offset(), v.is_contiguous(),
                v.data_ptr())
    assert run(gk) == run(torch)


def test_meta_tensor_storage_as_torch(torch):
    def run(L):
        return L.empty(3, 4, 5, device="meta").untyped_storage().nbytes()
    assert run(gk) == run(torch)


def test_views_keep_their_base_alive(torch):
    x = gk.arange(6.0).view(2, 3) * 1
    v = x[1]
    assert v._base is x and v._is_view()
    assert v[1:]._base is x  # a view of a view: the first non-view tensor
    del x
    assert v._base.shape == (2, 3)
    assert not gk.arange(3.0)._is_view() and gk.arange(3.0)._base is None


def test_views_of_a_complex_tensor_as_torch(torch):
    def run(L):
        z = L.zeros(2, 3, dtype=L.complex64)
        views = (z.real, z.imag, L.view_as_real(z), z[0], z.diagonal(), z.t())
        meta = [(v._base is z, v._is_view(), _stride_sized(v), v.storage_offset(),
                 v.untyped_storage().data_ptr() == z.untyped_storage().data_ptr())
                for v in views]
        views[0].add_(1)
        views[3].add_(1j)
        views[4].add_(2)
        return meta, z.tolist(), [v._version for v in views]
    assert run(gk) == run(torch)


@pytest.mark.parametrize("dtype", ["int32", "float32", "uint8"])
def test_view_as_another_dtype_shares_memory_and_version_as_torch(torch, dtype):
    def run(L):
        x = L.arange(6.0).view(2, 3)
        v = x.view(getattr(L, dtype))
        v.add_(1)
        return (v._is_view(), v._base is x, x._version, v._version, tuple(v.shape),
                x.view(L.int32).tolist(), v.untyped_storage().data_ptr() == x.data_ptr())
    assert run(gk) == run(torch)


def test_narrow_copy_gradient_and_node_as_torch(torch):
    def run(L):
        w = L.tensor(np.arange(12.0).reshape(3, 4), requires_grad=True)
        y = (w * 2).narrow_copy(1, 1, 2)
        (y * L.tensor(np.arange(6.0).reshape(3, 2))).sum().backward()
        return type(y.grad_fn).__name__, y.tolist(), w.grad.tolist()
    assert run(gk) == run(torch)
