"""PyTorch's ``torch._utils`` rebuild functions, the names a PyTorch pickle calls.

``pickle.dumps(tensor)`` under PyTorch writes ``torch._utils._rebuild_tensor_v2(storage, offset,
size, stride, requires_grad, hooks)`` with the storage as ``torch.storage._load_from_bytes(b)``
(a legacy ``torch.save`` of the storage), ``_rebuild_parameter`` around it for a Parameter, and
``_rebuild_from_type_v2`` for a tensor subclass. Under ``gradkit run`` (``torch`` is gradkit)
``pickle.loads`` finds these here and builds gradkit tensors: one storage's views share its
memory, as in PyTorch. Nothing is called beyond what the pickle names itself.
"""

from __future__ import annotations

from . import _torch_format as _tf
from ._storage import TypedStorage, UntypedStorage

__all__: list[str] = []


def _storage(storage, what):
    """The loader's storage record for ``storage`` (a TypedStorage or UntypedStorage from
    ``_load_from_bytes``, or the loader's own record): one record per storage object, so the
    tensors built on it share its memory and its version counter."""
    if isinstance(storage, _tf._Storage):
        return storage
    if isinstance(storage, _StorageBytes):  # copy.copy of a tensor: the memory itself
        return _tf._Storage(storage.flat, "copied")
    if isinstance(storage, (TypedStorage, UntypedStorage)):
        rec = storage.__dict__.get("_pickle_record")
        if rec is None:
            arr = storage._elements() if isinstance(storage, TypedStorage) else storage._host()
            rec = _tf._Storage(arr, "pickled")
            storage._pickle_record = rec
        return rec
    raise TypeError(f"torch._utils.{what}: the storage is a {type(storage).__name__}, not a "
                    f"torch storage (the pickle is malformed)")


def _rebuild_tensor(storage, storage_offset, size, stride):
    return _tf._rebuild_tensor(_storage(storage, "_rebuild_tensor"), storage_offset, size, stride)


def _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad=False,
                       backward_hooks=None, metadata=None):
    return _tf._rebuild_tensor_v2(_storage(storage, "_rebuild_tensor_v2"), storage_offset,
                                  size, stride, requires_grad)


def _rebuild_tensor_v3(storage, storage_offset, size, stride, requires_grad, backward_hooks,
                       dtype, metadata=None):
    from . import _dtype

    return _tf._rebuild_tensor_v3(_storage(storage, "_rebuild_tensor_v3"), storage_offset,
                                  size, stride, requires_grad, backward_hooks,
                                  _dtype.to_dtype(dtype))


def _rebuild_parameter(data, requires_grad, backward_hooks):
    return _tf._parameter(data, requires_grad)


def _rebuild_parameter_with_state(data, requires_grad, backward_hooks, state):
    param = _tf._parameter(data, requires_grad)
    _set_state(param, state, "_rebuild_parameter_with_state")
    return param


def _set_state(obj, state, what):
    if not state:
        return
    extra = getattr(obj, "__dict__", None)
    if extra is None:
        raise TypeError(f"torch._utils.{what}: a {type(obj).__name__} holds no Python "
                        f"attributes in gradkit, but the pickle gives it {sorted(state)!r}")
    if isinstance(state, tuple):  # (dict state, slots state)
        for part in state:
            if part:
                for k, v in part.items():
                    setattr(obj, k, v)
        return
    extra.update(state)


def _rebuild_from_type_v2(func, new_type, args, state):
    """``func(*args)`` as a ``new_type`` object (PyTorch's pickle of a tensor subclass)."""
    from ._tensor import Tensor
    from ._tensor.tensor import retyped
    from .nn.parameter import Parameter

    ret = func(*args)
    if not (isinstance(new_type, type) and issubclass(new_type, Tensor)):
        raise TypeError(f"torch._utils._rebuild_from_type_v2: {new_type!r} is not a tensor class")
    if type(ret) is not new_type:
        if new_type is Parameter:
            ret = _tf._parameter(ret, ret.requires_grad)
        else:
            ret = retyped(ret, new_type)
    _set_state(ret, state, "_rebuild_from_type_v2")
    return ret


_rebuild_sparse_tensor = _tf._rebuild_sparse_tensor


def _rebuild_meta_tensor_no_storage(dtype, size, stride, requires_grad):
    from .factories import empty_strided

    return empty_strided(tuple(size), tuple(stride), dtype=dtype, device="meta",
                         requires_grad=requires_grad)


