"""A stand-in for CuPy that runs on the CPU, for testing device code paths without a GPU.

Enabled only when the environment variable ``GRADKIT_FAKE_CUDA=1`` is set before gradkit is
imported. "GPU" arrays are a NumPy subclass that, like CuPy, refuses to mix with plain NumPy
arrays in an operation (``TypeError``) and converts to NumPy only through ``.get()``. So a test
run with it catches every place where an op would silently compute on the wrong device, a
creation function that ignores the input's device, and every missing transfer — the bugs that
would otherwise only show on a real GPU. Nothing here is used in normal operation.
"""

from __future__ import annotations

import types

import numpy as np

__all__ = ["make_fake_cupy"]


class _Dev:
    id = 0

    def __init__(self, i=0):
        self.id = i

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def synchronize(self):
        return None


class FakeCudaArray(np.ndarray):
    """A NumPy array that pretends to live on ``cuda:0``."""

    device = _Dev(0)

    @property
    def __cuda_array_interface__(self):  # marks a device array, as CuPy's does
        return {"shape": self.shape, "typestr": self.dtype.str, "version": 3,
                "data": (self.ctypes.data, False), "strides": None}

    def get(self):
        return np.array(self.view(np.ndarray))

    def __getitem__(self, index):  # CuPy gives a 0-d device array where NumPy gives a scalar
        res = super().__getitem__(index)
        return _wrap(res) if isinstance(res, np.generic) else res

    def nonzero(self):  # CuPy's method returns device arrays (NumPy's would give host ones)
        return _wrap(self.view(np.ndarray).nonzero())

    def __array_ufunc__(self, ufunc, method, *inputs, out=None, **kwargs):
        for x in inputs:  # 0-d host arrays too: CuPy accepts NumPy scalars, not 0-d arrays
            if type(x) is np.ndarray:
                raise TypeError(
                    f"fake CUDA: {ufunc.__name__} mixes a cuda array with a host NumPy array of "
                    f"shape {x.shape} (CuPy raises here too)"
                )
        base = [x.view(np.ndarray) if isinstance(x, FakeCudaArray) else x for x in inputs]
        if out is not None:
            kwargs["out"] = tuple(o.view(np.ndarray) if isinstance(o, FakeCudaArray) else o
                                  for o in out)
        res = getattr(ufunc, method)(*base, **kwargs)
        if out is not None:
            return out[0] if len(out) == 1 else out
        return _wrap(res)

    def __array_function__(self, func, types_, args, kwargs):
        def unwrap(x):
            if isinstance(x, FakeCudaArray):
                return x.view(np.ndarray)
            if type(x) is np.ndarray and func.__name__ not in _HOST_OK:
                raise TypeError(
                    f"fake CUDA: numpy.{func.__name__} mixes a cuda array with a host NumPy array "
                    f"of shape {x.shape}"
                )
            if isinstance(x, (list, tuple)):
                return type(x)(unwrap(y) for y in x)
            return x

        res = func(*unwrap(list(args)), **{k: unwrap(v) for k, v in kwargs.items()})
        return _wrap(res)


# functions whose extra array arguments are index/shape data, as CuPy allows for them
_HOST_OK = {"broadcast_to", "reshape", "transpose", "shape", "ndim", "result_type"}


def _wrap(res):
    if isinstance(res, np.ndarray) and not isinstance(res, FakeCudaArray):
        return res.view(FakeCudaArray)
    if isinstance(res, np.generic):
        return np.asarray(res).view(FakeCudaArray)
    if isinstance(res, tuple):
        return tuple(_wrap(r) for r in res)
    if isinstance(res, list):
        return [_wrap(r) for r in res]
    return res


