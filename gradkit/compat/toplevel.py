"""Small ``torch.*`` names outside the op registry: ``default_generator``, the legacy
``set_default_tensor_type``, ``get_device_module``, ``GradScaler``,
``OutOfMemoryError``, DLPack exchange, and flags a program may read."""

from __future__ import annotations

import numpy as np

from .. import _dtype
from .._warnings import warn_once

__all__ = ["default_generator", "set_default_tensor_type", "get_device_module",
           "set_flush_denormal", "is_storage", "OutOfMemoryError", "GradScaler", "from_dlpack",
           "to_dlpack", "init_num_threads", "has_lapack", "has_mkl", "has_openmp",
           "has_spectral", "get_deterministic_debug_mode", "set_deterministic_debug_mode",
           "broadcast_shapes", "unravel_index", "svd_lowrank", "pca_lowrank", "_standard_gamma",
           "_standard_gamma_grad", "_dirichlet_grad", "_sample_dirichlet", "TypedStorage",
           "UntypedStorage", "FloatStorage", "DoubleStorage",
           "HalfStorage", "BFloat16Storage", "LongStorage", "IntStorage", "ShortStorage",
           "CharStorage", "ByteStorage", "BoolStorage", "ComplexFloatStorage",
           "ComplexDoubleStorage", "_convert_indices_from_coo_to_csr",
           "_convert_indices_from_csr_to_coo", "_segment_reduce"]

from .._storage import (  # noqa: E402
    BFloat16Storage,
    BoolStorage,
    ByteStorage,
    CharStorage,
    ComplexDoubleStorage,
    ComplexFloatStorage,
    DoubleStorage,
    FloatStorage,
    HalfStorage,
    IntStorage,
    LongStorage,
    ShortStorage,
    TypedStorage,
    UntypedStorage,
)
from ..amp import GradScaler  # noqa: E402 (torch.GradScaler is torch.amp.GradScaler)
from ..functional import broadcast_shapes, pca_lowrank, svd_lowrank, unravel_index  # noqa: E402
from ..random import default_generator  # noqa: E402


class OutOfMemoryError(RuntimeError):
    """``torch.OutOfMemoryError`` (also ``torch.cuda.OutOfMemoryError``)."""


has_lapack = True  # NumPy's linear algebra
has_mkl = False
has_openmp = False
has_spectral = True  # torch.fft: gradkit.fft


def set_default_tensor_type(t) -> None:
    """The legacy ``torch.set_default_tensor_type``: sets the default float dtype from a tensor
    type (``torch.DoubleTensor``) or its name (``'torch.FloatTensor'``); warns as PyTorch."""
    from . import _api

    warn_once("set_default_tensor_type", "torch.set_default_tensor_type() is deprecated as of "
              "PyTorch 2.1, please use torch.set_default_dtype() and torch.set_default_device() "
              "as alternatives.")
    cls = _api._BY_NAME.get(t) if isinstance(t, str) else t
    dtype = getattr(cls, "dtype", None)
    if dtype is None:
        raise TypeError(f"invalid type: '{t}'; pass torch.FloatTensor, torch.DoubleTensor or "
                        f"their names")
    if not dtype.is_floating_point:
        raise TypeError("only floating-point types are supported as the default type")
    _dtype.set_default_dtype(dtype)


def get_device_module(device=None):
    """``gradkit.cuda`` for a CUDA device, ``gradkit.cpu`` for the CPU (the default)."""
    import importlib

    from ..device import Device

    kind = "cpu" if device is None else Device(device).type
    if kind not in ("cpu", "cuda", "mps", "xpu"):
        raise RuntimeError(f"Device '{kind}' does not have a corresponding module registered as "
                           f"'torch.{kind}'.")
    return importlib.import_module("gradkit." + kind)


def set_flush_denormal(mode: bool) -> bool:
    """NumPy keeps denormal numbers and has no switch for it: False (as PyTorch on a CPU
    without the feature); asking to flush is accepted and has no effect."""
    return False


