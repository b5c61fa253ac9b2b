"""The ``out=`` form of the factories (``torch.zeros(2, 2, out=t)``, ``torch.rand(..., out=c)``
in PyTorch's tensor tutorials): the factory runs with ``out``'s dtype (a different ``dtype=`` is
PyTorch's RuntimeError), ``out`` is resized to the result's shape, filled, and returned. The
values (and the random stream) are those of the plain call. The same faces take PyTorch's
``layout=`` (strided) and ``pin_memory=`` (False) keywords."""

from __future__ import annotations

import functools

from ._options import options
from ._tensor import Tensor
from ._tensor import torch_function as _tf
from .autograd.grad_mode import no_grad

__all__ = ["with_out_faces"]

OUT_FACTORIES = ("zeros", "ones", "full", "empty", "eye", "arange", "range", "linspace",
                 "logspace", "rand", "randn", "randint", "randperm", "normal")


def _with_out(fn):
    name = fn.__name__

    @functools.wraps(fn)
    def face(*args, out=None, layout=None, pin_memory=False, **kwargs):
        if _tf.ACTIVE[0]:  # a size or bound that is a tensor-like (torch.arange(fx proxy))
            r = _tf.dispatch(face, args, kwargs)
            if r is not _tf.NOT_DISPATCHED:
                return r
        if layout is not None or pin_memory is not False:  # (torch.strided, False: the only ones)
            options(name, layout_=layout, pin_memory=pin_memory)
            from .sparse._coo import strided

            if layout is not None and layout is not strided:
                raise RuntimeError(f"{name}(): layout={layout} is not supported here: {name}() "
                                   f"makes strided (dense) tensors; build it dense and call "
                                   f".to_sparse()")
        if out is None:
            try:
                return fn(*args, **kwargs)
            except Exception as e:  # noqa: BLE001 (re-raised unless a case below applies)
                # NumPy's MemoryError/ValueError for a size no memory holds is PyTorch's
                # RuntimeError; a tensor-like argument seen first here dispatches the call
                if not _tf.face_failed(name, e, args, kwargs):
                    raise
            return _tf.dispatch(face, args, kwargs)
        if not isinstance(out, Tensor):
            raise TypeError(f"{name}(): argument 'out' must be Tensor, not {type(out).__name__}")
        dtype = kwargs.get("dtype")
        if dtype is not None and dtype != out.dtype:
            raise RuntimeError(f"{name}(): dtype {dtype} does not match the dtype of out "
                               f"({out.dtype}); pass no dtype, or an out tensor of that dtype")
        kwargs["dtype"] = out.dtype
        result = fn(*args, **kwargs)
        with no_grad():
            if tuple(out.shape) != tuple(result.shape):
                out.resize_(tuple(result.shape))
            out.copy_(result)
        return out

    return face


def with_out_faces(namespace: dict) -> dict:
    """``{name: factory with out=}`` for the factories in ``namespace``."""
    return {n: _with_out(namespace[n]) for n in OUT_FACTORIES if n in namespace}
