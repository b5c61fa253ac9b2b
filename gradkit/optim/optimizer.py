"""The ``Optimizer`` base class: parameter groups, state, ``zero_grad``, ``step``, checkpoints.

Every optimizer keeps PyTorch's public face (``param_groups``, ``state``, ``zero_grad``,
``step(closure)``, ``state_dict``/``load_state_dict``, step hooks) and puts its math in one small
per-parameter function (a *kernel*) that works on raw arrays in place. The kernels receive the
array namespace ``xp`` of the parameter (NumPy today, CuPy later), the flattened parameter,
gradient and state arrays, and persistent scratch buffers, and update everything with ``out=``
ufunc calls: a step allocates no parameter-sized temporaries after the first one.

Large parameters (from 2**18 elements) are cut into slices and the slices are shared between the
CPU cores: NumPy's ufuncs release the GIL, so the elementwise update runs in parallel like
PyTorch's intra-op threads, each thread walking its slice in cache-sized chunks. The environment
variable ``GRADKIT_OPTIM_THREADS`` (read at import; default: ``OMP_NUM_THREADS`` if set, as
PyTorch, else the CPUs the process may run on; at most 8) sets the number of threads; with
``GRADKIT_OPTIM_THREADS=1`` the calling thread walks the chunks alone.
``gradkit.optim._threads`` says how the threads are kept on separate cores.

An optimizer may also give a BLAS form of its kernel (Adam, AdamW and SGD do): large
float32/float64 parameters are then updated with level-1 BLAS (``scal``, ``axpy``, ``axpby``) from
the OpenBLAS that NumPy's wheels carry, called through ctypes on the same threads (Adam in
cache-sized chunks, SGD in whole slices): one pass where ufuncs take two or three. ``axpy`` rounds
once, a fused multiply-add, as PyTorch's CPU kernels compute ``add(..., alpha=...)``: SGD's update
rounds as PyTorch's (except the last n mod 32 elements of a call under OpenBLAS's Haswell kernels);
Adam's moments and update stay within a rounding of PyTorch's. OpenBLAS is held to one thread
meanwhile (a matrix product in another Python thread then runs on one thread too). Where that
library cannot be found the ufunc kernel runs. ``GRADKIT_OPTIM_BLAS=0`` (read at import) turns this
off.

Gradient accumulation (several backward passes per optimizer step) works as in PyTorch, because
``backward`` adds into ``.grad``::

    optimizer.zero_grad()
    for i, (x, y) in enumerate(loader):
        loss = loss_fn(model(x), y) / accum_steps   # scale so the sum is a mean
        loss.backward()                             # grads accumulate in p.grad
        if (i + 1) % accum_steps == 0:
            optimizer.step()
            optimizer.zero_grad()
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Iterable
from copy import deepcopy
from typing import Any

import numpy as np

from .. import _dtype
from .._backend import namespace_of, numpy_ns
from .._tensor import Tensor, wrap
from ..autograd.grad_mode import enable_grad
from ._threads import CountedSetting, WorkerPool, short_gil_waits, usable_cpus

__all__ = ["Optimizer", "required"]


class _RequiredParameter:
    """Marks a hyperparameter that has no default (the group must give it)."""

    def __repr__(self) -> str:
        return "<required parameter>"


required = _RequiredParameter()

# Parameters bigger than this are cut into slices that the CPU cores update in parallel.
_PARALLEL_MIN = 1 << 18
_CPUS = usable_cpus()


def _thread_count() -> int:
    """``GRADKIT_OPTIM_THREADS``, else ``OMP_NUM_THREADS`` (PyTorch's intra-op thread count
    follows it, and so do ranks started with one thread each), else the CPUs the process may
    run on; at most 8."""
    value = os.environ.get("GRADKIT_OPTIM_THREADS", "").strip()
    if value:
        try:
            return max(1, min(int(value), 8))
        except ValueError:
            raise ValueError(f"GRADKIT_OPTIM_THREADS={value!r}: expected a whole number of "
                             f"threads, e.g. GRADKIT_OPTIM_THREADS=2") from None
    omp = os.environ.get("OMP_NUM_THREADS", "").split(",")[0].strip()  # OpenMP allows "4,2"
    if omp.isdigit() and int(omp) > 0:
        return min(int(omp), 8)
    return max(1, min(len(_CPUS) if _CPUS else os.cpu_count() or 1, 8))


_THREADS = _thread_count()
_POOL: list = [None]     # the WorkerPool, made on first use (under _POOL_LOCK)
_POOL_LOCK = threading.Lock()
# Each thread updates its part of a large parameter in chunks of this many elements, so that the
# kernel's passes over a chunk stay in the cache. The size trades cache against the GIL (every
# ufunc call takes it; see ``_threads``). Measured on 2 cores, Adam over the 1.86M float32
# parameters of an MLP 784-1024-1024-10, median of 10 blocks: 2**15 1.93 ms, 2**16 1.72,
# 2**17 1.69, 2**18 1.74 (whole slices stream from memory: ~2 ms).
_CHUNK = 1 << 17
# Slices and chunks begin at multiples of this many elements. OpenBLAS's Haswell kernels round
# the last (n mod 32) elements of each call twice instead of once, so where calls begin and end
# would change the last bit of some results; aligned, they do not depend on the thread count.
_ALIGN = 64
# Parameters from this size take the BLAS form of a kernel (``_blas_kernel``) where NumPy's own
# BLAS can be reached; smaller ones stay on ufuncs, whose calls cost less.
_BLAS_MIN = _PARALLEL_MIN
_BLAS_ENABLED = os.environ.get("GRADKIT_OPTIM_BLAS", "1") != "0"
_BLAS: list = []        # [({dtype: Blas}, get_num_threads, set_num_threads) or None]


class Blas:
    """Level-1 BLAS routines of one dtype on contiguous, writeable arrays (``_numpy_blas``).

    ``scal(a, x)``: ``x *= a``; ``axpy(a, x, y)``: ``y += a * x`` with one fused multiply-add
    per element, rounded once as PyTorch's CPU kernels round ``y.add_(x, alpha=a)`` and
    ``lerp``; ``axpby(a, x, b, y)``: ``y = a * x + b * y`` in one pass. With ``a = 1`` that is
    ``round(x + round(b * y))``, PyTorch's ``y.mul_(b).add_(x)``; otherwise it rounds once or
    twice depending on the kernel OpenBLAS picked for the CPU (within a rounding either way).
    """

    __slots__ = ("axpby", "axpy", "scal")

    def __init__(self, c_scal, c_axpy, c_axpby) -> None:
        import ctypes

        # The address of an array's first element: 0.3 us, against 0.9 us for ``a.ctypes.data``.
        addr, view = ctypes.addressof, ctypes.c_char.from_buffer

        def scal(a, x):
            c_scal(x.size, float(a), addr(view(x)), 1)

        def axpy(a, x, y):
            c_axpy(y.size, float(a), addr(view(x)), 1, addr(view(y)), 1)

        def axpby(a, x, b, y):
            c_axpby(y.size, float(a), addr(view(x)), 1, float(b), addr(view(y)), 1)

        self.scal, self.axpy, self.axpby = scal, axpy, axpby


def _numpy_blas() -> tuple[dict, Callable, Callable] | None:
    """``({dtype: Blas}, get_num_threads, set_num_threads)`` for float32 and float64 from the
    OpenBLAS inside NumPy's wheels, through ctypes, or None where it cannot be found.

    NumPy's wheels link a 64-bit-integer OpenBLAS whose C functions are named
    ``scipy_cblas_<x>64_``; the names are looked up through NumPy's extension module (whose
    library dependencies the dynamic linker searches). Other builds (Accelerate, MKL, a system
    BLAS, Windows) do not export these exact names, and then the ufunc kernels run instead.
    A second BLAS library (SciPy's own OpenBLAS) was tried and made a training step more than
    twice as slow on 2 cores, its threads and NumPy's spinning against each other.
    """
    try:
        import ctypes

        from numpy._core import _multiarray_umath

        lib = ctypes.CDLL(_multiarray_umath.__file__)
        n_t, ptr = ctypes.c_int64, ctypes.c_void_p
        table = {}
        for dtype, x, real in ((np.float32, "s", ctypes.c_float),
                               (np.float64, "d", ctypes.c_double)):
            c_scal = getattr(lib, f"scipy_cblas_{x}scal64_")
            c_scal.argtypes = [n_t, real, ptr, n_t]
            c_axpy = getattr(lib, f"scipy_cblas_{x}axpy64_")
            c_axpy.argtypes = [n_t, real, ptr, n_t, ptr, n_t]
            c_axpby = getattr(lib, f"scipy_cblas_{x}axpby64_")
            c_axpby.argtypes = [n_t, real, ptr, n_t, real, ptr, n_t]
            for f in (c_scal, c_axpy, c_axpby):
                f.restype = None
            table[np.dtype(dtype)] = Blas(c_scal, c_axpy, c_axpby)
        get_threads = lib.scipy_openblas_get_num_threads64_
        get_threads.restype = ctypes.c_int
        get_threads.argtypes = []
        set_threads = lib.scipy_openblas_set_num_threads64_
        set_threads.restype = None
        set_threads.argtypes = [ctypes.c_int]
        return table, get_threads, set_threads
    except (ImportError, OSError, AttributeError):
        return None


def _blas_routines(dtype) -> Blas | None:
    """The ``Blas`` of ``dtype`` from NumPy's BLAS, or None (not found, another dtype, or
    ``GRADKIT_OPTIM_BLAS=0``). Looked up on first use."""
    if not _BLAS:
        _BLAS.append(_numpy_blas() if _BLAS_ENABLED else None)
    found = _BLAS[0]
    return None if found is None else found[0].get(dtype)


def _get_blas_threads() -> int:
    return _BLAS[0][1]()


def _put_blas_threads(n: int) -> None:
    _BLAS[0][2](n)


# OpenBLAS works on the calling thread only while the optimizer's threads call it (otherwise each
# of them would hand its ``axpy`` to OpenBLAS's own workers at once). Setting it costs ~0.2 us.
_one_blas_thread = CountedSetting(_get_blas_threads, _put_blas_threads, lambda current: 1)


def _after_fork_in_child() -> None:
    """A forked child has none of the parent's threads, and may have been forked in the middle
    of a parallel step (whose lock and settings it would otherwise keep)."""
    global _POOL_LOCK
    _POOL[0] = None
    _POOL_LOCK = threading.Lock()
    short_gil_waits.reset_after_fork()
    _one_blas_thread.reset_after_fork()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


def _with_blas(blas_kernel, blas):
    """``blas_kernel`` called like a ufunc kernel (its ``xp`` argument replaced by ``blas``)."""
    def kernel(xp, *args):
        blas_kernel(blas, *args)
    return kernel


def _blas_ready(p, arrays) -> bool:
    """Whether BLAS may work on ``p`` and ``arrays`` (raw pointers): each must be a NumPy array of
    ``p``'s dtype, C-contiguous, aligned and writeable."""
    dt = p.dtype
    for a in (p, *arrays):
        if type(a) is not np.ndarray or a.dtype != dt:
            return False
        f = a.flags
        if not (f.c_contiguous and f.aligned and f.writeable):
            return False
    return True