def is_storage(obj) -> bool:
    """Whether ``obj`` is a storage (``Tensor.storage()``, ``Tensor.untyped_storage()``)."""
    return isinstance(obj, (TypedStorage, UntypedStorage))


_deterministic_debug = [0]


def set_deterministic_debug_mode(debug_mode) -> None:
    names = {"default": 0, "warn": 1, "error": 2}
    mode = names.get(debug_mode, debug_mode) if isinstance(debug_mode, str) else debug_mode
    if mode not in (0, 1, 2):
        raise RuntimeError(f"invalid value of debug_mode, expected one of `default`, `warn`, "
                           f"`error`, but got {debug_mode}")
    _deterministic_debug[0] = int(mode)


def get_deterministic_debug_mode() -> int:
    return _deterministic_debug[0]


def init_num_threads() -> None:
    """Nothing to initialise: gradkit's thread count is set with set_num_threads."""


class _Capsule:
    """A DLPack capsule presented to NumPy's ``from_dlpack`` (which wants the protocol)."""

    def __init__(self, capsule):
        self._capsule = capsule

    def __dlpack__(self, stream=None, **kwargs):
        return self._capsule

    def __dlpack_device__(self):
        return (1, 0)  # kDLCPU


def from_dlpack(ext_tensor):
    """A gradkit tensor sharing memory with any object speaking DLPack (a NumPy array, a CPU
    tensor of another library) or with a DLPack capsule from ``to_dlpack``."""
    from .._tensor.tensor import wrap

    source = ext_tensor if hasattr(ext_tensor, "__dlpack__") else _Capsule(ext_tensor)
    try:
        return wrap(np.from_dlpack(source))
    except (TypeError, ValueError, BufferError, RuntimeError) as exc:
        raise RuntimeError(f"from_dlpack(): cannot import a {type(ext_tensor).__name__} ({exc}); "
                           f"gradkit takes CPU tensors and arrays through DLPack") from None


def to_dlpack(tensor):
    """A DLPack capsule of the tensor's memory (CPU), for another library's ``from_dlpack``."""
    return tensor.detach().numpy().__dlpack__()


def _standard_gamma(alpha, generator=None):
    """``torch._standard_gamma``: Gamma(alpha, 1) samples by PyTorch's sampler on its stream,
    differentiable in ``alpha`` (implicit reparameterisation)."""
    from ..distributions._sampling import standard_gamma

    return standard_gamma(alpha, generator)


def _standard_gamma_grad(self, output):
    """``torch._standard_gamma_grad``: d output / d self for Gamma(self, 1) samples ``output``,
    PyTorch's approximation (``distributions._reparam_grads``)."""
    from .._tensor.tensor import wrap
    from ..distributions._reparam_grads import standard_gamma_grad

    return wrap(standard_gamma_grad(self.detach().numpy(), output.detach().numpy()))


def _dirichlet_grad(x, alpha, total):
    """``torch._dirichlet_grad``: PyTorch's scaled reparameterisation gradient of Dirichlet
    samples ``x`` (``distributions._reparam_grads``)."""
    from .._tensor.tensor import wrap
    from ..distributions._reparam_grads import dirichlet_grad

    return wrap(dirichlet_grad(x.detach().numpy(), alpha.detach().numpy(),
                               total.detach().numpy()))


def _sample_dirichlet(alpha, generator=None):
    """``torch._sample_dirichlet``: Dirichlet samples over the last dimension of ``alpha``."""
    from .._random_gamma import sample_dirichlet
    from .._tensor.tensor import wrap
    from ..random import _gen

    return wrap(sample_dirichlet(_gen(generator), alpha.detach().numpy()))


