"""The kernel runner: ``_KernelOptimizer.step`` and how its per-parameter kernels are run.

Every optimizer but LBFGS puts its math in one small per-parameter function (a *kernel*) that
works on raw arrays in place. The kernels receive the array namespace ``xp`` of the parameter
(NumPy today, CuPy later), the flattened parameter, gradient and state arrays, persistent scratch
buffers, and the group's hyperparameters, and update everything with ``out=`` ufunc calls: a step
allocates no parameter-sized temporaries after the first one.

Large parameters (from 2**18 elements) are cut into slices and the slices are shared between the
CPU cores: NumPy's ufuncs release the GIL, so the elementwise update runs in parallel like
PyTorch's intra-op threads, each thread walking its slice in cache-sized chunks. The environment
variable ``GRADKIT_OPTIM_THREADS`` (read at import; default: ``OMP_NUM_THREADS`` if set, as
PyTorch, else the CPUs the process may run on; at most 8) sets the number of threads; with
``GRADKIT_OPTIM_THREADS=1`` the calling thread walks the chunks alone.
``gradkit.optim._threads`` says how the threads are kept on separate cores, ``gradkit.optim._blas``
how large float32/float64 parameters take the BLAS form of a kernel where it has one.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from typing import Any

import numpy as np

from .._backend import namespace_of, numpy_ns
from .._complex import CArray as _CArray
from .._tensor import Tensor, wrap
from .._typenames import is_own
from ._blas import _blas_ready, _blas_routines, _one_blas_thread, _with_blas
from ._threads import NO_THREADS, WorkerPool, short_gil_waits, usable_cpus
from .optimizer import Optimizer, _scalar_tensor, _validate_common

__all__: list[str] = []

# Parameters bigger than this are cut into slices that the CPU cores update in parallel.
_PARALLEL_MIN = 1 << 18
_CPUS = usable_cpus()


def _thread_count() -> int:
    """``GRADKIT_OPTIM_THREADS``, else ``OMP_NUM_THREADS`` (PyTorch's intra-op thread count
    follows it, and so do ranks started with one thread each), else the CPUs the process may
    run on; at most 8. One where threads cannot be started (Pyodide)."""
    if NO_THREADS:
        return 1
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


def _after_fork_in_child() -> None:
    """A forked child has none of the parent's threads, and may have been forked in the middle
    of a parallel step (whose lock and settings it would otherwise keep)."""
    global _POOL_LOCK
    _POOL[0] = None
    _POOL_LOCK = threading.Lock()
    short_gil_waits.reset_after_fork()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


class _KernelOptimizer(Optimizer):
    """An optimizer whose step runs one kernel per parameter (every optimizer but LBFGS).

    ``step`` is written once, here: it evaluates the closure, skips parameters without a
    gradient, bumps each updated parameter's version and runs the kernels (see :meth:`_run`).
    A subclass holds its math and says what the kernel needs:

    * ``_kernel``: ``staticmethod(kernel)``, called as ``kernel(xp, p, g, *arrays, *scratch, hp)``,
      ``hp`` being the family's record of named hyperparameters (a ``_kernels.Hyperparameters``);
      ``_n_scratch``: how many scratch buffers it takes.
    * ``_blas_kernel`` (optional): the same update written with BLAS, called as
      ``blas_kernel(blas, p, g, *arrays, *scratch, hp)`` on flat contiguous slices of
      large float32/float64 parameters, ``blas`` being a ``_blas.Blas``; ``_blas_chunk``: the
      slices' size (None: one slice per thread).
    * ``_group_args(group)``: values computed once per group and step (the record, or a cache
      of records by parameter dtype and step count where its values depend on them).
    * ``_param_args(p, group, args)``: ``(arrays, hp)`` for one parameter, ``args`` being
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

    def __init__(self, params, defaults: dict[str, Any]) -> None:
        self._scratch: list[dict] = [{} for _ in range(_THREADS)]
        self._views: dict = {}
        super().__init__(params, defaults)

    def _validate_group(self, group: dict[str, Any]) -> None:
        _validate_common(group)

    def _init_state(self, st: dict, p: Tensor, group: dict[str, Any]) -> None:
        """Fill the empty state ``st`` of ``p`` (before its first step)."""
        st["step"] = _scalar_tensor(0.0)
        for name in self._state_arrays:
            st[name] = _zeros_like(p)

    def _step_state(self, p: Tensor, group: dict[str, Any]) -> tuple[dict, float]:
        """``p``'s state (made on first use) and its step count, incremented.

        ``"step"`` is PyTorch's 0-d tensor, incremented in place (a loaded state may share it
        with another optimizer, as in PyTorch); its value is read once here."""
        st = self.state[p]
        if not st:
            self._init_state(st, p, group)
        return st, _bump(st, "step")

    def _state_shape(self, key, t, param):
        """The per-element state has the parameter's shape (0-d scalars keep theirs)."""
        return param._data.shape if t._data.ndim else None

    def _group_args(self, group: dict[str, Any]) -> Any:
        raise NotImplementedError

    def _param_args(self, p: Tensor, group: dict[str, Any], args: Any) -> tuple[tuple, Any]:
        raise NotImplementedError

    # The optimizers that take sparse gradients (SGD, Adagrad) override this; for the others
    # it raises PyTorch's error ("<name> does not support sparse gradients").
    _sparse_error: str | None = None

    def _sparse_step(self, p: Tensor, group: dict[str, Any]) -> None:
        """Update ``p`` from its sparse COO ``.grad`` (the rows present only)."""
        for klass in type(self).__mro__:  # the gradkit class's name, as PyTorch's message
            if is_own(klass.__module__):
                break
        raise RuntimeError(self._sparse_error or
                           f"{klass.__name__} does not support sparse gradients")

    @staticmethod
    def _sparse_grad(p: Tensor, group: dict[str, Any]):
        """``p``'s sparse COO gradient in ``p``'s dtype, negated under ``maximize`` (the start
        of every sparse update)."""
        g = p.grad._data
        if g.dtype != p._data.dtype:
            g = g.astype(p._data.dtype)
        return -g if group["maximize"] else g

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
                try:
                    g = _grad_array(p)
                except _SparseGrad:  # a sparse .grad (Embedding(sparse=True)): no kernel
                    self._sparse_step(p, group)
                    p._vc[0] += 1
                    continue
                arrays, hp = param_args(p, group, args)
                if type(p._data) is _CArray:  # as PyTorch: the kernel runs on view_as_real
                    append((kernel, _as_real(p._data), tuple(_as_real(a) for a in (g, *arrays)),
                            hp))
                else:
                    append((kernel, p._data, (g, *arrays), hp))
                p._vc[0] += 1
        self._run(tasks, self._n_scratch)
        return loss

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
        """Run the kernel tasks ``(kernel, p, arrays, hp)``.

        ``p`` is the parameter's array and ``arrays`` the gradient and state arrays (contiguous,
        ``p``'s shape). The kernel gets ``xp``, ``p``, the arrays, ``n_scratch`` scratch buffers
        of the same shape, then the hyperparameters ``hp``. Large parameters are split across
        threads.
        """
        parallel = None
        blas_tasks = None
        views = self._views
        blas_kernel = self._blas_kernel
        for task in tasks:
            kernel, p, arrays, hp = task
            if blas_kernel is not None and p.size >= _BLAS_MIN and type(p) is np.ndarray:
                blas = _blas_routines(p.dtype)
                if blas is not None and _blas_ready(p, arrays):
                    if blas_tasks is None:
                        blas_tasks = []
                    blas_tasks.append((_with_blas(blas_kernel, blas), p, arrays, hp))
                    continue
            if p.size >= _PARALLEL_MIN and type(p) is np.ndarray and p.flags.c_contiguous:
                if parallel is None:
                    parallel = []
                parallel.append(task)
                continue
            bufs = views.get((type(p), p.shape, p.dtype, n_scratch))
            if bufs is None:
                bufs = self._scratch_views(p, n_scratch)
            kernel(numpy_ns if type(p) is np.ndarray else namespace_of(p), p, *arrays, *bufs, hp)
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
        for kernel, p, arrays, hp in tasks:
            n = p.size
            flat = [p.reshape(-1)] + [a.reshape(-1) for a in arrays]
            step = -(-n // threads)
            step = -(-step // _ALIGN) * _ALIGN
            for t in range(threads):
                lo, hi = t * step, min(n, (t + 1) * step)
                if lo < hi:
                    per_thread[t].append((kernel, [f[lo:hi] for f in flat], hp))

        def work(t):
            for kernel, views, hp in per_thread[t]:
                k = views[0].shape[0]
                size = k if chunk is None else min(k, chunk)
                bufs = self._scratch_for(t, numpy_ns, views[0].dtype, size, n_scratch)
                for lo in range(0, k, size):
                    hi = min(k, lo + size)
                    kernel(numpy_ns, *[v[lo:hi] for v in views], *[b[:hi - lo] for b in bufs], hp)

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


def _bump(st: dict, key: str) -> float:
    """Add one to the 0-d state tensor ``st[key]`` in place and return its new value (a number
    there, from a state written by hand, becomes PyTorch's 0-d tensor)."""
    t = st[key]
    if type(t) is Tensor:
        a = t._data
        if type(a) is np.ndarray:
            v = float(a) + 1.0
            try:
                a[()] = v              # (a 0-d `a += 1` costs ten times more)
            except ValueError:         # read-only (a memory-mapped checkpoint): a new array
                t._data = a = np.array(v, dtype=a.dtype)
            t._vc[0] += 1
            # exact below 2**24 (float32's integers); past it, the value as stored
            return v if v < 16777216.0 else float(a)
    value = float(t._data if isinstance(t, Tensor) else t) + 1
    st[key] = _scalar_tensor(value)
    return float(st[key]._data)


def _set_scalar(st: dict, key: str, value: float) -> None:
    """Write ``value`` into the 0-d state tensor ``st[key]`` in place (rounded to its dtype)."""
    t = st[key]
    if isinstance(t, Tensor) and type(t._data) is np.ndarray and t._data.flags.writeable:
        t._data[()] = value
        t._vc[0] += 1
    else:
        st[key] = _scalar_tensor(value)


def _scalar(value) -> float:
    """A 0-d state tensor's (or a number's) value as a Python float."""
    return float(value._data) if isinstance(value, Tensor) else float(value)


def _as_real(a):
    """A complex array as its real view (a last dim of 2: real, imaginary), sharing memory."""
    if isinstance(a, np.ndarray) and a.dtype.kind == "c":
        p = a.view(np.ndarray)
        return p[..., None].view(p.real.dtype)
    return a


class _SparseGrad(Exception):
    """Raised by ``_grad_array`` for a sparse COO gradient (the kernels take dense arrays)."""


def _grad_array(p: Tensor):
    """The gradient of ``p`` as an array the kernels can use (contiguous, ``p``'s dtype).

    Raises ``_SparseGrad`` for a sparse gradient (checked only off the dense fast path)."""
    g = p.grad._data
    pd = p._data
    if g.dtype != pd.dtype or not g.flags.c_contiguous or g.shape != pd.shape:
        if getattr(type(g), "_is_sparse_coo", False):
            raise _SparseGrad
        xp = namespace_of(pd)
        g = xp.ascontiguousarray(xp.broadcast_to(g, pd.shape), dtype=pd.dtype)
    return g


def _zeros_like(p: Tensor) -> Tensor:
    """A state tensor of zeros with ``p``'s shape and dtype (contiguous)."""
    xp = namespace_of(p._data)
    return wrap(xp.zeros(p._data.shape, dtype=p._data.dtype))
