"""Double backward (create_graph=True) and forward-mode AD through the complex and FFT rules:
against torch (``autograd.grad(create_graph=True)``, ``autograd.forward_ad``) and against
central differences, on complex128 inputs (and real inputs for the ops that make complex
values of real ones)."""

import numpy as np
import pytest

import gradkit as gk
import gradkit.autograd.forward_ad as gfw

torch = pytest.importorskip("torch")
tfw = torch.autograd.forward_ad

# name -> (function of (module, x), whether x is real)
OPS = {
    "mul": (lambda m, x: x * x, False),
    "exp": (lambda m, x: m.exp(x), False),
    "log": (lambda m, x: m.log(x), False),
    "sqrt": (lambda m, x: m.sqrt(x) * x, False),
    "reciprocal": (lambda m, x: m.reciprocal(x), False),
    "tanh": (lambda m, x: m.tanh(x), False),
    "real_imag": (lambda m, x: x.real * x.imag, False),
    "conj": (lambda m, x: m.conj(x) * x, False),
    "conj_physical": (lambda m, x: m.conj_physical(x) * x * x, False),
    "abs": (lambda m, x: m.abs(x) * x, False),
    "abs_real_out": (lambda m, x: m.abs(x) ** 3, False),
    "angle": (lambda m, x: m.angle(x) * x.abs(), False),
    "sgn": (lambda m, x: m.sgn(x) * x * x, False),
    "view_as_real": (lambda m, x: m.view_as_real(x * x), False),
    "view_as_complex": (lambda m, x: m.view_as_complex(m.view_as_real(x) ** 2), False),
    "complex": (lambda m, x: m.complex(x ** 2, x * 3) * m.complex(x, x ** 3), True),
    "polar": (lambda m, x: m.polar(x ** 2 + 0.5, x), True),
    "pow_scalar": (lambda m, x: x ** 2.5, False),
    "pow_tensor": (lambda m, x: x ** (x * 0.5), False),
    "pow_real_exponent": (lambda m, x: (x * x) ** (x.real * 0.5), False),
    "pow_real_base": (lambda m, x: (x.abs() + 1) ** x, False),
    "rpow": (lambda m, x: 2 ** x, False),
    "to_complex": (lambda m, x: x.to(m.complex128) * x * x, True),
    "sum_matmul": (lambda m, x: (x @ x.T).sum(0) * x[0, :3], False),
    "fft": (lambda m, x: m.fft.fft(x * x), False),
    "fft_pad": (lambda m, x: m.fft.fft(x * x, n=6), False),
    "ifft_cut": (lambda m, x: m.fft.ifft(x * x, n=3, norm="forward"), False),
    "fftn_ortho": (lambda m, x: m.fft.fftn(x * x, norm="ortho"), False),
    "ifft2": (lambda m, x: m.fft.ifft2(x * x, s=(5, 3)), False),
    "rfft": (lambda m, x: m.fft.rfft(x ** 3, n=5), True),
    "rfft2": (lambda m, x: m.fft.rfft2(x ** 3), True),
    "ihfft": (lambda m, x: m.fft.ihfft(x ** 3), True),
    "irfft": (lambda m, x: m.fft.irfft(x * x, n=7), False),
    "irfft_even": (lambda m, x: m.fft.irfft(x * x, n=6, norm="ortho"), False),
    "irfftn": (lambda m, x: m.fft.irfftn(x * x), False),
    "hfft": (lambda m, x: m.fft.hfft(x * x), False),
    "fftshift": (lambda m, x: m.fft.fftshift(m.fft.fft(x * x)), False),
}

SHAPE = (3, 4)

# torch 2.x's forward-mode pow with one real and one complex operand takes the real part of the
# real operand's tangent contribution (its tangent for a ** b with real b along b is real, where
# the derivative a ** b log(a) is complex): these are checked against central differences only.
TORCH_FW_WRONG = {"pow_real_base", "pow_real_exponent"}


def _rng(name):
    return np.random.default_rng(sum(map(ord, name)))


def _draw(rng, shape, cplx):
    a = rng.standard_normal(shape)
    return a + 1j * rng.standard_normal(shape) if cplx else a


def _np(t):
    return t.detach().resolve_conj().resolve_neg().numpy()


def _re_dot(a, b):
    """Re(sum(conj(a) b)): the pairing PyTorch's complex gradients are taken in."""
    return float(np.real(np.sum(np.conj(a) * b)))


