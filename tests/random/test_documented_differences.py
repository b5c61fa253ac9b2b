"""What README's "Where gradkit differs" says about random streams, checked."""

import numpy as np

import gradkit as gk
from gradkit import random as R


def _raw_words(seed, n):
    return np.random.RandomState(seed).randint(0, 2 ** 32, size=n, dtype=np.uint64)


def test_scalar_p_bernoulli_is_pytorchs_default_kernel_everywhere():
    # u < p with 53-bit uniforms from 64-bit draws of the mt19937 stream: PyTorch's kernel on
    # AMD/ARM and builds without MKL (on Intel CPUs, MKL builds use MKL's own stream instead)
    for seed, p, n in [(0, 0.5, 100), (3, 0.1, 37), (8, 0.9, 1000)]:
        raw = _raw_words(seed, 2 * n)
        u = (((raw[0::2] << np.uint64(32)) | raw[1::2]) & np.uint64(2 ** 53 - 1)) * 2.0 ** -53
        gk.manual_seed(seed)
        np.testing.assert_array_equal(gk.empty(n).bernoulli_(p).numpy(), (u < p).astype(np.float32))
        gk.manual_seed(seed)
        mask = gk.nn.functional.dropout(gk.ones(n), 1 - p).numpy()
        np.testing.assert_array_equal(mask != 0, u < p)


def test_float32_normal_is_the_avx2_kernel():
    # PyTorch's x86-64 builds with AVX2/AVX-512 compute float32 normal_ (16 or more values)
    # with Cephes-style float32 log/sincos: gradkit's emulation differs from a float64
    # Box-Muller by float32 rounding only
    gk.manual_seed(5)
    got = gk.randn(4096).numpy().astype(np.float64)
    gk.manual_seed(5)
    u = R._unit(gk.random.default_generator, 4096, np.float32).astype(np.float64).reshape(-1, 16)
    r = np.sqrt(-2 * np.log(1 - u[:, :8]))
    t = np.float64(np.float32(2 * np.pi)) * u[:, 8:]
    ref = np.concatenate([r * np.cos(t), r * np.sin(t)], 1).reshape(-1)
    np.testing.assert_allclose(got, ref, rtol=0, atol=4e-6)
    assert not np.array_equal(got, ref.astype(np.float32))  # not the rounded float64 result
