"""``detect_anomaly``: raise at the backward op that produces NaN, after a warning that shows
where the matching forward op was called in user code (as PyTorch: an infinite gradient passes)."""

from __future__ import annotations

import warnings

from .graph import anomaly_state, sync_record_flag

__all__ = ["detect_anomaly", "is_anomaly_enabled", "set_detect_anomaly"]


class detect_anomaly:
    """Context manager (and decorator) that records forward call sites and checks every backward
    result for NaN. Slow: use it to debug, not to train.

    Examples:
        >>> with gradkit.autograd.detect_anomaly():
        ...     loss = model(x).sum()
        ...     loss.backward()   # RuntimeError names the op that made a NaN, and where
    """

    def __init__(self, check_nan: bool = True):
        self.check_nan = check_nan
        warnings.warn("Anomaly Detection has been enabled. This mode will increase the runtime "
                      "and should only be enabled for debugging.", UserWarning, stacklevel=2)

    def __enter__(self):
        self._prev = (anomaly_state[2], anomaly_state[1])
        anomaly_state[2] = True
        anomaly_state[1] = self.check_nan
        sync_record_flag()
        return self

    def __exit__(self, *exc):
        anomaly_state[2], anomaly_state[1] = self._prev
        sync_record_flag()
        return False

    def __call__(self, fn):
        import functools

        @functools.wraps(fn)
        def wrapper(*a, **k):
            inner = object.__new__(detect_anomaly)  # (the warning was given once, above)
            inner.check_nan = self.check_nan
            with inner:
                return fn(*a, **k)

        return wrapper


class set_detect_anomaly(detect_anomaly):
    """Turn anomaly detection on or off (call, or use as a context manager)."""

    def __init__(self, mode: bool, check_nan: bool = True):
        self._prev = (anomaly_state[2], anomaly_state[1])
        anomaly_state[2] = bool(mode)
        anomaly_state[1] = check_nan
        sync_record_flag()

    def __enter__(self):
        return self


def is_anomaly_enabled() -> bool:
    return anomaly_state[2]