class _Handle:
    """Returned by the ``register_*_hook`` methods; ``remove()`` unregisters the hook."""

    def __init__(self, hooks: dict, key: int) -> None:
        self._hooks = hooks
        self._key = key

    def remove(self) -> None:
        self._hooks.pop(self._key, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


def _wrap_step(step):
    """Run the optimizer's step pre/post hooks around ``step`` (added to every subclass)."""

    def step_with_hooks(self, *args, **kwargs):
        if self.__dict__.get("_in_step"):       # a subclass's step calling super().step()
            return step(self, *args, **kwargs)
        pre, post = self._step_pre_hooks, self._step_post_hooks
        if pre:
            for hook in list(pre.values()):
                out = hook(self, args, kwargs)
                if out is not None:
                    if not (isinstance(out, tuple) and len(out) == 2):
                        raise RuntimeError(
                            f"optimizer step pre-hook {hook!r} must return None or a tuple "
                            f"(new_args, new_kwargs), but returned {out!r}")
                    args, kwargs = out
        self._in_step = True
        try:
            result = step(self, *args, **kwargs)
        finally:
            self._in_step = False
        self._step_count += 1
        if post:
            for hook in list(post.values()):
                hook(self, args, kwargs)
        return result

    step_with_hooks.__wrapped__ = step
    step_with_hooks.__doc__ = step.__doc__
    step_with_hooks.__name__ = step.__name__
    step_with_hooks.__qualname__ = step.__qualname__
    return step_with_hooks


class Optimizer:
    """Base class of all optimizers, with PyTorch's interface.

    Args:
        params: an iterable of Tensors, of ``(name, Tensor)`` pairs, or of dicts (parameter
            groups, each with a ``"params"`` entry and any per-group options).
        defaults: the default options, filled into each group that does not set them.

    Attributes:
        param_groups: list of dicts, one per group: ``"params"`` plus every option.
        state: per-parameter state (a dict keyed by the parameter Tensor).
        defaults: the options given to the constructor.

    Differences from PyTorch: a parameter listed twice (in one group or across groups) is an
    error (PyTorch only warns within a group); extra keys in a group dict are kept, as in
    PyTorch, so that ``"name"`` and similar tags survive a checkpoint. ``foreach``, ``fused``
    and ``capturable`` are accepted and ignored (the kernels are always in place); the
    ``differentiable=True`` mode is not supported.

    Gradient accumulation: ``backward`` adds into ``.grad``, so several micro-batches can be
    summed before one step (scale each loss so that the sum is the mean)::

        optimizer.zero_grad()
        for i, (x, y) in enumerate(loader):
            (loss_fn(model(x), y) / accum_steps).backward()
            if (i + 1) % accum_steps == 0:
                optimizer.step()
                optimizer.zero_grad()

    Example:
        >>> opt = gradkit.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        >>> for x, y in loader:
        ...     opt.zero_grad()
        ...     loss_fn(model(x), y).backward()
        ...     opt.step()
    """

    _step_pre_hooks: OrderedDict[int, Callable]
    _step_post_hooks: OrderedDict[int, Callable]

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "step" in cls.__dict__ and not hasattr(cls.__dict__["step"], "__wrapped__"):
            cls.step = _wrap_step(cls.__dict__["step"])

    def __init__(self, params: Iterable[Any], defaults: dict[str, Any]) -> None:
        self.defaults = defaults
        self._step_pre_hooks = OrderedDict()
        self._step_post_hooks = OrderedDict()
        self._state_dict_pre_hooks: OrderedDict = OrderedDict()
        self._state_dict_post_hooks: OrderedDict = OrderedDict()
        self._load_state_dict_pre_hooks: OrderedDict = OrderedDict()
        self._load_state_dict_post_hooks: OrderedDict = OrderedDict()
        self._hook_id = 0
        self._step_count = 0
        self._scratch: list[dict] = [{} for _ in range(_THREADS)]
        self._views: dict = {}
        if isinstance(params, Tensor):
            raise TypeError(
                "params argument given to the optimizer should be an iterable of Tensors or "
                f"dicts, but got {type(params).__name__}; wrap it in a list: [tensor]")
        if isinstance(params, (set, frozenset)):
            raise TypeError(
                "optimizer parameters need to be organized in ordered collections, but the "
                "ordering of tensors in sets will change between runs. Please use a list instead.")
        self.state: defaultdict = defaultdict(dict)
        self.param_groups: list[dict] = []
        param_groups = list(params)
        if len(param_groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(param_groups[0], dict):
            param_groups = [{"params": param_groups}]
        for group in param_groups:
            self.add_param_group(group)

    # ----------------------------------------------------------------- groups
    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a parameter group (a dict with ``"params"`` and optional per-group options).

        Useful to unfreeze layers during fine-tuning. Options the group does not set take the
        optimizer's defaults.

        Raises:
            TypeError: if the group is not a dict or a parameter is not a Tensor.
            ValueError: on a non-leaf tensor, a parameter already optimized, or a missing
                required option.
        """
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group).__name__}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, (set, frozenset)):
            raise TypeError(
                "optimizer parameters need to be organized in ordered collections, but the "
                "ordering of tensors in sets will change between runs. Please use a list instead.")
        else:
            params = list(params)
        group = dict(param_group)
        if params and isinstance(params[0], tuple):
            names = []
            plain = []
            for item in params:
                if not (isinstance(item, tuple) and len(item) == 2):
                    raise TypeError("named parameters must be (name, Tensor) pairs for every entry")
                names.append(item[0])
                plain.append(item[1])
            params = plain
            group["param_names"] = names
        for p in params:
            if not isinstance(p, Tensor):
                raise TypeError(
                    f"optimizer can only optimize Tensors, but one of the params is "
                    f"{type(p).__name__}")
            if not p.is_leaf:
                raise ValueError(
                    "can't optimize a non-leaf Tensor (it was computed by an op, so updating it "
                    "would not change the leaves it came from); optimize the leaf, or use "
                    "t.detach().requires_grad_()")
        ids = [id(p) for p in params]
        if len(set(ids)) != len(ids):
            raise ValueError(
                "optimizer contains a parameter group with duplicate parameters; list each "
                "parameter once")
        group["params"] = params
        for name, default in self.defaults.items():
            if default is required and name not in group:
                raise ValueError(
                    f"parameter group didn't specify a value of required optimization parameter "
                    f"{name}")
            group.setdefault(name, default)
        self._validate_group(group)
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        if not seen.isdisjoint(ids):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(group)

    def _validate_group(self, group: dict[str, Any]) -> None:
        """Check a group's options (subclasses raise ValueError naming the bad value)."""

    # ----------------------------------------------------------------- gradients
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the gradients of all parameters.

        Args:
            set_to_none: set ``.grad`` to None (default, cheaper) instead of filling it with
                zeros.
        """
        for group in self.param_groups:
            for p in group["params"]:
                g = p.grad
                if g is None:
                    continue
                if set_to_none:
                    p.grad = None
                else:
                    if g.grad_fn is not None:
                        g.detach_()
                    else:
                        g.requires_grad = False
                    g._data[...] = 0
                    g._vc[0] += 1

    def step(self, closure: Callable[[], Any] | None = None):
        """Update the parameters once. Subclasses implement it.

        Args:
            closure: a function that re-evaluates the model and returns the loss; it runs
                with gradient recording on.
        """
        raise NotImplementedError

    @staticmethod
    def _eval_closure(closure):
        if closure is None:
            return None
        with enable_grad():
            return closure()

    # ----------------------------------------------------------------- hooks
    def _add_hook(self, hooks: dict, hook: Callable) -> _Handle:
        self._hook_id += 1
        hooks[self._hook_id] = hook
        return _Handle(hooks, self._hook_id)

    def register_step_pre_hook(self, hook: Callable) -> _Handle:
        """Call ``hook(optimizer, args, kwargs)`` before each ``step``.

        The hook may return ``(new_args, new_kwargs)`` to change the step's arguments.
        Returns a handle whose ``remove()`` unregisters it.
        """
        return self._add_hook(self._step_pre_hooks, hook)

    def register_step_post_hook(self, hook: Callable) -> _Handle:
        """Call ``hook(optimizer, args, kwargs)`` after each ``step``; returns a handle."""
        return self._add_hook(self._step_post_hooks, hook)

    def register_state_dict_pre_hook(self, hook: Callable, prepend: bool = False) -> _Handle:
        """Call ``hook(optimizer)`` before ``state_dict`` builds its result."""
        h = self._add_hook(self._state_dict_pre_hooks, hook)
        if prepend:
            self._state_dict_pre_hooks.move_to_end(h._key, last=False)
        return h

    def register_state_dict_post_hook(self, hook: Callable, prepend: bool = False) -> _Handle:
        """Call ``hook(optimizer, state_dict)``; a non-None return replaces the state dict."""
        h = self._add_hook(self._state_dict_post_hooks, hook)
        if prepend:
            self._state_dict_post_hooks.move_to_end(h._key, last=False)
        return h

    def register_load_state_dict_pre_hook(self, hook: Callable, prepend: bool = False) -> _Handle:
        """Call ``hook(optimizer, state_dict)``; a non-None return is loaded instead."""
        h = self._add_hook(self._load_state_dict_pre_hooks, hook)
        if prepend:
            self._load_state_dict_pre_hooks.move_to_end(h._key, last=False)
        return h

    def register_load_state_dict_post_hook(self, hook: Callable,
                                           prepend: bool = False) -> _Handle:
        """Call ``hook(optimizer)`` after ``load_state_dict``."""
        h = self._add_hook(self._load_state_dict_post_hooks, hook)
        if prepend:
            self._load_state_dict_post_hooks.move_to_end(h._key, last=False)
        return h

    # ----------------------------------------------------------------- checkpoints
    def state_dict(self) -> dict[str, Any]:
        """The optimizer's state in PyTorch's layout.

        Returns:
            ``{"state": {index: {name: value}}, "param_groups": [{..., "params": [index]}]}``:
            parameters are numbered in the order they appear across the groups. As in PyTorch,
            state tensors are returned by reference (``copy.deepcopy`` it to keep a snapshot);
            ``"step"`` is a 0-d float32 tensor like PyTorch's.
        """
        for hook in list(self._state_dict_pre_hooks.values()):
            hook(self)
        index: dict[int, int] = {}
        groups = []
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            ids = []
            for p in group["params"]:
                if id(p) not in index:
                    index[id(p)] = len(index)
                ids.append(index[id(p)])
            packed["params"] = ids
            groups.append(packed)
        state = {}
        for p, st in self.state.items():
            key = index[id(p)] if isinstance(p, Tensor) else p
            state[key] = {k: self._export_value(k, v) for k, v in st.items()}
        out = {"state": state, "param_groups": groups}
        for hook in list(self._state_dict_post_hooks.values()):
            result = hook(self, out)
            if result is not None:
                out = result
        return out

    _SCALAR_STATE = ("step",)

    def _export_value(self, key: str, value: Any) -> Any:
        if key in self._SCALAR_STATE and isinstance(value, (int, float)):
            return wrap(np.array(value, dtype=_scalar_dtype()))
        return value

    def _import_value(self, key: str, value: Any, param: Tensor) -> Any:
        """Convert a loaded state entry to what the kernels use (and copy it)."""
        if key in self._SCALAR_STATE:
            return float(_raw(value))
        if isinstance(value, (Tensor, np.ndarray)) or hasattr(value, "__array__"):
            arr = _raw(value)
            on_host = not hasattr(arr, "__cuda_array_interface__")  # NumPy, torch CPU, ...
            if getattr(arr, "ndim", 0) == 0:  # scalars stay where they were saved
                return wrap(np.array(arr, copy=True) if on_host or not hasattr(arr, "copy")
                            else arr.copy())
            xp = namespace_of(param._data)
            if xp is numpy_ns:  # a device checkpoint into a CPU optimizer: copy to the host
                arr = np.ascontiguousarray(arr if on_host else arr.get())
            # state follows its parameter's device (as load_state_dict does in PyTorch)
            return wrap(xp.asarray(arr, dtype=param._data.dtype).copy().reshape(
                param._data.shape))
        return deepcopy(value)

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Load a state dict from :meth:`state_dict` (gradkit's or a converted PyTorch one).

        State arrays are copied and cast to each parameter's dtype, so resuming continues
        bit-identically.

        Raises:
            ValueError: if the number of groups or of parameters per group differs.
        """
        for hook in list(self._load_state_dict_pre_hooks.values()):
            result = hook(self, state_dict)
            if result is not None:
                state_dict = result
        groups = self.param_groups
        saved_groups = state_dict["param_groups"]
        if len(groups) != len(saved_groups):
            raise ValueError(
                f"loaded state dict has {len(saved_groups)} parameter groups, but the optimizer "
                f"has {len(groups)}")
        for g, sg in zip(groups, saved_groups):
            if len(g["params"]) != len(sg["params"]):
                raise ValueError(
                    "loaded state dict contains a parameter group that doesn't match the size of "
                    f"optimizer's group ({len(sg['params'])} vs {len(g['params'])} parameters)")
        id_map = {}
        for g, sg in zip(groups, saved_groups):
            for p, i in zip(g["params"], sg["params"]):
                id_map[i] = p
        state: defaultdict = defaultdict(dict)
        for k, v in state_dict["state"].items():
            if k in id_map:
                p = id_map[k]
                state[p] = {name: self._import_value(name, val, p) for name, val in v.items()}
            else:
                state[k] = deepcopy(v)
        new_groups = []
        for g, sg in zip(groups, saved_groups):
            ng = {k: deepcopy(v) for k, v in sg.items() if k != "params"}
            ng["params"] = g["params"]
            if "param_names" in g and "param_names" not in ng:
                ng["param_names"] = g["param_names"]
            new_groups.append(ng)
        self.state = state
        self.param_groups = new_groups
        for hook in list(self._load_state_dict_post_hooks.values()):
            hook(self)

    # ----------------------------------------------------------------- misc
    def __getstate__(self):
        return self.__dict__

    def __repr__(self) -> str:
        lines = [type(self).__name__ + " ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            for key in sorted(group):
                if key not in ("params", "param_names"):
                    lines.append(f"    {key}: {group[key]}")
        lines.append(")")
        return "\n".join(lines)

    # ----------------------------------------------------------------- kernel driver
    def _scratch_for(self, thread: int, xp, dtype, n: int, count: int) -> list:
        """``count`` persistent flat buffers of at least ``n`` elements for one thread."""
        key = (xp.name, dtype, count)
        while thread >= len(self._scratch):
            self._scratch.append({})
        bufs = self._scratch[thread].get(key)
        if bufs is None or bufs[0].shape[0] < n:
            bufs = [xp.empty(n, dtype=dtype) for _ in range(count)]
            self._scratch[thread][key] = bufs
            self._views.clear()  # views of the old buffers would pin them in memory
        return bufs

    def _scratch_views(self, p, count: int) -> list:
        """Scratch buffers shaped like array ``p`` (views of the shared flat buffers, cached)."""
        xp = namespace_of(p)
        bufs = self._scratch_for(0, xp, p.dtype, p.size, count)
        views = [b[:p.size].reshape(p.shape) for b in bufs]
        self._views[(type(p), p.shape, p.dtype, count)] = views
        return views

    def _run(self, tasks: list, n_scratch: int) -> None:
        """Run the kernel tasks ``(kernel, p, arrays, scalars)``.

        ``p`` is the parameter's array and ``arrays`` the gradient and state arrays (contiguous,
        ``p``'s shape). The kernel gets ``xp``, ``p``, the arrays, ``n_scratch`` scratch buffers
        of the same shape, then ``scalars``. Large parameters are split across threads.
        """
        parallel = None
        blas_tasks = None
        views = self._views
        blas_kernel = self._blas_kernel
        for task in tasks:
            kernel, p, arrays, scalars = task
            if blas_kernel is not None and p.size >= _BLAS_MIN and type(p) is np.ndarray:
                blas = _blas_routines(p.dtype)
                if blas is not None and _blas_ready(p, arrays):
                    if blas_tasks is None:
                        blas_tasks = []
                    blas_tasks.append((_with_blas(blas_kernel, blas), p, arrays, scalars))
                    continue
            if p.size >= _PARALLEL_MIN and type(p) is np.ndarray and p.flags.c_contiguous:
                if parallel is None:
                    parallel = []
                parallel.append(task)
                continue
            bufs = views.get((type(p), p.shape, p.dtype, n_scratch))
            if bufs is None:
                bufs = self._scratch_views(p, n_scratch)
            kernel(numpy_ns if type(p) is np.ndarray else namespace_of(p), p, *arrays, *bufs,
                   *scalars)
        if parallel:
            self._run_parallel(parallel, n_scratch, _CHUNK)
        if blas_tasks:
            with _one_blas_thread:
                self._run_parallel(blas_tasks, n_scratch, self._blas_chunk)

    def _run_parallel(self, tasks: list, n_scratch: int, chunk: int | None) -> None:
        """Run large tasks split between the threads, each walking its slices in chunks of
        ``chunk`` elements (None: whole slices)."""
        threads = _THREADS
        per_thread: list[list] = [[] for _ in range(threads)]
        for kernel, p, arrays, scalars in tasks:
            n = p.size
            flat = [p.reshape(-1)] + [a.reshape(-1) for a in arrays]
            step = -(-n // threads)
            step = -(-step // _ALIGN) * _ALIGN
            for t in range(threads):
                lo, hi = t * step, min(n, (t + 1) * step)
                if lo < hi:
                    per_thread[t].append((kernel, [f[lo:hi] for f in flat], scalars))

        def work(t):
            for kernel, views, scalars in per_thread[t]:
                k = views[0].shape[0]
                size = k if chunk is None else min(k, chunk)
                bufs = self._scratch_for(t, numpy_ns, views[0].dtype, size, n_scratch)
                for lo in range(0, k, size):
                    hi = min(k, lo + size)
                    kernel(numpy_ns, *[v[lo:hi] for v in views], *[b[:hi - lo] for b in bufs],
                           *scalars)

        busy = [t for t in range(threads) if per_thread[t]]
        if len(busy) > 1:
            with _POOL_LOCK:
                pool = _POOL[0]
                if pool is None or pool.size < threads:
                    if pool is not None:
                        pool.close()
                    # The affinity mask as it is now (a launcher may have narrowed it).
                    pool = _POOL[0] = WorkerPool(threads, usable_cpus())
            pool.run(lambda i: work(busy[i]), len(busy))
        else:
            for t in busy:
                work(t)


class _KernelOptimizer(Optimizer):
    """An optimizer whose step runs one kernel per parameter (every optimizer but LBFGS).

    ``step`` is written once, here: it evaluates the closure, skips parameters without a
    gradient, bumps each updated parameter's version and runs the kernels (see :meth:`_run`).
    A subclass holds its math and says what the kernel needs:

    * ``_kernel``: ``staticmethod(kernel)``, called as ``kernel(xp, p, g, *arrays, *scratch,
      *scalars)``; ``_n_scratch``: how many scratch buffers it takes.
    * ``_blas_kernel`` (optional): the same update written with BLAS, called as
      ``blas_kernel(blas, p, g, *arrays, *scratch, *scalars)`` on flat contiguous slices of
      large float32/float64 parameters, ``blas`` being a :class:`Blas` (see the module
      docstring); ``_blas_chunk``: the slices' size (None: one slice per thread).
    * ``_group_args(group)``: values computed once per group and step.
    * ``_param_args(p, group, args)``: ``(arrays, scalars)`` for one parameter, ``args`` being
      what ``_group_args`` returned. It usually starts with ``st, step = self._step_state(p,
      group)``, which makes the state on first use (``"step"`` plus the zero tensors named in
      ``_state_arrays``; override ``_init_state`` for more) and counts the step.

    Group options are checked with :func:`_validate_common`; subclasses extend
    ``_validate_group`` for their own options.
    """

    _kernel: Callable
    _blas_kernel: Callable | None = None
    _blas_chunk: int | None = _CHUNK
    _n_scratch = 0
    _state_arrays: tuple[str, ...] = ()

    def _validate_group(self, group: dict[str, Any]) -> None:
        _validate_common(group)

    def _init_state(self, st: dict, p: Tensor, group: dict[str, Any]) -> None:
        """Fill the empty state ``st`` of ``p`` (before its first step)."""
        st["step"] = 0.0
        for name in self._state_arrays:
            st[name] = _zeros_like(p)

    def _step_state(self, p: Tensor, group: dict[str, Any]) -> tuple[dict, float]:
        """``p``'s state (made on first use) and its step count, incremented."""
        st = self.state[p]
        if not st:
            self._init_state(st, p, group)
        step = st["step"] = st["step"] + 1
        return st, step

    def _group_args(self, group: dict[str, Any]) -> Any:
        raise NotImplementedError

    def _param_args(self, p: Tensor, group: dict[str, Any], args: Any) -> tuple[tuple, tuple]:
        raise NotImplementedError

    def step(self, closure=None):
        """Perform one optimization step.

        Args:
            closure: re-evaluates the model and returns the loss (optional).

        Returns:
            The closure's loss, or None.
        """
        loss = self._eval_closure(closure)
        tasks = []
        append = tasks.append
        kernel = self._kernel
        param_args = self._param_args
        for group in self.param_groups:
            args = self._group_args(group)
            for p in group["params"]:
                if p.grad is None:
                    continue
                g = _grad_array(p)
                arrays, scalars = param_args(p, group, args)
                append((kernel, p._data, (g, *arrays), scalars))
                p._vc[0] += 1
        self._run(tasks, self._n_scratch)
        return loss


def _raw(x):
    if isinstance(x, Tensor):
        return x._data
    return np.asarray(x) if not hasattr(x, "shape") else x


def _scalar_dtype():
    """PyTorch keeps ``step`` and similar scalars in float64 only when that is the default."""
    d = _dtype.get_default_dtype()
    return np.float64 if d == np.float64 else np.float32


def _grad_array(p: Tensor):
    """The gradient of ``p`` as an array the kernels can use (contiguous, ``p``'s dtype)."""
    g = p.grad._data
    pd = p._data
    if g.dtype != pd.dtype or not g.flags.c_contiguous or g.shape != pd.shape:
        xp = namespace_of(pd)
        g = xp.ascontiguousarray(xp.broadcast_to(g, pd.shape), dtype=pd.dtype)
    return g


def _zeros_like(p: Tensor) -> Tensor:
    """A state tensor of zeros with ``p``'s shape and dtype (contiguous)."""
    xp = namespace_of(p._data)
    return wrap(xp.zeros(p._data.shape, dtype=p._data.dtype))


def _check(ok: bool, message: str) -> None:
    if not ok:
        raise ValueError(message)


def _validate_common(group: dict[str, Any]) -> None:
    """Checks shared by most optimizers (lr, eps, weight_decay, betas)."""
    lr = group.get("lr")
    if isinstance(lr, Tensor):
        if lr._data.size != 1:
            raise ValueError("Tensor lr must be 1-element")
        lr = float(lr._data)
    if lr is not None and not 0.0 <= lr:
        raise ValueError(f"Invalid learning rate: {lr}")
    if "eps" in group and not 0.0 <= group["eps"]:
        raise ValueError(f"Invalid epsilon value: {group['eps']}")
    if "weight_decay" in group and not 0.0 <= group["weight_decay"]:
        raise ValueError(f"Invalid weight_decay value: {group['weight_decay']}")
    if "betas" in group:
        betas = group["betas"]
        if not (isinstance(betas, (tuple, list)) and len(betas) == 2):
            raise ValueError(f"Invalid betas: {betas!r} (expected a pair (beta1, beta2))")
        for i, b in enumerate(betas):
            if not 0.0 <= float(b) < 1.0:
                raise ValueError(f"Invalid beta parameter at index {i}: {b}")
    if group.get("differentiable"):
        raise NotImplementedError("gradkit optimizers do not support differentiable=True")


def _lr(group) -> float:
    lr = group["lr"]
    return float(lr._data) if isinstance(lr, Tensor) else lr


def _effective_grad(xp, p, g, tg, t1, weight_decay, maximize, decoupled_lr=None):
    """The gradient the update uses: negated for ``maximize``, plus L2 ``weight_decay * p``.

    With ``decoupled_lr`` (AdamW-style decay) the parameter is shrunk in place by
    ``1 - decoupled_lr * weight_decay`` instead. Writes into the scratch buffer ``tg`` (never
    into the user's ``.grad``) and returns it, or returns ``g`` unchanged when the gradient
    needs no change.
    """
    if maximize:
        xp.negative(g, out=tg)
        g = tg
    if weight_decay != 0:
        if decoupled_lr is not None:
            p *= 1 - decoupled_lr * weight_decay
        else:
            xp.multiply(p, weight_decay, out=t1)
            xp.add(g, t1, out=tg)
            g = tg
    return g


def _constants(arr, *values) -> tuple:
    """``values`` as 0-d arrays of ``arr``'s dtype when ``arr`` is a NumPy array.

    A NumPy ufunc takes a 0-d array operand about twice as fast as a Python float (no weak-scalar
    promotion to resolve), and the value is rounded to the parameter's dtype exactly as the
    Python float would be. Other array libraries get the Python floats.
    """
    if type(arr) is np.ndarray:
        dt = arr.dtype
        return tuple([np.array(v, dt) for v in values])
    return values


def _lerp_(xp, m, g, weight, t1):
    """``m`` moves to ``g`` by ``weight`` in place, with PyTorch's ``lerp_`` rounding."""
    xp.subtract(g, m, out=t1)
    if weight < 0.5:
        t1 *= weight
        m += t1
    else:
        t1 *= 1 - weight
        xp.subtract(g, t1, out=m)


def _ema_sq_(xp, v, g, beta, t1):
    """``v = beta * v + (1 - beta) * g * g`` in place."""
    v *= beta
    xp.multiply(g, 1 - beta, out=t1)     # PyTorch's addcmul order: (value * g) * g
    t1 *= g
    v += t1
