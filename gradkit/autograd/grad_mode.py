"""Grad modes: ``no_grad``, ``enable_grad``, ``set_grad_enabled``, ``inference_mode``.

Each works as a context manager and as a decorator, like PyTorch's. The state is one module-level
list cell read on every op, so checking it costs one index.
"""

from __future__ import annotations

import functools
import inspect

__all__ = [
    "enable_grad",
    "inference_mode",
    "is_grad_enabled",
    "is_inference_mode_enabled",
    "no_grad",
    "set_grad_enabled",
]

# STATE[0]: gradient recording on; STATE[1]: inference mode on.
STATE = [True, False]


def is_grad_enabled() -> bool:
    """True when ops record a graph for backward."""
    return STATE[0]


def is_inference_mode_enabled() -> bool:
    return STATE[1]


class _GradModeContext:
    """Base: sets the mode on enter, restores the previous one on exit; usable as a decorator."""

    _enabled = True

    def __enter__(self):
        self._prev = STATE[0]
        STATE[0] = self._enabled
        return self

    def __exit__(self, *exc):
        STATE[0] = self._prev
        return False

    def _fresh(self):
        """A new context with this one's settings (each decorated call gets its own)."""
        return type(self)()

    def __call__(self, fn):
        if inspect.isgeneratorfunction(fn):
            return self._wrap_generator(fn)

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self._fresh():
                return fn(*args, **kwargs)

        return wrapper

    def _wrap_generator(self, fn):
        """Each resumption of the generator runs in this mode; the caller's mode in between."""

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            gen = fn(*args, **kwargs)
            try:
                with self._fresh():
                    value = next(gen)
                while True:
                    try:
                        sent = yield value
                    except GeneratorExit:
                        with self._fresh():
                            gen.close()
                        raise
                    except BaseException as exc:  # noqa: BLE001 - forwarded into the generator
                        with self._fresh():
                            value = gen.throw(exc)
                    else:
                        with self._fresh():
                            value = gen.send(sent)
            except StopIteration as stop:
                return stop.value

        return wrapper


class _NoParamContext(_GradModeContext):
    """Also usable as a bare decorator: ``@no_grad`` as well as ``@no_grad()``."""

    def __new__(cls, orig_func=None):
        if orig_func is None:
            return super().__new__(cls)
        if not callable(orig_func):
            raise TypeError(f"{cls.__name__}() takes no arguments (got {orig_func!r})")
        return cls()(orig_func)


class no_grad(_NoParamContext):
    """Context manager and decorator that turns off graph recording.

    Examples:
        >>> with gradkit.no_grad():
        ...     y = x * 2          # y.requires_grad is False
    """

    _enabled = False


class enable_grad(_NoParamContext):
    """Context manager and decorator that turns graph recording back on inside ``no_grad``."""

    _enabled = True


class set_grad_enabled(_GradModeContext):
    """Turn recording on or off: as a function call, a context manager, or a decorator."""

    def __init__(self, mode: bool) -> None:
        if not isinstance(mode, bool):
            raise TypeError(f"set_grad_enabled(mode) expects a bool, got {type(mode).__name__}")
        self._enabled = mode
        self._prev = STATE[0]
        STATE[0] = mode

    def _fresh(self):
        return type(self)(self._enabled)

    def __call__(self, fn):
        STATE[0] = self._prev  # used as a decorator: the construction must not leak
        return super().__call__(fn)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        STATE[0] = self._prev
        return False


class inference_mode(_GradModeContext):
    """Like ``no_grad``, and the tensors made inside are inference tensors (``is_inference()``);
    ``mode=False`` turns both off (grad mode on), as PyTorch's."""

    def __new__(cls, mode=True):
        if isinstance(mode, bool):
            return super().__new__(cls)
        if not callable(mode):
            raise TypeError(f"inference_mode(mode) expects a bool, got {type(mode).__name__}")
        return cls()(mode)  # bare @inference_mode

    def __init__(self, mode: bool = True) -> None:
        if not isinstance(mode, bool):
            return  # bare decorator: __new__ already returned the wrapped function
        self._mode = mode
        self._enabled = not mode

    def _fresh(self):
        return type(self)(self._mode)

    def __enter__(self):
        self._prev = STATE[0]
        self._prev_inf = STATE[1]
        # PyTorch's InferenceMode(mode): grad mode is the opposite of mode, so inference_mode(False)
        # inside inference_mode (or no_grad) records graphs and makes normal tensors again
        STATE[0] = not self._mode
        STATE[1] = self._mode
        return self

    def __exit__(self, *exc):
        STATE[0] = self._prev
        STATE[1] = self._prev_inf
        return False
