"""``gradkit.multiprocessing`` (PyTorch's ``torch.multiprocessing``): Python's multiprocessing,
plus shared-memory tensors for Hogwild-style training.

Everything in :mod:`multiprocessing` is here under the same name. ``Tensor.share_memory_()``
moves a CPU tensor's values into shared memory, so that the processes it is handed to see each
other's in-place writes, as PyTorch's shared tensors do; ``nn.Module.share_memory()`` does it for
every parameter and buffer. Children started with ``fork`` share it by inheritance; on Linux the
memory is a memory file (``os.memfd_create``), and a shared tensor passed to a process started
with ``spawn``/``forkserver`` (in ``Process(args=...)``) travels as that file's descriptor, so
the child maps the same memory. Under ``gradkit run`` such a child re-runs the program with the
import hook installed (``import torch`` gives gradkit there too). A shared tensor sent through a
``Queue`` is copied. GPU (CuPy) tensors are left as they are. ``spawn(fn, args, nprocs)`` runs
``fn(i, *args)`` in ``nprocs`` processes, with ``fork`` where the platform has it; the tensors
in ``args`` are moved into shared memory first, as PyTorch's spawn does by sending them.
"""

from __future__ import annotations

import multiprocessing as _mp
from multiprocessing import *  # noqa: F401,F403

__all__ = list(_mp.__all__) + ["get_sharing_strategy", "set_sharing_strategy",
                               "get_all_sharing_strategies", "spawn", "ProcessRaisedException",
                               "ProcessExitedException", "share_module_memory"]

_STRATEGY = ["file_descriptor"]


def get_all_sharing_strategies() -> set:
    return {"file_descriptor", "file_system"}


def get_sharing_strategy() -> str:
    return _STRATEGY[0]


def set_sharing_strategy(new_strategy: str) -> None:
    if new_strategy not in get_all_sharing_strategies():
        raise ValueError(f"set_sharing_strategy: unknown strategy {new_strategy!r}; use one of "
                         f"{sorted(get_all_sharing_strategies())}")
    _STRATEGY[0] = new_strategy


class ProcessRaisedException(Exception):
    """A process started by :func:`spawn` raised; the message holds its error."""


class ProcessExitedException(Exception):
    """A process started by :func:`spawn` exited with a non-zero status."""

    def __init__(self, msg, error_index=None, exit_code=None):
        super().__init__(msg)
        self.error_index = error_index
        self.exit_code = exit_code


def _spawn_entry(fn, i, args, queue):
    import traceback

    try:
        fn(i, *args)
    except BaseException:  # noqa: BLE001 (reported to the parent)
        queue.put((i, traceback.format_exc()))
        raise SystemExit(1) from None


def spawn(fn, args=(), nprocs=1, join=True, daemon=False, start_method="spawn"):
    """Run ``fn(i, *args)`` for ``i`` in ``range(nprocs)`` in new processes (``fork`` where
    available, see the module docstring); with ``join`` wait and raise if one failed."""
    method = "fork" if "fork" in _mp.get_all_start_methods() else start_method
    if method == "fork":
        _share_tensors_in(args)  # (what sending them to spawned children would have done)
    ctx = _mp.get_context(method)
    queue = ctx.SimpleQueue()
    procs = [ctx.Process(target=_spawn_entry, args=(fn, i, args, queue), daemon=daemon)
             for i in range(nprocs)]
    for p in procs:
        p.start()
    if not join:
        return procs
    for p in procs:
        p.join()
    if not queue.empty():
        i, text = queue.get()
        raise ProcessRaisedException(f"\n\n-- Process {i} terminated with the following "
                                     f"error:\n{text}")
    for i, p in enumerate(procs):
        if p.exitcode != 0:
            raise ProcessExitedException(f"process {i} terminated with exit code {p.exitcode}",
                                         error_index=i, exit_code=p.exitcode)
    return None


def _share_tensors_in(args) -> None:
    """Move every CPU tensor reachable from ``args`` (inside lists, dicts, objects, as pickling
    reaches them) into shared memory, as PyTorch's ``spawn`` does by pickling the arguments to
    its children: their in-place writes are then seen by the parent (PyTorch Geometric's
    ``Data`` objects filled in by workers). Forked children would otherwise write to private
    copies."""
    import io
    import pickle

    from ._tensor.tensor import Tensor

    class _Sharer(pickle.Pickler):
        def persistent_id(self, obj):
            if isinstance(obj, Tensor):
                if obj.device.type == "cpu" and not obj.is_shared():
                    obj.share_memory_()
                return id(obj)  # (written as a reference: its values are not pickled)
            return None

    try:
        _Sharer(io.BytesIO(), protocol=pickle.HIGHEST_PROTOCOL).dump(args)
    except Exception:  # noqa: BLE001 - an unpicklable argument: forked children still get it
        pass


def share_module_memory(module):
    """``module.share_memory()``: every parameter and buffer into shared memory; returns it."""
    for t in list(module.parameters()) + list(module.buffers()):
        t.share_memory_()
    return module


def _install_module_method() -> None:
    from .nn import Module

    if not hasattr(Module, "share_memory"):
        Module.share_memory = share_module_memory


_install_module_method()