class ElementwiseKernel:
    """CuPy's ``ElementwiseKernel`` for the simple kernels gradkit writes: the C body (typed
    declarations, ``(T)`` casts, arithmetic and ``tanh``) runs as whole-array NumPy statements,
    which is exact for elementwise code. Strict like CuPy: every argument must be a cuda array of
    the same shape, inputs first, then outputs (written in place)."""

    def __init__(self, in_params, out_params, operation, name="kernel"):
        self.ins = [p.split()[-1] for p in in_params.split(",")]
        self.outs = [p.split()[-1] for p in out_params.split(",")]
        self.name = name
        lines = []
        for stmt in operation.split(";"):
            stmt = stmt.strip()
            if not stmt:
                continue
            if stmt.startswith("T "):
                stmt = stmt[2:]
            lines.append(stmt.replace("(T)", "").replace("tanh(", "_np.tanh("))
        self.code = compile("\n".join(lines), f"<fake kernel {name}>", "exec")

    def __call__(self, *args):
        names = self.ins + self.outs
        if len(args) != len(names):
            raise TypeError(f"fake CUDA: kernel {self.name} takes {len(names)} arrays, got "
                            f"{len(args)}")
        shape = args[0].shape
        for n, a in zip(names, args):
            if not isinstance(a, FakeCudaArray):
                raise TypeError(f"fake CUDA: kernel {self.name} argument {n} is a "
                                f"{type(a).__name__}, not a cuda array")
            if a.shape != shape:
                raise ValueError(f"fake CUDA: kernel {self.name} argument {n} has shape "
                                 f"{a.shape}, expected {shape}")
        env = {n: a.view(np.ndarray) for n, a in zip(names, args)}
        env["_np"] = np
        exec(self.code, env)
        for n, a in zip(self.outs, args[len(self.ins):]):
            np.copyto(a.view(np.ndarray), env[n])


def make_fake_cupy():
    """A module object with the parts of CuPy's API that gradkit uses."""
    mod = types.ModuleType("fake_cupy")
    mod.ndarray = FakeCudaArray

    def asarray(x, dtype=None):
        if isinstance(x, FakeCudaArray):
            return x if dtype is None else x.astype(dtype)
        return np.array(x, dtype=dtype).view(FakeCudaArray)

    def creator(fn):
        def make(*args, **kwargs):
            return _wrap(fn(*args, **kwargs))

        return make

    def ascontiguousarray(a, dtype=None):  # like CuPy's: a device array in, a device array out
        if not isinstance(a, FakeCudaArray):
            raise TypeError(f"fake CUDA: ascontiguousarray expects a cuda array, got "
                            f"{type(a).__name__} (CuPy raises here too)")
        return _wrap(np.ascontiguousarray(a.view(np.ndarray), dtype=dtype))

    def array(x, dtype=None, copy=True, order="K"):
        base = x.view(np.ndarray) if isinstance(x, FakeCudaArray) else x
        return np.array(base, dtype=dtype, copy=copy, order=order).view(FakeCudaArray)

    mod.asarray = asarray
    mod.array = array
    mod.ascontiguousarray = ascontiguousarray
    for name in ("zeros", "ones", "empty", "full", "arange", "eye", "linspace", "zeros_like",
                 "ones_like", "empty_like", "full_like", "indices"):
        setattr(mod, name, creator(getattr(np, name)))

    def __getattr__(name):
        return getattr(np, name)

    mod.__getattr__ = __getattr__
    cuda = types.SimpleNamespace(
        Device=_Dev,
        runtime=types.SimpleNamespace(getDeviceCount=lambda: 1),
    )
    mod.cuda = cuda
    mod.random = types.SimpleNamespace(seed=lambda s: None)
    mod.add = np.add

    def _strided(fn):
        def view(x, *args, **kwargs):
            base = x.view(np.ndarray) if isinstance(x, FakeCudaArray) else x
            return _wrap(fn(base, *args, **kwargs))

        return view

    mod.lib = types.SimpleNamespace(stride_tricks=types.SimpleNamespace(
        as_strided=_strided(np.lib.stride_tricks.as_strided),
        sliding_window_view=_strided(np.lib.stride_tricks.sliding_window_view),
    ))
    mod.ElementwiseKernel = ElementwiseKernel
    mod.fake = True
    return mod
