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


def __getattr__(name):
    # PyTorch pickles a memory format as the global ``torch._utils`` ``torch.contiguous_format``
    # (an attribute path through this module's ``torch``)
    if name == "torch":
        import gradkit

        return gradkit
    raise AttributeError(f"module 'torch._utils' has no attribute {name!r} in gradkit")
