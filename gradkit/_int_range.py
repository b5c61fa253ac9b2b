"""The range of Python ints PyTorch's argument parser takes as a number (a ``Scalar``: the
int64 and uint64 values, -2**63 up to 2**64 - 1): beyond it PyTorch raises OverflowError
before the op looks at anything else, where NumPy would take the int as an object or a float."""

from __future__ import annotations

import numpy as np

__all__ = ["INT_END", "INT64_END", "INT_START", "int_overflow", "check_int_scalar",
           "int64_overflow", "check_int64", "float_param", "check_number_operand"]

INT_START = -2 ** 63
INT_END = 2 ** 64
INT64_END = 2 ** 63


def int_overflow(value, fn=None, name=None):
    """Raise PyTorch's OverflowError for the Python int ``value`` out of its numbers' range."""
    where = f"{fn}(): " if fn else ""
    what = f"argument '{name}' " if name else "the number "
    side = "too big" if value > 0 else "too negative"
    raise OverflowError(f"{where}{what}{value} is {side} to convert: PyTorch takes an int in "
                        f"[-2**63, 2**64) as a number; pass a float instead, e.g. "
                        f"{float(value):g}")


def check_int_scalar(value, fn=None, name=None):
    """``value`` itself, or PyTorch's OverflowError where it is a Python int (not a bool) that
    PyTorch's number conversion refuses."""
    if isinstance(value, int) and not INT_START <= value < INT_END and value.__class__ is not bool:
        int_overflow(value, fn, name)
    return value


def int64_overflow(value, fn=None, name=None, exc=ValueError):
    """Raise PyTorch's ValueError for the Python int ``value`` given where it reads an ``int``
    (an int64: a dim, a count, an order) beyond int64 (``exc``: TypeError for an element of an
    int list, a size)."""
    where = f"{fn}(): " if fn else ""
    what = f"argument '{name}' " if name else "the int "
    raise exc(f"{where}{what}{value} does not fit an int64 (Overflow when unpacking long "
              f"long); pass an int in [-2**63, 2**63)")


def check_int64(value, fn=None, name=None, exc=ValueError):
    """``value`` itself, or PyTorch's ValueError (``exc``) where it is a Python int beyond int64
    (its argument parser reads an ``int`` parameter as a C long long)."""
    if isinstance(value, int) and not INT_START <= value < INT64_END:
        int64_overflow(value, fn, name, exc)
    return value


def float_param(value):
    """``value``, or it as a float where it is a Python int beyond PyTorch's Scalar range: the
    value of a parameter PyTorch declares ``float`` (a C double), which takes any int, passed on
    to gradkit's arithmetic (which would refuse the int as a Scalar)."""
    if value.__class__ is int and not INT_START <= value < INT_END:
        return float(value)
    return value


def check_number_operand(value, fn=None, name="other"):
    """``value`` itself where PyTorch reads it as a number operand (a Python int, float,
    complex or bool, a subclass of one, a NumPy number), else PyTorch's TypeError: its parser
    takes no other ``numbers.Number`` (a Fraction, a Decimal, a SymPy number), and on that
    TypeError an operator gives way to the number's reflected method (``t * sympy.Integer(2)``
    is SymPy's ``Integer(2).__rmul__(t)``, which sympifies a one-element tensor)."""
    if isinstance(value, (int, float, complex)):
        return check_int_scalar(value, fn)
    if isinstance(value, np.generic):  # (NumPy's numbers: read as PyTorch reads them)
        return value
    where = f"{fn}(): argument '{name}'" if fn else "the operand"
    raise TypeError(f"{where} must be a Tensor or a Python number, not {type(value).__name__}; "
                    f"convert it first, e.g. float(x)")
