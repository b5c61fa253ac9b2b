"""Checks of the tensor-options keywords that factories and conversions take (``layout``,
``pin_memory``, ``requires_grad``, ``non_blocking``, ``copy``, ``memory_format``) and of the
element count a factory is asked for, as PyTorch's argument parser and allocator do them:
TypeError naming the function and the argument for a value of the wrong kind
(``pin_memory=2.0``, ``layout=float``, ``memory_format=(2, 3)``), RuntimeError for a size no
memory holds (NumPy's ValueError "array is too big" would leak). Each check is one class or
identity test for the common values, so it stays off the path of ordinary calls.

This module imports NumPy only (the layout class is read lazily)."""

from __future__ import annotations

from . import _memory_format as _mf

__all__ = ["MAX_ELEMENTS", "NotEnoughMemory", "allocation_error", "flag", "layout",
           "memory_format", "options", "element_count"]

# no array of more elements can exist: NumPy's limit is bytes < 2**63 and a complex128
# element is 16 bytes (PyTorch's allocator refuses these sizes with a RuntimeError too)
MAX_ELEMENTS = (2 ** 63 - 1) // 16


def flag(op: str, name: str, value, optional: bool = True):
    """``value`` if it is a bool (or None where ``optional``), else PyTorch's TypeError."""
    if value.__class__ is bool or (optional and value is None):
        return value
    raise TypeError(f"{op}(): argument '{name}' must be bool, not {type(value).__name__}; "
                    f"pass True or False")


def layout(op: str, value):
    """``value`` if it is a layout (``gradkit.strided``, ``gradkit.sparse_coo``) or None."""
    if value is None:
        return value
    from .sparse._coo import layout as _layout

    if type(value) is not _layout:
        raise TypeError(f"{op}(): argument 'layout' must be a gradkit.layout (gradkit.strided "
                        f"or gradkit.sparse_coo), not {type(value).__name__}")
    return value


def memory_format(op: str, value):
    """``value`` if it is a memory format or None, else PyTorch's TypeError."""
    return value if value is None else _mf.check(value, op)


def options(op: str, *, layout_=None, pin_memory=False, requires_grad=False):
    """The keywords every factory takes beside ``dtype``/``device``: ``layout`` a layout,
    ``pin_memory`` and ``requires_grad`` bools (or None); ``pin_memory=True`` is PyTorch's
    RuntimeError where no accelerator is available."""
    if layout_ is not None:
        layout(op, layout_)
    if requires_grad.__class__ is not bool:
        flag(op, "requires_grad", requires_grad)
    if pin_memory is not False:
        flag(op, "pin_memory", pin_memory)
        if pin_memory:
            from .cuda import is_available

            if not is_available():
                raise RuntimeError(f"{op}(): pin_memory=True needs an accelerator (CUDA); no "
                                   f"pinned memory is available here: leave pin_memory=False")


def element_count(op: str, shape) -> None:
    """RuntimeError, as PyTorch's allocator, for a shape of more elements than any memory
    holds (``zeros(2**62)``)."""
    n = 1
    for s in shape:
        n *= s
    if n > MAX_ELEMENTS:
        raise RuntimeError(f"{op}(): cannot allocate a tensor of {n} elements (shape "
                           f"{list(shape)}): no memory holds it; ask for fewer elements")


# NumPy's refusals of a size before it asks the system for memory (ValueError, not MemoryError)
_TOO_BIG = ("array is too big", "Maximum allowed size exceeded",
            "Maximum allowed dimension exceeded")


class NotEnoughMemory(RuntimeError):
    """PyTorch's RuntimeError for a failed allocation, as an Op's recording raises it
    (``_tensor/record.py``); a function face re-raises it as a plain RuntimeError naming
    itself. ``detail``: the message without the op's name."""

    def __init__(self, where: str, detail: str):
        super().__init__(f"{where}: {detail}")
        self.detail = detail


def allocation_error(op: str, err: BaseException, inner: bool = False):
    """PyTorch's RuntimeError ("DefaultCPUAllocator: not enough memory: you tried to allocate
    N bytes") for NumPy failing to allocate the result or a temporary of ``op`` (a MemoryError:
    "Unable to allocate 4.00 TiB ..."; a ValueError "array is too big" for a byte count past
    2**63), or for a ``NotEnoughMemory`` raised inside it; None for any other error. The
    function faces, the recording of every Op and the factories call it in an ``except``, so
    ordinary calls never reach it. ``inner``: raised inside a call that a face may name
    (a ``NotEnoughMemory``), else a plain RuntimeError."""
    if type(err) is NotEnoughMemory:
        return RuntimeError(f"{op}: {err.detail}")
    if isinstance(err, MemoryError):
        n = getattr(err, "_total_size", None)  # NumPy's _ArrayMemoryError knows the bytes
        shape = getattr(err, "shape", None)
        what = (f"you tried to allocate {int(n)} bytes" if isinstance(n, int)
                else "the system refused the memory")
        where = f" (a result of shape {list(shape)})" if shape is not None else ""
    elif isinstance(err, ValueError) and str(err).startswith(_TOO_BIG):
        what, where = "you tried to allocate more than 2**63 bytes", ""
    else:
        return None
    detail = (f"DefaultCPUAllocator: not enough memory: {what}{where}. Ask for fewer elements "
              f"(check the sizes, repeats or padding passed), or free memory")
    return NotEnoughMemory(op, detail) if inner else RuntimeError(f"{op}: {detail}")
