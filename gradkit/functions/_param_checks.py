"""The argument kinds of PyTorch's argument parser that the generated faces check (flags,
numbers, ints, strings), with its exceptions for a value of the wrong kind."""

from __future__ import annotations

import numpy as np

from .._int_range import check_int64, check_int_scalar
from .._tensor.tensor import Tensor, _int_value

__all__ = ["FLAGS", "OPTIONAL_FLAGS", "TRUTH_FLAGS", "flag_error", "NUMBERS", "FLOAT_NUMBERS",
           "FLOAT_OP_NUMBERS", "COMPLEX_SCALARS", "OPTIONAL_NUMBERS", "NONE_AS_DEFAULT", "INTS",
           "OPTIONAL_INTS", "SYMINTS", "STRINGS", "number_error", "int_error", "str_error",
           "_parser_first"]


# parameters that PyTorch's argument parser takes as a ``bool`` only (``keepdim=1``,
# ``sorted=None``, ``descending=np.True_`` raise TypeError there): the generated faces check them
FLAGS = frozenset({
    "keepdim", "largest", "sorted", "descending", "stable", "return_inverse", "return_counts",
    "as_tuple", "upper", "unitriangular", "transpose", "some", "right", "out_int32", "unbiased",
    "training", "train", "left", "compute_uv", "full_matrices", "log_target", "hermitian",
    "check_errors", "get_infos", "pivot", "scale_grad_by_freq", "sparse_grad", "assume_unique",
    "invert", "exclusive", "reverse", "increasing", "equal_nan", "zero_infinity", "swap",
    "count_include_pad", "ceil_mode", "full", "log_input", "center", "normalized",
    "accumulate", "with_replacement", "wrap", "non_blocking", "include_self", "batch_first",
    "density", "sparse",
})


# flags PyTorch declares ``bool?``: None is taken too
OPTIONAL_FLAGS = frozenset({"stable"})
# flags of PyTorch's Python-level functions, read by truth value (any object): (op, parameter)
TRUTH_FLAGS = frozenset({("lu", "get_infos")})


def flag_error(op, name, value):
    """PyTorch's TypeError for a non-bool where a flag goes."""
    raise TypeError(f"{op}(): argument '{name}' must be bool, not {type(value).__name__}; pass "
                    f"True or False")


# parameters that PyTorch's argument parser takes as a number (``Scalar``/``float``: a Python or
# NumPy number, or a 0-d Tensor) where the implementation's default is a number, or None for
# the optional ones (``nan_to_num``'s ``posinf``): ``alpha=tensor([1])``, ``rtol=[...]``,
# ``eps=('a', 1)`` raise TypeError there. The generated faces check them
NUMBERS = frozenset({
    "alpha", "beta", "rtol", "atol", "nan", "posinf", "neginf", "eps", "lambd", "margin",
    "value", "p", "lower", "upper", "rcond", "min", "max", "correction",
})
# of those, the ones PyTorch declares optional (``float?``): None is taken too where the
# default is None (clamp's ``min``/``max`` take a Tensor as well, so a None default of another
# name is no number check)
# of those, the ones PyTorch declares ``float`` (the others are ``Scalar``: an int beyond
# int64/uint64 raises OverflowError there, where a float parameter takes it as a float)
FLOAT_NUMBERS = frozenset({"rtol", "atol", "nan", "posinf", "neginf", "eps", "margin", "rcond"})
# and by op where the name is a ``Scalar`` elsewhere: (op, parameter)
FLOAT_OP_NUMBERS = frozenset({("cdist", "p"), ("pdist", "p"), ("pairwise_distance", "p")})
# the ``Scalar`` parameters taken complex (the op checks it against its tensors' dtypes); a
# complex number for any other raises RuntimeError, PyTorch's type for a real tensor
COMPLEX_SCALARS = frozenset({("add", "alpha"), ("sub", "alpha"), ("rsub", "alpha"),
                             ("subtract", "alpha"), ("addcmul", "value"), ("addcdiv", "value"),
                             *((op, name) for op in ("addmm", "addmv", "addbmm", "baddbmm", "addr")
                               for name in ("alpha", "beta"))})
