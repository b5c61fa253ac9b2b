"""Shared fixtures: seeded RNG, float64 finite-difference checks, and the optional torch oracle."""

import os
import sys
from pathlib import Path


def _intel_cpu():
    try:
        with open("/proc/cpuinfo") as f:
            return "GenuineIntel" in f.read(4096)
    except OSError:
        return False


# The oracle's numbers must not depend on which x86 processor CI draws. On Intel processors
# PyTorch's MKL takes processor-specific kernels (VML's float32 exp/log, BLAS with a non-finite
# alpha, LU pivoting) whose last bits and NaN patterns differ from what it gives on AMD; MKL's
# reproducible mode gives the same results on both, which are gradkit's. Set before any test
# imports torch (MKL reads it once) and inherited by the corpus's torch subprocesses; a value
# set by the caller wins. README, "Differences from PyTorch", says so for users.
if _intel_cpu():
    os.environ.setdefault("MKL_CBWR", "COMPATIBLE")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))

try:  # property tests draw the same examples on every run (CI decides on one run); set
    # HYPOTHESIS_PROFILE=explore to search with fresh random examples instead.
    from hypothesis import settings

    settings.register_profile("repeatable", derandomize=True)
    settings.register_profile("explore", derandomize=False)
    settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))
except ImportError:
    pass


@pytest.fixture
def rng():
    return np.random.default_rng(0)


@pytest.fixture
def torch():
    """PyTorch as the oracle (CI installs torch==2.13.0); the test skips without it."""
    return pytest.importorskip("torch")


@pytest.fixture
def http_folder(tmp_path):
    """A local HTTP server over a fresh folder, standing in for the web in download tests:
    ``(base URL, folder, paths requested)``."""
    import http.server
    import threading

    www = tmp_path / "www"
    www.mkdir()
    seen = []

    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *a, **k):
            super().__init__(*a, directory=str(www), **k)

        def log_message(self, *args):
            seen.append(self.path)

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/", www, seen
    finally:
        httpd.shutdown()
        httpd.server_close()
