import numpy as np
import pytest


def _torch_bernoulli_is_default_kernel(torch) -> bool:
    """PyTorch's x86-64 MKL builds draw ``bernoulli_(p)`` with a number ``p`` (dropout) from
    MKL's own stream on Intel processors (elsewhere: ``u < p`` over the mt19937 stream, which
    gradkit follows). Probe which one this machine's PyTorch uses."""
    torch.manual_seed(0)
    got = torch.empty(64, dtype=torch.float64).bernoulli_(0.5).numpy()
    raw = np.random.RandomState(0).randint(0, 2 ** 32, size=128, dtype=np.uint64)
    u = (((raw[0::2] << np.uint64(32)) | raw[1::2]) & np.uint64(2 ** 53 - 1)) * 2.0 ** -53
    return bool(np.array_equal(got, (u < 0.5).astype(np.float64)))


@pytest.fixture
def torch_default_bernoulli(torch):
    """``torch``, skipping where PyTorch's scalar-p bernoulli_ is MKL's stream (README, "Where
    gradkit differs"; test_documented_differences.py checks gradkit's stream there)."""
    if not _torch_bernoulli_is_default_kernel(torch):
        pytest.skip("this PyTorch draws bernoulli_(p) from MKL's stream (Intel CPU)")
    return torch
