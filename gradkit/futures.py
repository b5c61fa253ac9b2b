"""``gradkit.futures`` (PyTorch's ``torch.futures``): a result that may arrive later.

A :class:`Future` is complete as soon as ``set_result`` is called (in any thread: ``wait``
blocks until then, as PyTorch's); callbacks given to :meth:`Future.then` and
:meth:`Future.add_done_callback` run then, in the thread that completes it (or at once on a
completed future). Libraries that
type their results with ``torch.futures.Future`` or wrap a forward in one (Captum's
asynchronous forward) work unchanged::

    >>> fut = gradkit.futures.Future()
    >>> chained = fut.then(lambda f: f.value() * 2)
    >>> fut.set_result(gradkit.tensor(3.0))
    >>> chained.wait()
    tensor(6.)
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, Generic, TypeVar

__all__ = ["Future", "collect_all", "wait_all"]

T = TypeVar("T")
S = TypeVar("S")

_UNSET = object()


class Future(Generic[T]):
    """A value (or an exception) set once; ``wait``/``value`` return it or raise it."""

    def __init__(self, *, devices=None) -> None:
        self._result: Any = _UNSET
        self._exception: BaseException | None = None
        self._callbacks: list[Callable[[Future[T]], None]] = []
        self._cond = threading.Condition()

    def done(self) -> bool:
        """Whether a result or an exception has been set."""
        return self._result is not _UNSET or self._exception is not None

    def wait(self) -> T:
        """The result, once another thread (or a callback) sets it; raises the exception that
        was set."""
        with self._cond:
            self._cond.wait_for(self.done)
        if self._exception is not None:
            raise self._exception
        return self._result

    def value(self) -> T:
        """The result of a completed future (raises the exception that was set)."""
        if self._exception is not None:
            raise self._exception
        if self._result is _UNSET:
            raise RuntimeError("Future.value(): the future has no result yet; call it after "
                               "wait() or inside a callback, as in PyTorch")
        return self._result

    def _complete(self) -> None:
        with self._cond:
            self._cond.notify_all()
            callbacks, self._callbacks = self._callbacks, []
        for cb in callbacks:
            cb(self)

    def set_result(self, result: T) -> None:
        """Complete the future with ``result`` and run the waiting callbacks."""
        with self._cond:
            if self.done():
                raise RuntimeError("Future.set_result(): the future is already completed; a "
                                   "future is set once")
            self._result = result
        self._complete()

    def set_exception(self, result: BaseException) -> None:
        """Complete the future with an exception, raised by ``wait``/``value``."""
        if not isinstance(result, BaseException):
            raise TypeError(f"Future.set_exception(): {result!r} is of type "
                            f"{type(result).__name__}, not an Exception")
        with self._cond:
            if self.done():
                raise RuntimeError("Future.set_exception(): the future is already completed")
            self._exception = result
        self._complete()

    def then(self, callback: Callable[[Future[T]], S]) -> Future[S]:
        """A new future completed with ``callback(self)`` once this one completes (with
        PyTorch's RuntimeError naming the callback's exception if it raises)."""
        out: Future[S] = Future()

        def run(f: Future[T]) -> None:
            try:
                out.set_result(callback(f))
            except Exception as e:  # noqa: BLE001 - carried to the chained future, as PyTorch
                err = RuntimeError(f"Got the following error when running the callback: "
                                   f"{type(e).__name__}: {e}")
                err.__cause__ = e
                out.set_exception(err)

        self.add_done_callback(run)
        return out

    def add_done_callback(self, callback: Callable[[Future[T]], None]) -> None:
        """Run ``callback(self)`` when the future completes (at once if it has)."""
        with self._cond:
            if not self.done():
                self._callbacks.append(callback)
                return
        callback(self)


def collect_all(futures: list[Future]) -> Future[list[Future]]:
    """A future completed with the list of ``futures`` once all of them are."""
    out: Future[list[Future]] = Future()
    pending = [len(futures)]
    if not futures:
        out.set_result([])

    def one(_f: Future) -> None:
        pending[0] -= 1
        if pending[0] == 0:
            out.set_result(list(futures))

    for f in futures:
        f.add_done_callback(one)
    return out


def wait_all(futures: list[Future]) -> list:
    """The results of ``futures`` (raises the first exception)."""
    return [f.wait() for f in futures]