def _convert_indices_from_coo_to_csr(input, size, *, out_int32=False):
    """``torch._convert_indices_from_coo_to_csr``: the ``size + 1`` row pointers of sorted row
    indices (entry ``i`` counts the indices below ``i``), int64 (int32 with ``out_int32``)."""
    from .. import arange, searchsorted

    if input.dim() > 1 or input.is_floating_point() or input.is_complex():
        raise RuntimeError(f"_convert_indices_from_coo_to_csr(): input is supposed to be a "
                           f"vector of integers, got a {input.dim()}-D tensor of {input.dtype}")
    bounds = arange(int(size) + 1, dtype=input.dtype, device=input.device)
    return searchsorted(input.reshape(-1), bounds, out_int32=out_int32)


def _convert_indices_from_csr_to_coo(crow_indices, col_indices, *, out_int32=False,
                                     transpose=False):
    """``torch._convert_indices_from_csr_to_coo``: the ``(2, nnz)`` row and column indices of
    CSR row pointers and columns (column first with ``transpose``)."""
    from .. import arange, int32, int64, stack

    dtype = int32 if out_int32 else int64
    counts = crow_indices.diff()
    rows = arange(counts.numel(), dtype=dtype).repeat_interleave(counts)
    cols = col_indices.to(dtype)
    return stack([cols, rows] if transpose else [rows, cols])


def _segment_reduce(data, reduce, *, lengths=None, indices=None, offsets=None, axis=0,
                    unsafe=False, initial=None):
    """``torch._segment_reduce``: ``data`` reduced over consecutive segments of dim 0 (given by
    1-D ``lengths`` or ``offsets``) by ``"sum"``, ``"mean"``, ``"max"``/``"amax"``,
    ``"min"``/``"amin"`` or ``"prod"``; an empty segment gives ``initial`` when given, else 0, NaN,
    -inf, inf or 1 as PyTorch's kernel (``initial`` also joins each reduction; the mean divides
    by the count only). Differentiable in ``data`` (through ``scatter_reduce``)."""
    from .. import arange, finfo, full, iinfo

    kinds = {"sum": "sum", "mean": "mean", "max": "amax", "amax": "amax", "min": "amin",
             "amin": "amin", "prod": "prod"}
    if reduce not in kinds:
        raise RuntimeError(f"segment_reduce(): reduce must be one of sum, mean, max, min, prod "
                           f"(or amax, amin), got {reduce!r}")
    if indices is not None:
        raise RuntimeError("segment_reduce(): indices based reduction is not supported yet.")
    if (lengths is None) == (offsets is None):
        raise RuntimeError("segment_reduce(): give exactly one of lengths or offsets")
    if offsets is not None:
        lengths = offsets.diff()
    if lengths.dim() != 1 or axis not in (0, -data.dim()):
        raise RuntimeError(f"segment_reduce(): gradkit reduces 1-D lengths or offsets over dim "
                           f"0 only, got axis={axis} and lengths of shape "
                           f"{tuple(lengths.shape)}; move the segmented dim first with movedim")
    if not unsafe and int(lengths.sum()) != data.shape[0]:
        raise RuntimeError(f"segment_reduce(): Expected all rows of lengths along axis to sum up "
                           f"to data.size(lengths.dim()-1) ({data.shape[0]}), got "
                           f"{int(lengths.sum())}")
    kind = kinds[reduce]
    info = finfo(data.dtype) if data.is_floating_point() else iinfo(data.dtype)
    empty = {"sum": 0, "mean": 0, "prod": 1,
             "amax": -float("inf") if data.is_floating_point() else info.min,
             "amin": float("inf") if data.is_floating_point() else info.max}[kind]
    start = empty if initial is None else initial
    segments = arange(lengths.numel()).repeat_interleave(lengths.long())
    index = segments.view(-1, *[1] * (data.dim() - 1)).expand_as(data)
    out = full((lengths.numel(), *data.shape[1:]), start, dtype=data.dtype, device=data.device)
    if kind != "mean":
        return out.scatter_reduce(0, index, data, kind, include_self=True)
    count = lengths.to(data.dtype).view(-1, *[1] * (data.dim() - 1))
    total = out.scatter_reduce(0, index, data, "sum", include_self=True)
    return total / (count if initial is None else count.clamp(min=1))
