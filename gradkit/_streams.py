"""``torch.Stream`` and ``torch.Event``: PyTorch's device-generic stream and event types.

gradkit runs every operation in order on one queue per device, so the CPU stream (the only kind
there is here) is a handle with nothing to wait for: ``query()`` is True, ``synchronize()``,
``wait_stream()`` and ``with stream:`` do nothing. As in PyTorch's CPU build, an event can be made
and queried but not recorded, and a stream of another device type raises.
"""

from __future__ import annotations

__all__ = ["Event", "Stream"]


def _cpu_only(device, what):
    from .device import device as as_device

    dev = as_device("cpu" if device is None else device)
    if dev.type != "cpu":
        raise RuntimeError(f"torch.{what}: gradkit has no {dev.type} streams (it runs every "
                           f"operation in order); use torch.{what}() on the CPU or drop the "
                           f"stream code")
    return dev


class Stream:
    """A device queue: on the CPU, one that has always finished its work."""

    def __init__(self, device=None, priority=0, **kwargs):
        self.device = _cpu_only(device, "Stream")
        self.device_type = 0  # PyTorch's number of the device type (the CPU's)
        self.device_index = -1 if self.device.index is None else self.device.index
        self.stream_id = 0
        self.priority = priority

    def query(self) -> bool:
        return True

    def synchronize(self) -> None:
        """Nothing to wait for."""

    def wait_stream(self, stream) -> None:
        """Nothing to wait for."""

    def wait_event(self, event) -> None:
        event.wait(self)

    def record_event(self, event=None):
        event = Event() if event is None else event
        event.record(self)
        return event

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def __eq__(self, other):
        return isinstance(other, Stream) and (self.device_type, self.device_index,
                                              self.stream_id) == (
            other.device_type, other.device_index, other.stream_id)

    def __hash__(self):
        return hash((self.device_type, self.device_index, self.stream_id))

    def __repr__(self):
        return (f"torch.Stream device_type={self.device.type}, device_index={self.device_index}, "
                f"stream_id={self.stream_id}")


class Event:
    """A stream marker: made and queried on the CPU; recording one raises as PyTorch's CPU
    build does."""

    def __init__(self, device=None, *, enable_timing=False, blocking=False, interprocess=False):
        self.device = _cpu_only(device, "Event")
        self.enable_timing = enable_timing

    def query(self) -> bool:
        return True

    def record(self, stream=None) -> None:
        raise RuntimeError(f"{self.device.type} backend doesn't support events: gradkit runs CPU "
                           f"operations in order, so there is nothing to mark; time with "
                           f"time.perf_counter() instead")

    def synchronize(self) -> None:
        """Nothing to wait for."""

    def wait(self, stream=None) -> None:
        """Nothing to wait for."""

    def elapsed_time(self, end_event) -> float:
        self.record()
