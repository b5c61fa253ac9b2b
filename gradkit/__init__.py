"""gradkit: PyTorch's API for automatic differentiation and neural networks, on NumPy alone.

Examples:
    >>> import gradkit as gk
    >>> x = gk.tensor([1.0, 2.0, 3.0], requires_grad=True)
    >>> (x ** 2).sum().backward()
    >>> x.grad
    tensor([2., 4., 6.])
"""

from ._warnings import quiet_numpy_fp as _quiet_numpy_fp

_quiet_numpy_fp()  # NumPy's floating-point warnings inside gradkit: silent, as PyTorch's inf/nan

from . import _dtype, _malloc  # noqa: E402,F401 (_malloc: heap options, at import)
from ._dtype import (
    bool, double, float, float16, float32, float64, get_default_dtype, half, int, int8, int16,
    int32, int64, long, set_default_dtype, short, uint8,
)
from ._dtype import cdouble, cfloat, complex64, complex128, dtype, uint16, uint32, uint64
from ._memory_format import (
    channels_last, channels_last_3d, contiguous_format, memory_format, preserve_format,
)
from .autograd.grad_mode import (
    enable_grad, inference_mode, is_grad_enabled, is_inference_mode_enabled, no_grad,
    set_grad_enabled,
)
from ._tensor import Size, Tensor
from .device import Device, device
from . import functions  # noqa: E402 (declares every op; its faces are installed below)
from .compat._api import *  # noqa: E402,F401,F403 (torch.inf, LongTensor, set_printoptions, ...)
from .factories import *  # noqa: F401,F403
from .factories import __all__ as _factory_names
from ._runtime import *  # noqa: F401,F403 (threads, determinism, finfo/iinfo, version, ...)
from ._runtime import __all__ as _runtime_names
from ._windows import *  # noqa: F401,F403 (hann_window, hamming_window, ...)
from ._windows import __all__ as _window_names
from .compat.toplevel import *  # noqa: F401,F403,E402 (default_generator, GradScaler, ...)
from .amp import (  # noqa: E402
    get_autocast_cpu_dtype, get_autocast_dtype, is_autocast_cpu_enabled, is_autocast_enabled,
    set_autocast_dtype, set_autocast_enabled,
)
from .random import Generator, get_rng_state, initial_seed, manual_seed, seed, set_rng_state
from . import autograd, func, random  # noqa: E402
from . import cuda  # noqa: E402
from . import distributed, distributions, linalg, nn, optim, testing, utils  # noqa: E402
from . import sparse  # noqa: E402
from . import fft  # noqa: E402,F401 (torch.fft)
from .sparse import layout, sparse_coo, sparse_coo_tensor, spmm, strided  # noqa: E402,F401
from .sparse._ops import dsmm, hspmm, smm  # noqa: E402,F401
from .sparse import sparse_bsc, sparse_bsr, sparse_csc, sparse_csr  # noqa: E402,F401
from .sparse._compressed_ops import (  # noqa: E402,F401
    sparse_bsc_tensor,
    sparse_bsr_tensor,
    sparse_compressed_tensor,
    sparse_csc_tensor,
    sparse_csr_tensor,
)

# Every declared op (gradkit/functions/ by kind, the top-level linear algebra in gradkit/linalg.py)
# gets its faces: Tensor methods, in-place methods, and the gradkit.X functions with out=.
functions.install(Tensor)
_function_faces = functions.public_functions()
globals().update(_function_faces)
from ._factory_out import with_out_faces as _with_out_faces  # noqa: E402
globals().update(_with_out_faces(globals()))  # torch.zeros(..., out=t) and the other factories
from . import special  # noqa: E402 (built from the declarations above)
from ._tensor.namespace import tensor_ns as _tensor_ns  # noqa: E402
from .autograd import graph as _graph  # noqa: E402
from ._tensor.tensor import _wrap_node as _wrap_node, wrap as _wrap  # noqa: E402

# the engine makes Tensors, and hands backward rules the Tensor namespace under create_graph
_graph.configure(wrap=_wrap, wrap_node=_wrap_node, tensor_ns=_tensor_ns)


