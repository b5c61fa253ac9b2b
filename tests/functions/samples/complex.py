"""Registry samples of the complex ops (see ``samples/__init__.py``). A complex input is built
from two real leaves with ``complex(re, im)`` (``pre=cx``) and a complex result is compared
through ``view_as_real`` (``post=vr``), so the registry's real gradient checks (torch and finite
differences) cover the complex rules. tests/functions/test_complex.py has the direct checks."""

import numpy as np  # noqa: F401

from . import *  # noqa: F403


def cx(lib, re, im, *rest):
    return (lib.complex(re, im), *rest)


def vr(lib, out):
    if isinstance(out, (tuple, list)):  # (the fuzzer's in-place face: the result and self)
        return type(out)(vr(lib, o) for o in out)
    return lib.view_as_real(out.resolve_conj())


SAMPLES = [
    S("real", N(3, 4), N(3, 4), pre=cx),
    S("real", N(3, 4), grad=False),
    S("imag", N(3, 4), N(3, 4), pre=cx),
    S("conj", N(3, 4), N(3, 4), pre=cx, post=vr),
    S("conj", N(3, 4), grad=False),
    S("conj_physical", N(2, 3), N(2, 3), pre=cx, post=vr),
    S("resolve_conj", N(3), grad=False),
    S("resolve_conj", N(3), N(3), pre=cx, post=vr),
    S("resolve_neg", N(3), grad=False),
    S("resolve_neg", N(3), N(3), pre=cx, post=vr),
    S("is_conj", N(3), grad=False),
    S("is_neg", N(3), grad=False),
    S("is_complex", N(3), grad=False),
    S("is_complex", N(3), N(3), pre=cx, grad=False),
    S("angle", away(N(3, 4)), away(N(3, 4)), pre=cx),
    S("angle", away(N(5)), second="angle of a real tensor is piecewise constant: its gradient "
      "is zeros, not connected to the input (as in PyTorch)"),
    S("view_as_real", N(3, 4), N(3, 4), pre=cx),
    S("view_as_complex", N(3, 2), post=vr),
    S("complex", N(3, 4), N(4), post=vr),
    S("polar", P(3, 4), N(3, 4), post=vr),
]

# stft/istft (gradkit/functions/spectral.py): complex results compared through view_as_real;
# istft's input built from stft so that it is a valid spectrogram


def _istft_in(lib, x, w):
    return (lib.stft(x, 8, 2, window=w, return_complex=True), 8, 2)


SAMPLES += [
    S("stft", N(2, 40), 8, 2, window=P(8), return_complex=True, post=vr),
    S("stft", N(40), 8, window=P(8), center=False, onesided=False, return_complex=True,
      post=vr),
    S("istft", N(40), P(8), pre=_istft_in, method=False),
]
