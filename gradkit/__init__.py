"""gradkit: PyTorch's API for automatic differentiation and neural networks, on NumPy alone.

Example:
    >>> import gradkit as gk
    >>> x = gk.tensor([1.0, 2.0, 3.0], requires_grad=True)
    >>> (x ** 2).sum().backward()
    >>> x.grad
    tensor([2., 4., 6.])
"""

from . import _dtype, _malloc  # noqa: F401 (_malloc: heap options, at import)
from ._dtype import (
    bool, double, float, float16, float32, float64, get_default_dtype, half, int, int8, int16,
    int32, int64, long, set_default_dtype, short, uint8,
)
from .autograd.grad_mode import (
    enable_grad, inference_mode, is_grad_enabled, is_inference_mode_enabled, no_grad,
    set_grad_enabled,
)
from .tensor import Size, Tensor, _install
from ._functions import *  # noqa: F401,F403 - the public op functions
from ._functions import __all__ as _function_names
from .device import Device, device
from .factories import *  # noqa: F401,F403
from .factories import __all__ as _factory_names
from .random import Generator, get_rng_state, initial_seed, manual_seed, seed, set_rng_state
from . import autograd, func, random  # noqa: E402
from . import cuda  # noqa: E402
from . import distributed, linalg, nn, optim, utils  # noqa: E402

_install()

# PyTorch's top-level linear-algebra functions (and their Tensor methods), from gradkit.linalg.
det = linalg.det
inverse = linalg.inv
slogdet = linalg.slogdet
matrix_power = linalg.matrix_power
matrix_exp = linalg.matrix_exp
logdet = linalg._top_logdet
cholesky = linalg._top_cholesky
cross = linalg._top_cross
pinverse = linalg._top_pinverse
svd = linalg._top_svd
qr = linalg._top_qr
cholesky_solve = linalg._top_cholesky_solve
cholesky_inverse = linalg._top_cholesky_inverse
_LINALG_NAMES = ["det", "inverse", "slogdet", "matrix_power", "matrix_exp", "logdet", "cholesky",
                 "cross", "pinverse", "svd", "qr", "cholesky_solve", "cholesky_inverse"]
for _name in _LINALG_NAMES:
    setattr(Tensor, _name, globals()[_name])
del _name

__version__ = "0.1.0"


def is_tensor(obj) -> bool:
    return isinstance(obj, Tensor)


def promote_types(type1, type2):
    return _dtype.promote_types(type1, type2)


def result_type(tensor1, tensor2):
    return _dtype.operands_result_type(tensor1, tensor2)


def is_floating_point(t) -> bool:
    return t.is_floating_point()


def save(obj, f, **kwargs):
    """Save tensors and state dicts as safetensors + JSON (no pickle); see gradkit.serialization."""
    from .serialization import save as _save

    return _save(obj, f, **kwargs)


def load(f, map_location=None, **kwargs):
    """Load what ``gradkit.save`` wrote; never runs code from the file."""
    from .serialization import load as _load

    return _load(f, map_location=map_location, **kwargs)


__all__ = [
    "Tensor", "Size", "tensor", "is_tensor", "no_grad", "enable_grad", "set_grad_enabled",
    "inference_mode", "is_grad_enabled", "get_default_dtype", "set_default_dtype", "float16",
    "float32", "float64", "int8", "int16", "int32", "int64", "uint8", "bool", "half", "float",
    "double", "short", "int", "long", "manual_seed", "Generator", "seed", "initial_seed",
    "get_rng_state", "set_rng_state", "autograd", "func", "random", "device", "Device", "cuda",
    "promote_types", "result_type", "save", "load", "nn", "optim", "utils", "distributed",
    "linalg",
] + _LINALG_NAMES + list(_function_names) + list(_factory_names)