def _dispatching_namespaces():
    """gradkit.linalg's and gradkit.fft's functions hand a call to a Tensor subclass's or
    tensor-like's ``__torch_function__`` (the registry's faces and nn.functional's do already)."""
    import types as _types

    from ._tensor.torch_function import wrap_function

    for mod, prefix in ((linalg, "linalg_"), (fft, "fft_")):
        for name in mod.__all__:
            f = mod.__dict__.get(name)
            if isinstance(f, _types.FunctionType) and \
                    not getattr(f, "__torch_function_face__", False):
                face = wrap_function(f)
                face.__name__ = prefix + name  # PyTorch's name: a handler sees linalg_norm
                setattr(mod, name, face)
    # the top-level functions written by hand that take tensors: the *_like factories, the
    # random samplers, the in-place function faces (gradkit.exp_(x))
    top = globals()
    for name, f in list(top.items()):
        if isinstance(f, _types.FunctionType) and not name.startswith("_") and \
                not getattr(f, "__torch_function_face__", False) and \
                (name.endswith("_like") or name in _TENSOR_TAKING or
                 (name.endswith("_") and getattr(Tensor, name, None) is f)):
            top[name] = wrap_function(f)


_TENSOR_TAKING = frozenset({"bernoulli", "multinomial", "normal", "poisson", "binomial",
                            "is_nonzero", "is_floating_point"})


_dispatching_namespaces()
from . import overrides  # noqa: E402 (torch.overrides)

from .torch_version import TorchVersion as _TorchVersion  # noqa: E402

__version__ = _TorchVersion("0.1.0")  # (a str comparing as a version, as torch.__version__)


# submodules PyTorch's ``import torch`` makes reachable as attributes, imported on first use
_LAZY_MODULES = frozenset(("_C", "cpu", "multiprocessing", "profiler", "signal", "functional",
                           "quasirandom",
                           "types", "mps", "xpu", "__future__", "serialization", "hub", "export",
                           "fx", "library", "futures", "__config__", "ao", "quantization"))


_DEPRECATED_HAS = {"has_cuda": ("cuda", "is_built"), "has_mps": ("mps", "is_built"),
                   "has_cudnn": ("cudnn", "is_available"), "has_mkldnn": ("mkldnn", "is_available")}


def __getattr__(name):
    if name == "torch":  # ``torch.torch`` is the package itself (kornia's ``torch.torch.Tensor``)
        import sys as _sys

        return _sys.modules[__name__]
    # gradkit.bfloat16 imports ml_dtypes (the ``bf16`` extra) on first use, not at import
    if name == "bfloat16":
        return _dtype._load_bfloat16()
    if name in _dtype._FLOAT8:  # the 8-bit floats come from ml_dtypes too
        return _dtype._load_float8(name)
    if name in _dtype._NAMED_ONLY:  # torch.uint1, torch.qint8, ...: named, no tensors of them
        return _dtype._NAMED_ONLY[name]
    if name in _DEPRECATED_HAS:  # torch.has_cuda, ...: PyTorch's warning, then the backend's
        import warnings

        mod, fn = _DEPRECATED_HAS[name]
        warnings.warn(f"'{name}' is deprecated, please use '{__name__}.backends.{mod}.{fn}()'",
                      UserWarning, stacklevel=2)
        return getattr(getattr(backends, mod), fn)()
    if name in ("has_openmp", "has_mkl"):  # build flags: gradkit runs on NumPy's BLAS
        return getattr(backends, name[4:]).is_available()
    if name in ("has_lapack", "has_spectral"):  # linalg and fft are NumPy's
        return True
    if name in ("Stream", "Event"):  # torch.Stream(), torch.Event(): the CPU's, in order
        from . import _streams

        return getattr(_streams, name)
    if name == "vmap":  # torch.vmap is torch.func.vmap
        from .func import vmap

        return vmap
    # torch.ScriptModule is torch._C.ScriptModule; torch.PyTorchFileReader (a torch.save
    # archive's records) is torch._C's too; under `gradkit run` they show PyTorch's names
    if name in ("ScriptObject", "ScriptModule", "PyTorchFileReader"):
        from . import _C
        from .compat import typenames

        typenames.refresh()
        return getattr(_C, name)
    if name == "Future":  # torch.Future is torch.futures.Future
        from .futures import Future

        return Future
    if name in ("_dynamo", "compiler"):  # torch._dynamo.reset(), torch.compiler.disable
        from .compat import dynamo

        return dynamo
    if name.startswith("_foreach_"):  # torch._foreach_mul_(params, 0.9), ...
        from ._foreach import foreach_function

        return foreach_function(name)
    if name in _LAZY_MODULES:  # torch.cpu (torch.cpu.amp.autocast), torch.profiler, ...
        import importlib
        import sys as _sys

        module = importlib.import_module("gradkit." + name)
        names = _sys.modules.get("gradkit.compat.typenames")
        if names is not None:  # under gradkit run its classes show PyTorch's names
            names.refresh()
        return module
    if name in _TORCH_ONLY_MODULES:
        raise AttributeError(
            f"module 'gradkit' has no attribute {name!r}: gradkit does not provide PyTorch's "
            f"torch.{name} ({_TORCH_ONLY_MODULES[name]}); run this program with PyTorch, or see "
            "README's 'Running PyTorch programs' for what gradkit supports")
    raise AttributeError(f"module 'gradkit' has no attribute {name!r}")


