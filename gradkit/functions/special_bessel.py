"""The Bessel and Airy functions, the orthogonal polynomials and the Hurwitz zeta function of
``torch.special`` (``gradkit.special`` only, as in PyTorch: no ``torch.X`` or ``Tensor.X``
faces).

The values are PyTorch's (its algorithms, evaluated in the input's dtype: see
``gradkit/ops/special_bessel.py`` and ``gradkit/ops/special_polynomial.py``). Integer and bool
inputs promote to the default float dtype; float16, bfloat16 and complex inputs raise
NotImplementedError as PyTorch's CPU kernels do. As in PyTorch, the Bessel functions and the
polynomials are not differentiable (their results do not require grad), and ``zeta`` is
differentiable in ``other`` (``q``) only.
"""

from __future__ import annotations

import numpy as np

from .. import _dtype
from .._backend import to_host
from .._tensor.record import apply2, check_broadcast
from .._tensor.tensor import Tensor, wrap
from ..ops import special_bessel as SB
from ..ops import special_polynomial as SPOL
from ._args import _const_like, _float_operand, _not_implemented, _t
from ._registry import declare
from .elementwise import _float_pair

__all__ = sorted(SB.UNARY) + sorted(SPOL.POLYNOMIALS) + ["zeta"]

_KERNEL_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def _check_not_complex(args, kernel):
    for a in args:
        if isinstance(a, Tensor) and a._data.dtype.kind == "c":
            _not_implemented(kernel, a, "it takes real float32 and float64 tensors")


def _check_kernel(t, kernel):
    if t._data.dtype not in _KERNEL_DTYPES:
        _not_implemented(kernel, t, "it takes float32 and float64 tensors: convert with "
                         ".float() or .double()")


def _unary(name, input):
    if not isinstance(input, Tensor):
        raise TypeError(f"special_{name}(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(input).__name__}")
    _check_not_complex((input,), f"{name}_cpu")
    x = _float_operand(_t(input))
    _check_kernel(x, f"{name}_cpu")
    return wrap(_const_like(x, SB.unary_array(name, to_host(x._data))))


def _polynomial(name, x, n):
    if not isinstance(x, Tensor) and not isinstance(n, Tensor):
        raise TypeError(f"special_{name}(): expected a Tensor for 'x' or 'n', got "
                        f"({type(x).__name__}, {type(n).__name__})")
    _check_not_complex((x, n), f"{name}_cpu")
    a, b = _float_pair(x, n, name, scalars=True)
    t = a if isinstance(a, Tensor) else b
    _check_kernel(t, f"{name}_cpu")
    dt = t._data.dtype
    xa = to_host(a._data) if isinstance(a, Tensor) else np.asarray(float(a), dtype=dt)
    na = to_host(b._data) if isinstance(b, Tensor) else np.asarray(float(b), dtype=dt)
    if isinstance(a, Tensor) and isinstance(b, Tensor):
        check_broadcast(a, b, name)
    return wrap(_const_like(t, SPOL.polynomial_array(name, xa, na)))


def _declare_unary(name, doc):
    def fn(input):
        return _unary(name, input)
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = doc
    fn.__module__ = __name__
    return declare(fn, function=False, method=False, aliases=(f"special:{name}",),
                   differentiable=False)


def _declare_polynomial(name, doc):
    def fn(input, n):
        return _polynomial(name, input, n)
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = doc
    fn.__module__ = __name__
    return declare(fn, function=False, method=False, aliases=(f"special:{name}",),
                   differentiable=False)


