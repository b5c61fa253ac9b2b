"""``gradkit.cuda``: whether a CUDA GPU is usable (through CuPy), and synchronisation."""

from __future__ import annotations

from . import _backend

__all__ = ["is_available", "device_count", "synchronize", "manual_seed", "manual_seed_all",
           "seed", "seed_all", "get_rng_state", "get_rng_state_all", "set_rng_state",
           "set_rng_state_all", "is_initialized", "current_device", "set_device",
           "get_device_name", "get_device_capability", "get_arch_list", "is_bf16_supported",
           "empty_cache", "memory_allocated", "max_memory_allocated", "memory_reserved",
           "max_memory_reserved", "reset_peak_memory_stats", "reset_max_memory_allocated",
           "reset_max_memory_cached", "memory_stats",
           "CUDAGraph", "graph", "Stream", "Event"]

# the highest pool sizes seen by the memory queries (CuPy keeps no peak of its own)
_PEAK = {"allocated": 0, "reserved": 0}


def is_available() -> bool:
    """True when CuPy is installed and sees a CUDA device."""
    return _backend.has_cupy()


def device_count() -> int:
    if not is_available():
        return 0
    return _backend.cupy_ns().module.cuda.runtime.getDeviceCount()


def synchronize(device=None) -> None:
    """Wait for all kernels on the current GPU to finish (no-op without CUDA)."""
    if is_available():
        _backend.cupy_ns().module.cuda.Device().synchronize()


def manual_seed(seed: int) -> None:
    if is_available():
        _backend.cupy_ns().module.random.seed(int(seed))


def manual_seed_all(seed: int) -> None:
    manual_seed(seed)


def seed() -> None:
    """Seed the GPU generator from a random number (no-op without CUDA)."""
    if is_available():
        _backend.cupy_ns().module.random.seed()


def seed_all() -> None:
    seed()


def _rng_state_on_gpu(what):
    return NotImplementedError(
        f"torch.cuda.{what}(): gradkit's GPU generator is CuPy's, whose state cannot be read or "
        f"restored; reseed it with torch.cuda.manual_seed(seed) instead")


def get_rng_state(device="cuda"):
    """The GPU generator's state: PyTorch's CPU build refuses (AssertionError), as does this
    without a GPU; on a GPU, CuPy's generator state cannot be read (NotImplementedError)."""
    if not is_available():
        raise _no_cuda("get_rng_state")
    raise _rng_state_on_gpu("get_rng_state")


def get_rng_state_all() -> list:
    """One state per GPU: ``[]`` without one, as PyTorch (checkpointing code saves it)."""
    return [get_rng_state(i) for i in range(device_count())]


def set_rng_state(new_state, device="cuda") -> None:
    """Restore the GPU generator's state: without a GPU nothing to restore (PyTorch's CPU
    build queues the call for a CUDA that never starts); on a GPU, see :func:`get_rng_state`."""
    if is_available():
        raise _rng_state_on_gpu("set_rng_state")


def set_rng_state_all(new_states) -> None:
    for i, state in enumerate(new_states):
        set_rng_state(state, i)


def is_initialized() -> bool:
    return is_available()


def _no_cuda(what):
    # PyTorch's CPU build raises AssertionError("Torch not compiled with CUDA enabled") here
    return _backend.CudaUnavailableError(
        f"torch.cuda.{what}(): no CUDA device is available (gradkit uses a GPU through CuPy "
        f"with an NVIDIA GPU); check torch.cuda.is_available() first and use the 'cpu' device")


def _cupy_cuda(what):
    if not is_available():
        raise _no_cuda(what)
    return _backend.cupy_ns().module.cuda


def _index(device):
    if device is None:
        return None
    if isinstance(device, int):
        return device
    from .device import Device

    return Device(device).index


def current_device() -> int:
    return _cupy_cuda("current_device").Device().id


def set_device(device) -> None:
    """Make ``device`` (an index, ``'cuda:1'`` or a device) the current GPU."""
    cuda = _cupy_cuda("set_device")
    index = _index(device)
    if index is not None and index >= 0:
        cuda.Device(index).use()


def get_device_name(device=None) -> str:
    cuda = _cupy_cuda("get_device_name")
    index = _index(device)
    props = cuda.runtime.getDeviceProperties(cuda.Device().id if index is None else index)
    name = props["name"]
    return name.decode() if isinstance(name, bytes) else str(name)


class _CudaDeviceProperties:
    """What ``torch.cuda.get_device_properties`` returns: the GPU's name, compute capability
    (``major``, ``minor``), ``total_memory`` in bytes and ``multi_processor_count``."""

    __slots__ = ("name", "major", "minor", "total_memory", "multi_processor_count")

    def __init__(self, props: dict):
        name = props["name"]
        self.name = name.decode() if isinstance(name, bytes) else str(name)
        self.major, self.minor = int(props["major"]), int(props["minor"])
        self.total_memory = int(props["totalGlobalMem"])
        self.multi_processor_count = int(props["multiProcessorCount"])

    def __repr__(self):
        return (f"_CudaDeviceProperties(name='{self.name}', major={self.major}, "
                f"minor={self.minor}, total_memory={self.total_memory // (1024 * 1024)}MB, "
                f"multi_processor_count={self.multi_processor_count})")


def get_device_properties(device=None) -> _CudaDeviceProperties:
    cuda = _cupy_cuda("get_device_properties")
    index = _index(device)
    return _CudaDeviceProperties(
        cuda.runtime.getDeviceProperties(cuda.Device().id if index is None else index))