# PyTorch submodules gradkit does not have, and why, for the error a program reaching them gets
_TORCH_ONLY_MODULES = {
    "nested": "nested tensors are out of gradkit's scope",
    "export": "graph capture is out of gradkit's scope",
}


def is_tensor(obj) -> bool:
    return isinstance(obj, Tensor)


def promote_types(type1, type2):
    return _dtype.promote_types(type1, type2)


def result_type(tensor1, tensor2):
    import numbers as _numbers
    for name, v in (("tensor1", tensor1), ("tensor2", tensor2)):
        if not isinstance(v, (Tensor, _numbers.Number)):
            raise TypeError(f"result_type(): argument '{name}' must be a Tensor or a number, "
                            f"not {type(v).__name__}")
    return _dtype.operands_result_type(tensor1, tensor2)


def is_floating_point(t) -> bool:
    if not isinstance(t, Tensor):
        raise TypeError(f"is_floating_point(): argument 'input' (position 1) must be Tensor, "
                        f"not {type(t).__name__}")
    return t.is_floating_point()


def save(obj, f, *args, format=None, **kwargs):
    """Save tensors and state dicts as safetensors + JSON (no pickle), or with ``format="torch"``
    as ``torch.save`` does (the default in a program run by ``gradkit run``); see
    gradkit.serialization.save."""
    from .serialization import save as _save

    return _save(obj, f, *args, format=format, **kwargs)


def load(f, map_location=None, pickle_module=None, *, weights_only=None, **kwargs):
    """Load a gradkit checkpoint, a safetensors file or a PyTorch ``.pt``/``.pth`` file; PyTorch
    files are unpickled with PyTorch's weights_only allow-list unless ``weights_only=False``
    (or, as in PyTorch, ``pickle_module`` is given and ``weights_only`` is not); see
    gradkit.serialization.load."""
    from .serialization import load as _load

    return _load(f, map_location=map_location, pickle_module=pickle_module,
                 weights_only=weights_only, **kwargs)


__all__ = [
    "Tensor", "Size", "tensor", "is_tensor", "no_grad", "enable_grad", "set_grad_enabled",
    "inference_mode", "is_grad_enabled", "get_default_dtype", "set_default_dtype", "float16",
    "float32", "float64", "int8", "int16", "int32", "int64", "uint8", "bool", "half", "float",
    "double", "short", "int", "long", "manual_seed", "Generator", "seed", "initial_seed",
    "get_rng_state", "set_rng_state", "autograd", "func", "random", "device", "Device", "cuda",
    "promote_types", "result_type", "save", "load", "nn", "optim", "utils", "distributed",
    "linalg", "special", "sparse", "sparse_coo_tensor", "spmm", "dsmm", "smm", "hspmm", "layout",
    "strided", "sparse_coo",
    "sparse_csr", "sparse_csc", "sparse_bsr", "sparse_bsc", "sparse_csr_tensor",
    "sparse_csc_tensor", "sparse_bsr_tensor", "sparse_bsc_tensor", "sparse_compressed_tensor",
    "is_autocast_enabled", "get_autocast_dtype", "set_autocast_enabled",
    "set_autocast_dtype", "is_autocast_cpu_enabled", "get_autocast_cpu_dtype", "dtype",
    "complex64", "complex128", "cfloat", "cdouble", "uint16", "uint32", "uint64",
    "memory_format", "contiguous_format", "channels_last", "channels_last_3d", "preserve_format",
] + sorted(_function_faces) + list(_factory_names) + list(_runtime_names) \
    + list(_window_names)

# classes defined in private files show their public name, as PyTorch's do: gradkit.Tensor,
# gradkit.Size, gradkit.dtype, gradkit.device, gradkit.Generator (pickle finds them there)
from ._typenames import publish as _publish  # noqa: E402

_publish(globals(), __name__, [n for n in list(globals()) if n[0] != "_"])
Device.__module__ = Generator.__module__ = __name__
Device.__qualname__ = "device"