_UNARY_DOCS = {
    "airy_ai": "The Airy function Ai(x).",
    "bessel_j0": "The Bessel function of the first kind, order 0.",
    "bessel_j1": "The Bessel function of the first kind, order 1.",
    "bessel_y0": "The Bessel function of the second kind, order 0 (-inf at 0, NaN below).",
    "bessel_y1": "The Bessel function of the second kind, order 1 (-inf at 0, NaN below).",
    "modified_bessel_i0": "The modified Bessel function of the first kind, order 0.",
    "modified_bessel_i1": "The modified Bessel function of the first kind, order 1.",
    "modified_bessel_k0": "The modified Bessel function of the second kind, order 0.",
    "modified_bessel_k1": "The modified Bessel function of the second kind, order 1.",
    "scaled_modified_bessel_k0": "``exp(x) K0(x)``, without overflow.",
    "scaled_modified_bessel_k1": "``exp(x) K1(x)``, without overflow.",
    "spherical_bessel_j0": "The spherical Bessel function of the first kind, order 0: "
                           "``sin(x) / x``.",
}
_POLY_DOCS = {
    "chebyshev_polynomial_t": "The Chebyshev polynomial of the first kind T_n(x).",
    "chebyshev_polynomial_u": "The Chebyshev polynomial of the second kind U_n(x).",
    "chebyshev_polynomial_v": "The Chebyshev polynomial of the third kind V_n(x).",
    "chebyshev_polynomial_w": "The Chebyshev polynomial of the fourth kind W_n(x).",
    "shifted_chebyshev_polynomial_t": "The shifted Chebyshev polynomial T*_n(x) = T_n(2x - 1).",
    "shifted_chebyshev_polynomial_u": "The shifted Chebyshev polynomial U*_n(x) = U_n(2x - 1).",
    "shifted_chebyshev_polynomial_v": "The shifted Chebyshev polynomial V*_n(x) = V_n(2x - 1).",
    "shifted_chebyshev_polynomial_w": "The shifted Chebyshev polynomial W*_n(x) = W_n(2x - 1).",
    "hermite_polynomial_h": "The physicists' Hermite polynomial H_n(x) (NaN beyond n = 128 in "
                            "float32, 512 in float64, as PyTorch).",
    "hermite_polynomial_he": "The probabilists' Hermite polynomial He_n(x) (NaN beyond n = 128 "
                             "in float32, 512 in float64, as PyTorch).",
    "laguerre_polynomial_l": "The Laguerre polynomial L_n(x).",
    "legendre_polynomial_p": "The Legendre polynomial P_n(x).",
}
_POLY_DOC_TAIL = (" ``n`` is a tensor or a number (truncated to an integer; 0 for a negative "
                  "``n``); either argument may be a number.")

for _name in sorted(SB.UNARY):
    globals()[_name] = _declare_unary(_name, _UNARY_DOCS[_name])
for _name in sorted(SPOL.POLYNOMIALS):
    globals()[_name] = _declare_polynomial(_name, _POLY_DOCS[_name] + _POLY_DOC_TAIL)
del _name


@declare(function=False, method=False, out=True, aliases=("special:zeta",))
def zeta(input, other):
    """The Hurwitz zeta function ``sum_k (k + other)^-input`` (Cephes' algorithm, as PyTorch);
    either argument may be a number. Differentiable in ``other`` only, as PyTorch."""
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        raise TypeError(f"special_zeta(): expected a Tensor for 'input' or 'other', got "
                        f"({type(input).__name__}, {type(other).__name__})")
    _check_not_complex((input, other), "zeta_cpu")
    # the gradient's ``input + 1`` rounds in input's own dtype (the default float for integers)
    plus_one = None
    if isinstance(input, Tensor):
        k = _dtype.kind(input._data.dtype)
        plus_one = (input._data.dtype.name if k == "f" and input._data.dtype.kind == "f"
                    else _dtype.np_dtype(_dtype.get_default_dtype()).name)
    a, b = _float_pair(input, other, "zeta", scalars=True)
    t = a if isinstance(a, Tensor) else b
    _check_kernel(t, "zeta_cpu")
    dt = t._data.dtype
    # a number takes the tensor's dtype first, as PyTorch's wrapped scalars do
    a = a if isinstance(a, Tensor) else float(np.asarray(float(a), dtype=dt))
    b = b if isinstance(b, Tensor) else float(np.asarray(float(b), dtype=dt))
    try:
        return apply2(SB.ZETA, a, b, (plus_one,))
    except ValueError:
        check_broadcast(a, b, "zeta")
        raise
