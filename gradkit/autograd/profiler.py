"""``torch.autograd.profiler``: the same profiler as :mod:`gradkit.profiler`."""

from ..profiler import EventList, FunctionEvent, profile, record_function  # noqa: F401

__all__ = ["EventList", "FunctionEvent", "profile", "record_function"]