def get_device_capability(device=None) -> tuple:
    cuda = _cupy_cuda("get_device_capability")
    index = _index(device)
    cc = cuda.Device(cuda.Device().id if index is None else index).compute_capability
    return int(cc[:-1]), int(cc[-1])


def get_arch_list() -> list:
    return []


def is_bf16_supported(including_emulation: bool = True) -> bool:
    """False: gradkit's GPU path has no bfloat16 kernels (its bfloat16 runs on the CPU)."""
    return False


def _pool():
    return _backend.cupy_ns().module.get_default_memory_pool() if is_available() else None


def empty_cache() -> None:
    """Return the GPU memory pool's unused blocks to the driver (no-op without CUDA)."""
    pool = _pool()
    if pool is not None:
        pool.free_all_blocks()


def memory_allocated(device=None) -> int:
    """Bytes of GPU memory held by arrays now (CuPy's pool; 0 without CUDA)."""
    pool = _pool()
    n = 0 if pool is None else int(pool.used_bytes())
    _PEAK["allocated"] = max(_PEAK["allocated"], n)
    return n


def memory_reserved(device=None) -> int:
    """Bytes of GPU memory the pool holds, used or cached (0 without CUDA)."""
    pool = _pool()
    n = 0 if pool is None else int(pool.total_bytes())
    _PEAK["reserved"] = max(_PEAK["reserved"], n)
    return n


def max_memory_allocated(device=None) -> int:
    """The highest ``memory_allocated`` seen since the last reset: CuPy keeps no peak, so this
    is the peak over the queries made (and the present value), not over every allocation."""
    return max(_PEAK["allocated"], memory_allocated(device))


def max_memory_reserved(device=None) -> int:
    return max(_PEAK["reserved"], memory_reserved(device))


def reset_peak_memory_stats(device=None) -> None:
    _PEAK["allocated"] = _PEAK["reserved"] = 0


def _reset_peak_deprecated(name: str):
    def reset(device=None) -> None:
        import warnings

        warnings.warn(f"torch.cuda.{name} now calls torch.cuda.reset_peak_memory_stats, which "
                      f"resets all peak memory statistics.", FutureWarning, stacklevel=2)
        reset_peak_memory_stats(device)

    reset.__name__ = reset.__qualname__ = name
    reset.__doc__ = f"Deprecated ``{name}``: resets every peak, as ``reset_peak_memory_stats``."
    return reset


reset_max_memory_allocated = _reset_peak_deprecated("reset_max_memory_allocated")
reset_max_memory_cached = _reset_peak_deprecated("reset_max_memory_cached")


def memory_stats(device=None) -> dict:
    """The pool's counters under PyTorch's key names (empty without CUDA, as PyTorch's)."""
    if not is_available():
        return {}
    return {"allocated_bytes.all.current": memory_allocated(device),
            "allocated_bytes.all.peak": max_memory_allocated(device),
            "reserved_bytes.all.current": memory_reserved(device),
            "reserved_bytes.all.peak": max_memory_reserved(device)}


def _no_streams(what: str):
    if not is_available():
        raise RuntimeError(f"torch.cuda.{what} requires CUDA support")
    raise NotImplementedError(f"torch.cuda.{what}: gradkit runs CUDA work on the default "
                              f"stream and does not expose streams or events; remove the "
                              f"stream/event code")


class Stream:
    """A CUDA stream: named (libraries annotate with it); creating one raises, as PyTorch does
    without CUDA (with CUDA, gradkit uses the default stream only)."""

    def __init__(self, device=None, priority=0, **kwargs):
        _no_streams("Stream")


class Event:
    """A CUDA event: named (libraries annotate with it); creating one raises as :class:`Stream`."""

    def __init__(self, enable_timing=False, blocking=False, interprocess=False):
        _no_streams("Event")


class CUDAGraph:
    """A captured CUDA graph: named (libraries annotate with it), never created in gradkit, which
    captures no kernels; creating one raises PyTorch's RuntimeError of a build without CUDA."""

    __slots__ = ()

    def __new__(cls, *args, **kwargs):
        raise RuntimeError("Tried to instantiate dummy base class CUDAGraph: gradkit does not "
                           "capture CUDA graphs; run the captured code directly")


class graph:  # noqa: N801 (PyTorch's name: a context manager class)
    """``with torch.cuda.graph(g):`` capture: refused as creating :class:`CUDAGraph` is."""

    def __init__(self, cuda_graph, pool=None, stream=None, capture_error_mode="global"):
        CUDAGraph()


memory_cached = memory_reserved
max_memory_cached = max_memory_reserved


def __getattr__(name):
    # torch.cuda.amp (autocast, GradScaler), loaded on first use
    if name == "amp":
        import importlib

        return importlib.import_module("gradkit.amp.cuda")
    if name == "_initialized":  # read by code that saves GPU generator states (as PyTorch's)
        return is_initialized()
    if name == "OutOfMemoryError":  # torch.cuda.OutOfMemoryError is torch.OutOfMemoryError
        from .compat.toplevel import OutOfMemoryError

        return OutOfMemoryError
    if name.endswith("Tensor"):  # the legacy types: torch.cuda.FloatTensor, ...
        from .compat._api import CUDA_TENSOR_TYPES

        if name in CUDA_TENSOR_TYPES:
            return CUDA_TENSOR_TYPES[name]
    raise AttributeError(f"module 'gradkit.cuda' has no attribute {name!r}")
