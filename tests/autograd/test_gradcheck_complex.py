"""gradcheck/gradgradcheck on complex inputs and outputs (real and imaginary parts as two real
coordinates, as PyTorch's): correct rules pass, a rule that forgets PyTorch's conjugate fails,
in both libraries."""

import numpy as np
import pytest

import gradkit as gk
from gradkit.autograd import GradcheckError, gradcheck, gradgradcheck

_rng = np.random.default_rng(9)
Z = _rng.standard_normal((2, 3)) + 1j * _rng.standard_normal((2, 3))
R = _rng.standard_normal(3)


def _square_function(m, conjugate):
    class Square(m.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            d = 2 * x
            return g * (d.conj() if conjugate else d)

    return Square.apply


FUNCS = {
    "holomorphic": (lambda m, z: m.exp(z) * z, [Z]),
    "conj_abs": (lambda m, z: m.conj(z) * z.abs(), [Z]),
    "to_real": (lambda m, z: (z * z).abs(), [Z]),
    "real_and_complex_inputs": (lambda m, z, r: z * m.complex(r, 2 * r), [Z, R]),
    "real_to_complex": (lambda m, r: m.polar(r.abs() + 1, r), [R]),
    "function_with_conjugate": (lambda m, z: _square_function(m, True)(z), [Z]),
}


@pytest.mark.parametrize("name", sorted(FUNCS))
@pytest.mark.parametrize("fast", [False, True])
def test_gradcheck_complex_passes_as_torch(name, fast, torch):
    f, args = FUNCS[name]
    for m, check in ((gk, gradcheck), (torch, torch.autograd.gradcheck)):
        xs = [m.tensor(a, requires_grad=True) for a in args]
        assert check(lambda *t, m=m: f(m, *t), xs, eps=1e-6, atol=1e-5, fast_mode=fast)


@pytest.mark.parametrize("name", ["holomorphic", "conj_abs", "real_and_complex_inputs"])
def test_gradgradcheck_complex_passes_as_torch(name, torch):
    f, args = FUNCS[name]
    for m, check in ((gk, gradgradcheck), (torch, torch.autograd.gradgradcheck)):
        xs = [m.tensor(a, requires_grad=True) for a in args]
        assert check(lambda *t, m=m: f(m, *t), xs, eps=1e-6, atol=1e-5)


@pytest.mark.parametrize("fast", [False, True])
def test_gradcheck_complex_catches_a_missing_conjugate_as_torch(fast, torch):
    """``g * f'(z)`` instead of PyTorch's ``g * conj(f'(z))``."""
    with pytest.raises(GradcheckError, match="Jacobian mismatch"):
        gradcheck(_square_function(gk, False), [gk.tensor(Z, requires_grad=True)],
                  fast_mode=fast)
    from torch.autograd.gradcheck import GradcheckError as TorchGradcheckError

    with pytest.raises(TorchGradcheckError):
        torch.autograd.gradcheck(_square_function(torch, False),
                                 [torch.tensor(Z, requires_grad=True)], fast_mode=fast)
    assert gradcheck(_square_function(gk, False), [gk.tensor(Z, requires_grad=True)],
                     raise_exception=False) is False


def test_gradcheck_complex128_input_does_not_warn():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert gradcheck(lambda z: z * z, [gk.tensor(Z, requires_grad=True)])


def test_functional_vjp_jvp_jacobian_of_complex_inputs_as_torch(torch):
    """autograd.functional differentiates complex inputs (it left them constant: zeros)."""
    z, v = Z[0], Z[1]
    res = {}
    for m in (gk, torch):
        def f(x, m=m):
            return m.exp(x) * x.conj()

        res[m] = [m.autograd.functional.vjp(f, m.tensor(z), m.tensor(v))[1],
                  m.autograd.functional.jvp(f, m.tensor(z), m.tensor(v))[1],
                  m.autograd.functional.jacobian(lambda x, m=m: (x * x.conj()).real,
                                                 m.tensor(z))]
    for a, b in zip(res[gk], res[torch]):
        np.testing.assert_allclose(a.numpy(), b.resolve_conj().numpy(), rtol=1e-12, atol=1e-14)
