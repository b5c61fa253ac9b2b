"""Device fixtures: a real CUDA GPU through CuPy when present, else the CPU stand-in.

The stand-in (gradkit/_fake_cuda.py) refuses to mix "device" and host arrays exactly where CuPy
would, so the parity tests below exercise every device code path in CI, which has no GPU; on a
machine with a GPU the same tests run on it.
"""

import pytest

from gradkit import _backend


def _real_cuda():
    try:
        import cupy

        return cupy.cuda.runtime.getDeviceCount() > 0
    except Exception:
        return False


REAL_CUDA = _real_cuda()


@pytest.fixture
def cuda():
    """'cuda' on a real or stand-in device; restores the backend's state afterwards."""
    if REAL_CUDA:
        yield "cuda"
        return
    saved = (_backend._cupy, _backend._cupy_ns, _backend._cupy_checked)
    from gradkit._fake_cuda import make_fake_cupy

    _backend._cupy = make_fake_cupy()
    _backend._cupy_ns = None
    _backend._cupy_checked = True
    try:
        yield "cuda"
    finally:
        _backend._cupy, _backend._cupy_ns, _backend._cupy_checked = saved
