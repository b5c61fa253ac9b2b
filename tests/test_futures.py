"""gradkit.futures (PyTorch's torch.futures) against PyTorch: results, chained callbacks,
exceptions, collect_all/wait_all, and torch.Future as the same class (Captum checks
``isinstance(out, torch.Future)`` and wraps forwards in futures)."""

import pytest

import gradkit as gk

torch = pytest.importorskip("torch")


def _trace(lib):
    seen = []
    f = lib.futures.Future()
    chained = f.then(lambda x: x.value() * 2)
    f.add_done_callback(lambda x: seen.append(float(x.value())))
    done_before = f.done()
    f.set_result(lib.tensor(3.0))
    late = []
    f.add_done_callback(lambda x: late.append(float(x.wait())))
    bad = f.then(lambda x: 1 / 0)
    with pytest.raises(RuntimeError, match="ZeroDivisionError: division by zero"):
        bad.wait()
    g = lib.futures.Future()
    g.set_result(5)
    both = lib.futures.collect_all([f, g])
    return (done_before, f.done(), float(chained.wait()), seen, late, bad.done(),
            [type(v).__name__ for v in both.wait()], [float(v) for v in
                                                     lib.futures.wait_all([f, g])],
            isinstance(f, lib.Future))


def test_future_as_torch():
    assert _trace(gk) == _trace(torch)


def test_future_errors_as_torch():
    for lib in (gk, torch):
        f = lib.futures.Future()
        f.set_exception(ValueError("boom"))
        with pytest.raises(ValueError, match="boom"):
            f.wait()
        with pytest.raises(RuntimeError):
            f.set_result(1)


def test_wait_blocks_until_another_thread_sets_the_result():
    """Captum's asynchronous forward sets the result from a thread; gradkit's wait() raised."""
    import threading
    import time

    for lib in (gk, torch):
        f = lib.futures.Future()
        chained = f.then(lambda x: x.value() + 1)

        def later(fut=f, lib=lib):
            time.sleep(0.05)
            fut.set_result(lib.tensor(1.0))

        t = threading.Thread(target=later)
        t.start()
        assert float(chained.wait()) == 2.0 and float(f.wait()) == 1.0
        t.join()
