"""stft/istft against torch: values, shapes, and gradients through both (complex convention)."""

import warnings

import numpy as np
import pytest

import gradkit as gk

torch = pytest.importorskip("torch")

CASES = [
    ((2, 50), dict(n_fft=16, return_complex=True), None),
    ((50,), dict(n_fft=16, hop_length=3, win_length=10, window=("hann_window", 10), center=False,
                 return_complex=True), None),
    ((2, 64), dict(n_fft=16, hop_length=4, window=("hann_window", 16), return_complex=True,
                   normalized=True),
     dict(n_fft=16, hop_length=4, window=("hann_window", 16), normalized=True)),
    ((2, 64), dict(n_fft=16, hop_length=4, window=("hann_window", 16), return_complex=True,
                   pad_mode="constant"),
     dict(n_fft=16, hop_length=4, window=("hann_window", 16), length=60)),
    ((64,), dict(n_fft=12, hop_length=3, window=("hamming_window", 12), return_complex=True,
                 onesided=False),
     dict(n_fft=12, hop_length=3, window=("hamming_window", 12), onesided=False)),
    ((64,), dict(n_fft=16, hop_length=4, window=("hamming_window", 16), return_complex=True,
                 center=False),
     dict(n_fft=16, hop_length=4, window=("hamming_window", 16), center=False, length=70)),
]


def _kw(lib, kw):
    k = dict(kw)
    if "window" in k:
        name, n = k["window"]
        k["window"] = getattr(lib, name)(n, dtype=lib.float64)
    return k


def _np(t):
    return t.detach().resolve_conj().numpy() if isinstance(t, torch.Tensor) else t.detach().numpy()


@pytest.mark.parametrize("shape,kw,ikw", CASES, ids=[str(i) for i in range(len(CASES))])
def test_stft_istft_values_and_gradients_match_torch(shape, kw, ikw):
    a = np.random.default_rng(0).standard_normal(shape)
    res = []
    for lib in (gk, torch):
        x = lib.tensor(a, requires_grad=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            s = lib.stft(x, **_kw(lib, kw))
            rng = np.random.default_rng(1)
            w = rng.standard_normal(tuple(s.shape)) + 1j * rng.standard_normal(tuple(s.shape))
            loss = (s * lib.tensor(w)).real.sum()
            out = [_np(s)]
            if ikw is not None:
                y = lib.istft(s, **_kw(lib, ikw))
                out.append(_np(y))
                loss = loss + (y * lib.tensor(rng.standard_normal(tuple(y.shape)))).sum()
        (g,) = lib.autograd.grad(loss, [x])
        out.append(_np(g))
        res.append(out)
    for a_, b_ in zip(*res):
        assert a_.shape == b_.shape and a_.dtype == b_.dtype
        np.testing.assert_allclose(a_, b_, rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("call", [
    lambda m: m.stft(m.randn(40), 16),  # return_complex not given for a real input
    lambda m: m.stft(m.randn(40), 0, return_complex=True),
    lambda m: m.stft(m.randn(40), 16, window=m.ones(5), return_complex=True),
    lambda m: m.stft(m.randn(2, 2, 40), 16, return_complex=True),
    lambda m: m.istft(m.randn(9, 4), 16),
    lambda m: m.istft(m.stft(m.randn(64), 16, 16, window=m.ones(16), return_complex=True), 16,
                      16, window=m.zeros(16)),
])
def test_errors_as_torch(call):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(RuntimeError):
            call(torch)
        with pytest.raises(RuntimeError):
            call(gk)


def test_stft_return_complex_false_is_the_real_view_with_a_warning():
    x = np.random.default_rng(2).standard_normal(40)
    with pytest.warns(UserWarning, match="return_complex=False is deprecated"):
        g = gk.stft(gk.tensor(x), 8, window=gk.ones(8, dtype=gk.float64), return_complex=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t = torch.stft(torch.tensor(x), 8, window=torch.ones(8, dtype=torch.float64),
                       return_complex=False)
    np.testing.assert_allclose(g.numpy(), t.numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("dtype", ["bool", "int32", "uint8", "float16"])
@pytest.mark.parametrize("kw", [dict(n_fft=8, hop_length=-4, return_complex=True),
                                dict(n_fft=8, hop_length=2),
                                dict(n_fft=0, hop_length=2, return_complex=True),
                                dict(n_fft=100, hop_length=2, return_complex=True),
                                dict(n_fft=8, hop_length=-4, pad_mode="replicate",
                                     return_complex=True),
                                dict(n_fft=8, hop_length=2, center=False,
                                     return_complex=True)])
def test_stft_pads_before_its_checks_as_torch(dtype, kw):
    # PyTorch pads a centred signal first: reflect/replicate refuse a Bool input there (and
    # only a Bool one: integer signals are padded, then refused by stft) before n_fft, hop_length
    # or return_complex are read
    def outcome(m):
        x = m.ones(2, 40).to(getattr(m, dtype))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                return tuple(m.stft(x, window=m.ones(8, dtype=m.int32), **kw).shape)
            except Exception as e:  # noqa: BLE001 - the type is what is compared
                return type(e).__name__

    assert outcome(gk) == outcome(torch)
