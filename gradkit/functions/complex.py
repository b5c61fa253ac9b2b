"""Complex numbers: real/imag, conj, view_as_real/view_as_complex, complex(), polar(), angle,
is_complex and the conj/neg bits (gradkit never sets them: conj() returns a new tensor).

Which other ops run on complex tensors, and the guard that refuses the rest, are described in
``gradkit/_complex.py``; the primitives are in ``gradkit/ops/complex.py``.
"""

from __future__ import annotations

import numpy as np

from .._complex import CArray
from .._tensor.record import apply1, apply2
from .._tensor.tensor import Tensor
from .._warnings import warn_once
from ..ops import complex as C
from ._args import _float_operand, _t
from ._registry import declare, tensor_method

__all__ = ["angle", "complex", "conj", "conj_physical", "deg2rad", "imag", "is_complex",
           "is_conj", "is_neg", "polar", "rad2deg", "real", "resolve_conj", "resolve_neg", "sgn",
           "view_as_complex", "view_as_real"]

_complex = complex


def _is_c(x):
    return type(x._data) is CArray


@declare(method=False)
def real(input):
    """The real part of a complex tensor (a view sharing its memory); a real tensor itself."""
    x = _t(input)
    return apply1(C.REAL, x) if _is_c(x) else x


@declare(method=False)
def imag(input):
    """The imaginary part of a complex tensor (a view sharing its memory); a real tensor
    raises, as in PyTorch."""
    x = _t(input)
    if not _is_c(x):
        raise RuntimeError("imag is not implemented for tensors with non-complex dtypes.")
    return apply1(C.IMAG, x)


def _set_part(self, value, part):
    dst = part(self)
    if isinstance(value, Tensor):
        dst.copy_(value)
    else:
        dst.fill_(value)


Tensor.real = property(real, lambda self, v: _set_part(self, v, real),
                       doc="The real part (a view); a real tensor itself.")
Tensor.imag = property(imag, lambda self, v: _set_part(self, v, imag),
                       doc="The imaginary part (a view); raises for a real tensor.")


@declare()
def conj(input):
    """The complex conjugate (a new tensor in gradkit: PyTorch's lazy conjugate bit is not
    kept, so ``is_conj()`` is False); a real tensor itself."""
    x = _t(input)
    return apply1(C.CONJ, x) if _is_c(x) else x


@declare(inplace=True, out="same")
def conj_physical(input):
    """The complex conjugate, computed (a real tensor: itself)."""
    x = _t(input)
    return apply1(C.CONJ, x) if _is_c(x) else x


@declare()
def resolve_conj(input):
    """``input`` with its conjugate bit materialised: gradkit never sets the bit, so itself."""
    return _t(input)


@declare()
def resolve_neg(input):
    """``input`` with its negative bit materialised: gradkit never sets the bit, so itself."""
    return _t(input)


@declare(differentiable=False)
def is_conj(input):
    """False: gradkit's conj() computes the conjugate (no lazy conjugate bit)."""
    _t(input)
    return False


@declare(differentiable=False)
def is_neg(input):
    """False: gradkit keeps no lazy negative bit."""
    _t(input)
    return False


@declare(differentiable=False)
def is_complex(input):
    """True for a complex dtype (complex64, complex128)."""
    return _is_c(_t(input))


@declare(out=True)  # (PyTorch's unary float op: its out= casts)
def angle(input):
    """The angle (argument) of each element in radians; for real input 0 or pi (nan kept)."""
    x = _t(input)
    if not _is_c(x) and x.dtype.kind in "biu":
        x = x.to(_default_float())
    return apply1(C.ANGLE, x)


def _default_float():
    from .. import _dtype
    return _dtype.get_default_dtype()


@declare()
def view_as_real(input):
    """A real view of a complex tensor: a last dim of 2 holds the real and imaginary parts."""
    x = _t(input)
    if not _is_c(x):
        raise RuntimeError("view_as_real is only supported for complex tensors")
    return apply1(C.VIEW_AS_REAL, x)


@declare()
def view_as_complex(input):
    """A complex view of a real tensor whose last dim is 2 (real, imaginary) with stride 1."""
    x = _t(input)
    d = x._data
    if d.dtype == np.float16:  # (PyTorch views it as complex32)
        raise RuntimeError(f"view_as_complex(): a {x.dtype} tensor would give complex32, which "
                           f"gradkit does not have; convert it with .float() first")
    if d.dtype not in (np.float32, np.float64):
        raise RuntimeError(f"view_as_complex is only supported for float and double tensors, "
                           f"but got a tensor of scalar type: {x.dtype}")
    if d.ndim == 0 or d.shape[-1] != 2:
        raise RuntimeError("Tensor must have a last dimension of size 2")
    if d.strides[-1] != d.itemsize:
        raise RuntimeError("Tensor must have a last dimension with stride 1")
    if any(s % (2 * d.itemsize) for s, n in zip(d.strides[:-1], d.shape[:-1]) if n > 1):
        raise RuntimeError("Tensor must have a stride divisible by 2 for all but last dimension")
    return apply1(C.VIEW_AS_COMPLEX, x)


