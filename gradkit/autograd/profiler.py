"""``torch.autograd.profiler``: the same profiler as :mod:`gradkit.profiler`, plus the
annotation context managers for external profilers (``emit_nvtx``, ``emit_itt``) that the
performance tuning guide switches off with ``enabled=False``."""

from ..profiler import EventList, FunctionEvent, profile, record_function  # noqa: F401

__all__ = ["EventList", "FunctionEvent", "emit_itt", "emit_nvtx", "profile", "record_function"]


class emit_nvtx:
    """NVTX ranges for NVIDIA's profilers: CUDA only. ``enabled=False`` is a no-op; enabled,
    it raises PyTorch's CPU build's AssertionError (there is no CUDA here)."""

    def __init__(self, enabled: bool = True, record_shapes: bool = False):
        self.enabled = bool(enabled)
        self.record_shapes = bool(record_shapes)

    def __enter__(self):
        if self.enabled:
            raise AssertionError("Torch not compiled with CUDA enabled (emit_nvtx annotates CUDA "
                                 "work for NVIDIA's profilers; pass enabled=False on the CPU)")
        return self

    def __exit__(self, *exc):
        return False


class emit_itt:
    """ITT ranges for Intel's VTune: gradkit emits none, so this context manager does nothing
    (as PyTorch's when VTune is not attached)."""

    def __init__(self, enabled: bool = True, record_shapes: bool = False):
        self.enabled = bool(enabled)
        self.record_shapes = bool(record_shapes)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False