# a storage up to this size is pickled whole with any view of it, as PyTorch pickles it
_WHOLE_STORAGE_BYTES = 1 << 20


class _StorageBytes:
    """A tensor's storage (its memory as a 1-D array) that pickles as PyTorch's does:
    ``torch.storage._load_from_bytes(legacy torch.save of the storage)``."""

    __slots__ = ("flat",)

    def __init__(self, flat):
        self.flat = flat

    def __reduce__(self):
        from ._storage import _load_from_bytes
        from ._torch_save import legacy_storage_bytes

        return _load_from_bytes, (legacy_storage_bytes(self.flat),)


def torch_reduce(t):
    """PyTorch's reduction of Tensor ``t`` (what ``pickle.dumps`` writes under ``gradkit run``,
    so that PyTorch and gradkit run both read it), or None where gradkit keeps its own form: a
    tensor PyTorch's legacy storages can't hold (unsigned wider than 8 bits, sparse, on a
    device, meta) or a subclass of gradkit's other than Parameter."""
    from collections import OrderedDict

    import numpy as np

    from ._complex import CArray
    from ._tensor import Tensor, wrap
    from ._torch_save import _LEGACY_STORAGE_OF, _Storages
    from .nn.parameter import Parameter

    d = t._data
    if type(d) is CArray:  # a complex tensor's data: its plain array
        d = d.view(np.ndarray)
    cls = type(t)
    own = cls.__module__.split(".", 1)[0] in ("gradkit", "torch")
    if type(d) is not np.ndarray or (own and cls is not Tensor and cls is not Parameter):
        return None
    try:
        name = _tf._torch_name(d.dtype)
    except TypeError:
        return None
    if name not in _LEGACY_STORAGE_OF:
        return None
    if cls is Parameter:
        return _rebuild_parameter, (wrap(d), bool(t.requires_grad), OrderedDict())
    ref, offset, size, stride = _Storages().geometry(d)
    if d.size == 0:
        stride = tuple(t.stride())  # (NumPy gives an empty array any strides)
    flat = ref.array.reshape(-1, order="A")
    if flat.nbytes > _WHOLE_STORAGE_BYTES and d.size:
        # a small view of a big storage (a sample of a dataset tensor sent to a DataLoader
        # worker's parent): only the elements it spans, not PyTorch's whole storage
        end = offset + sum((n - 1) * s for n, s in zip(size, stride)) + 1
        if flat.size > 4 * (end - offset):
            flat, offset = flat[offset:end], 0
    args = (_StorageBytes(flat), offset, size, stride, bool(t.requires_grad), OrderedDict())
    if cls is Tensor:
        return _rebuild_tensor_v2, args
    return _rebuild_from_type_v2, (_rebuild_tensor_v2, cls, args,
                                   getattr(t, "__dict__", None) or None)


for _f in (_rebuild_tensor, _rebuild_tensor_v2, _rebuild_tensor_v3, _rebuild_parameter,
           _rebuild_parameter_with_state, _rebuild_from_type_v2, _rebuild_meta_tensor_no_storage):
    _f.__module__ = "torch._utils"  # pickled by that name (gradkit run serves it)


def _flatten_dense_tensors(tensors):
    """The tensors' elements, one after another, in one new 1-D tensor (one tensor: its
    flattened view), as ``torch._utils._flatten_dense_tensors`` gives them to libraries that
    keep a flat master copy of a model's parameters or gradients."""
    import gradkit

    if len(tensors) == 1:
        return tensors[0].contiguous().view(-1)
    return gradkit.cat([t.contiguous().view(-1) for t in tensors])


def _unflatten_dense_tensors(flat, tensors):
    """Views of ``flat`` shaped as ``tensors`` (the inverse of ``_flatten_dense_tensors``): a
    tuple, writing through to ``flat``."""
    out, offset = [], 0
    for t in tensors:
        n = t.numel()
        out.append(flat.narrow(0, offset, n).view_as(t))
        offset += n
    return tuple(out)


def __getattr__(name):
    # PyTorch pickles a memory format as the global ``torch._utils`` ``torch.contiguous_format``
    # (an attribute path through this module's ``torch``)
    if name == "torch":
        import gradkit

        return gradkit
    raise AttributeError(f"module 'torch._utils' has no attribute {name!r} in gradkit")