def _check_pair(name, a, b, what):
    for t in (a, b):
        if not isinstance(t, Tensor):
            raise TypeError(f"{name}(): argument '{what[0] if t is a else what[1]}' must be "
                            f"Tensor, not {type(t).__name__}")
    if a.dtype == np.float16 and b.dtype.kind == "f":  # PyTorch makes its complex32 result
        warn_once("ComplexHalf", "ComplexHalf support is experimental and many operators don't "
                  "support it yet.")
    if a.dtype.kind != "f" or b.dtype.kind != "f" or a.dtype != b.dtype:
        if a.dtype.kind == "f" and b.dtype.kind == "f":
            raise RuntimeError(f"Expected object of scalar type {a.dtype} but got scalar type "
                               f"{b.dtype} for second argument")
        raise RuntimeError(f"Expected both inputs to be Half, Float or Double tensors but got "
                           f"{a.dtype} and {b.dtype}")
    if name == "polar" and a.dtype == np.float16:  # (PyTorch's kernel has no Half)
        raise NotImplementedError("\"polar_cpu\" not implemented for 'Half'; convert the "
                                  "inputs with .float() first")
    if a.dtype == np.float16 or str(a.dtype).endswith("bfloat16"):
        raise RuntimeError(f"{name}(): {a.dtype} inputs would give complex32, which gradkit "
                           f"does not have; convert them with .float() first")
    try:
        np.broadcast_shapes(a.shape, b.shape)
    except ValueError:
        raise RuntimeError(f"{name}(): the shapes {tuple(a.shape)} and {tuple(b.shape)} cannot "
                           f"be broadcast together") from None


@declare(method=False, out="same")
def complex(real, imag):
    """A complex tensor from its real and imaginary parts (float32 -> complex64, float64 ->
    complex128)."""
    _check_pair("complex", real, imag, ("real", "imag"))
    return apply2(C.COMPLEX, real, imag)


@declare(method=False, out="same")
def polar(abs, angle):
    """The complex tensor ``abs * (cos(angle) + i sin(angle))``."""
    _check_pair("polar", abs, angle, ("abs", "angle"))
    return apply2(C.POLAR, abs, angle)


def _no_order(name):
    """PyTorch's refusal of an op that needs an order (or rounding) on complex numbers."""
    if name == "sign":
        return NotImplementedError("Unlike NumPy, torch.sign is not intended to support complex "
                                   "numbers. Please use torch.sgn instead.")
    return NotImplementedError(f"{name} is not supported for complex inputs (PyTorch refuses "
                               f"it too); apply it to .real and .imag, or to .abs()")


def _parts(fn, x, *args):
    """``fn`` applied to the real and imaginary parts of complex ``x`` separately."""
    return complex(fn(real(x), *args), fn(imag(x), *args))


@declare(inplace=True, out="same", differentiable=False)
def sgn(input):
    """The sign of each element (for real tensors the same as :func:`sign`); ``z / |z|`` (0 at
    0) for complex ones."""
    x = _t(input)
    if _is_c(x):
        return apply1(C.SGN, x)
    from .elementwise import sign
    return sign(x)


@declare(inplace=True, out=True)
def deg2rad(input):
    """Degrees to radians (integers become the default float dtype)."""
    if _is_c(_t(input)):
        raise RuntimeError("deg2rad is not supported for complex tensors.")
    return _float_operand(_t(input)) * (np.pi / 180.0)


@declare(inplace=True, out=True)
def rad2deg(input):
    """Radians to degrees (integers become the default float dtype)."""
    if _is_c(_t(input)):
        raise RuntimeError("rad2deg is not supported for complex tensors.")
    return _float_operand(_t(input)) * (180.0 / np.pi)


@tensor_method("cfloat")
def _cfloat(self, memory_format=None):
    from .. import _dtype
    if memory_format is None:
        return self.to(_dtype.complex64)
    return self.to(_dtype.complex64, memory_format=memory_format)


@tensor_method("cdouble")
def _cdouble(self, memory_format=None):
    from .. import _dtype
    if memory_format is None:
        return self.to(_dtype.complex128)
    return self.to(_dtype.complex128, memory_format=memory_format)