@pytest.mark.parametrize("name", sorted(OPS))
def test_double_backward_against_torch_and_differences(name):
    f, real_in = OPS[name]
    rng = _rng(name)
    z = _draw(rng, SHAPE, not real_in)
    out = f(torch, torch.tensor(z))
    v = _draw(rng, tuple(out.shape), out.is_complex())
    w = _draw(rng, SHAPE, not real_in)
    res = {}
    for m in (gk, torch):
        x = m.tensor(z, requires_grad=True)
        g, = m.autograd.grad(f(m, x), x, m.tensor(v), create_graph=True)
        h, = m.autograd.grad(g, x, m.tensor(w))
        res[m] = _np(g), _np(h)
    (gg, hg), (gt, ht) = res[gk], res[torch]
    np.testing.assert_allclose(gg, gt, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(hg, ht, rtol=1e-7, atol=1e-9)

    # central differences of z -> Re<w, grad(z)> along a random direction e
    def first(zz):
        x = gk.tensor(zz, requires_grad=True)
        g, = gk.autograd.grad(f(gk, x), x, gk.tensor(v))
        return _re_dot(w, g.numpy())

    e = _draw(rng, SHAPE, not real_in)
    eps = 1e-6
    fd = (first(z + eps * e) - first(z - eps * e)) / (2 * eps)
    assert abs(fd - _re_dot(hg, e)) <= 1e-5 * (1 + abs(fd))


@pytest.mark.parametrize("name", sorted(OPS))
def test_forward_ad_against_torch_and_differences(name):
    f, real_in = OPS[name]
    rng = _rng(name + "fw")
    z = _draw(rng, SHAPE, not real_in)
    t = _draw(rng, SHAPE, not real_in)
    with gfw.dual_level():
        y = f(gk, gfw.make_dual(gk.tensor(z), gk.tensor(t)))
        p, tg = gfw.unpack_dual(y)
        tg = _np(tg)
    with tfw.dual_level():
        tt = _np(tfw.unpack_dual(f(torch, tfw.make_dual(torch.tensor(z), torch.tensor(t)))).tangent)
    assert tg.dtype == tt.dtype
    if name not in TORCH_FW_WRONG:
        np.testing.assert_allclose(tg, tt, rtol=1e-7, atol=1e-9)
    eps = 1e-6
    fd = (f(gk, gk.tensor(z + eps * t)).numpy() - f(gk, gk.tensor(z - eps * t)).numpy()) / (2 * eps)
    np.testing.assert_allclose(tg, fd, rtol=1e-5, atol=1e-6)


def test_func_jvp_and_hessian_of_a_real_loss_through_fft():
    """gradkit.func.jvp and a Hessian-vector product (forward over reverse) of a real loss of a
    spectrum, against torch.func."""
    rng = np.random.default_rng(3)
    z, t = rng.standard_normal(8), rng.standard_normal(8)

    def loss(m):
        return lambda x: ((m.fft.rfft(x * x).abs() ** 2).sum()
                          + m.fft.irfft(m.fft.rfft(x) ** 2).sum())

    _, jg = gk.func.jvp(loss(gk), (gk.tensor(z),), (gk.tensor(t),))
    _, jt = torch.func.jvp(loss(torch), (torch.tensor(z),), (torch.tensor(t),))
    np.testing.assert_allclose(jg.numpy(), _np(jt), rtol=1e-8)
    _, hg = gk.func.jvp(gk.func.grad(loss(gk)), (gk.tensor(z),), (gk.tensor(t),))
    _, ht = torch.func.jvp(torch.func.grad(loss(torch)), (torch.tensor(z),), (torch.tensor(t),))
    np.testing.assert_allclose(hg.numpy(), _np(ht), rtol=1e-8, atol=1e-10)


def test_complex64_double_backward_keeps_dtype():
    x = gk.tensor(np.array([1 + 2j, -0.5 + 1j], np.complex64), requires_grad=True)
    g, = gk.autograd.grad((gk.fft.fft(x * x).abs() ** 2).sum(), x, create_graph=True)
    h, = gk.autograd.grad((g.abs() ** 2).sum(), x)
    assert g.dtype == gk.complex64 and h.dtype == gk.complex64
    xt = torch.tensor(x.detach().numpy(), requires_grad=True)
    gt, = torch.autograd.grad((torch.fft.fft(xt * xt).abs() ** 2).sum(), xt, create_graph=True)
    ht, = torch.autograd.grad((gt.abs() ** 2).sum(), xt)
    np.testing.assert_allclose(h.numpy(), _np(ht), rtol=1e-4)