OPTIONAL_NUMBERS = frozenset({"posinf", "neginf", "eps", "correction"})
# (op, parameter) numbers with a number default that PyTorch declares ``float?``: None passes
# and means the default (``nan_to_num(x, nan=None)`` replaces NaN by 0)
NONE_AS_DEFAULT = frozenset({("nan_to_num", "nan")})
# parameters that PyTorch's argument parser takes as an ``int`` (a Python or NumPy integer, a 0-d
# integer Tensor; not a bool, a float, None) where the implementation's default is an int, or
# None for the optional ones (embedding's ``padding_idx``)
INTS = frozenset({
    "dim", "diagonal", "offset", "dim1", "dim2", "start_dim", "end_dim", "k", "r",
    "minlength", "bins", "n", "padding_idx", "edge_order", "blank", "decimals",
})
OPTIONAL_INTS = frozenset({"padding_idx"})
# of those, the ones PyTorch declares ``SymInt`` (op, parameter): an integer tensor of any shape
# holding one element is taken too (it reads ``__index__``)
SYMINTS = frozenset({("tril", "diagonal"), ("triu", "diagonal"), ("kthvalue", "k"),
                     ("bincount", "minlength")})
# parameters that PyTorch's argument parser takes as a ``str`` (None too where the default is
# None): ``interpolation=device``, ``reduce=<generator>`` raise TypeError there
# (cdist's compute_mode is no such parameter: PyTorch's Python code raises ValueError for it)
STRINGS = frozenset({"interpolation", "reduce", "indexing", "pad_mode", "side"})


def number_error(op, name, value, optional=False):
    """PyTorch's TypeError for a non-number where a number goes; returns where ``value`` is a
    number after all (a NumPy number, a 0-d Tensor, a bool, None where ``optional``)."""
    if isinstance(value, (int, float, np.number, np.bool_)) or (value is None and optional) \
            or (isinstance(value, Tensor) and value.ndim == 0):
        if name not in FLOAT_NUMBERS and (op, name) not in FLOAT_OP_NUMBERS:
            check_int_scalar(value, op, name)
        return
    if isinstance(value, complex) and name not in FLOAT_NUMBERS:
        if (op, name) in COMPLEX_SCALARS:
            return  # (the op refuses it for real tensors with PyTorch's error)
        raise RuntimeError(f"{op}(): value cannot be converted to a real number without "
                           f"overflow (got the complex {name}={value!r}); pass a real {name} "
                           f"(gradkit takes a complex {name} in no op of this kind yet)")
    raise TypeError(f"{op}(): argument '{name}' must be a number (float or int), not "
                    f"{type(value).__name__}; pass e.g. {name}=1.0")


def int_error(op, name, value, optional=False):
    """PyTorch's TypeError for a non-int where an int goes; returns where ``value`` is an int
    after all (a NumPy integer, a 0-d integer Tensor, one of any shape holding one element for
    a ``SYMINTS`` parameter, None where ``optional``)."""
    if (value is None and optional) or _int_value(value, (op, name) in SYMINTS) is not None:
        check_int64(_int_value(value, (op, name) in SYMINTS), op, name)
        return
    raise TypeError(f"{op}(): argument '{name}' must be int, not {type(value).__name__}; "
                    f"pass e.g. {name}=0")


def str_error(op, name, value, optional=False):
    """PyTorch's TypeError for a non-str where a str goes (None too where ``optional``)."""
    if isinstance(value, str) or (value is None and optional):
        return
    raise TypeError(f"{op}(): argument '{name}' must be str, not {type(value).__name__}")


def _parser_first(call, error):
    """Raise ``error``, an out= check's, unless the call itself raises a TypeError: PyTorch's
    argument parser refuses an argument of the wrong type (a list where a tensor goes) before
    any check of ``out``. (On the error path only: the call is made just to find that.)"""
    if isinstance(error, TypeError):  # (the out= check's own parser error)
        raise error
    import warnings

    from .._warnings import _WARNED

    once = set(_WARNED)  # (the probe warns nothing, and uses up no warn-once)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            call()
    except TypeError as e:
        raise e from None
    except Exception:  # noqa: BLE001 - the out= check's error stands
        pass
    finally:
        _WARNED.intersection_update(once)
    raise error
