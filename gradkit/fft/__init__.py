"""Discrete Fourier transforms, as ``torch.fft``: fft/ifft, fft2/ifft2, fftn/ifftn, rfft/irfft,
rfft2/irfft2, rfftn/irfftn, hfft/ihfft, hfft2/ihfft2, hfftn/ihfftn, fftfreq/rfftfreq,
fftshift/ifftshift.

Arguments as PyTorch's: ``n``/``s`` (signal sizes: the input is zero-padded or truncated),
``dim``, ``norm`` (``"backward"``: no scaling forward, 1/n inverse; ``"ortho"``: 1/sqrt(n) both
ways; ``"forward"``: 1/n forward), ``out=``. Real inputs promote as PyTorch (float32 ->
complex64, float64 -> complex128, integers and bool -> the default float first); float16 is
refused as PyTorch's CPU build does. Gradients follow PyTorch's complex convention (see
``gradkit/_complex.py``); the primitives are in ``gradkit/ops/fft.py``. Their rules are
differentiable again (double backward, forward-mode AD).
"""

from __future__ import annotations

import numbers

import numpy as np

from .. import _dtype
from .._complex import CArray
from .._tensor.record import apply1
from .._tensor.tensor import Tensor
from ..ops import fft as F

__all__ = ["fft", "ifft", "fft2", "ifft2", "fftn", "ifftn", "rfft", "irfft", "rfft2", "irfft2",
           "rfftn", "irfftn", "hfft", "ihfft", "hfft2", "ihfft2", "hfftn", "ihfftn", "fftfreq",
           "rfftfreq", "fftshift", "ifftshift"]


# ---------------------------------------------------------------- argument checks
def _tensor(name, x):
    if not isinstance(x, Tensor):
        raise TypeError(f"fft_{name}(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(x).__name__}")
    return x


def _norm(norm):
    if norm is None:
        return "backward"
    if norm not in ("backward", "forward", "ortho"):
        raise RuntimeError(f'Invalid normalization mode: "{norm}"')
    return norm


def _wrap_dim(x, d):
    nd = max(x.ndim, 1)
    if not isinstance(d, numbers.Integral) or isinstance(d, bool):
        raise TypeError(f"fft: dim must be an int or a sequence of ints, got {type(d).__name__}")
    if not -nd <= d < nd:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-nd}, {nd - 1}], "
                         f"but got {d})")
    return d % nd if x.ndim else 0


def _size(n):
    if n < 1:
        raise RuntimeError(f"Invalid number of data points ({n}) specified")
    return int(n)


def _is_c(x):
    return type(x._data) is CArray


def _as_complex(name, x):
    """``x`` promoted for a complex transform: complex as it is, real to its complex dtype."""
    if _is_c(x):
        return x
    return x.to(_real_float(name, x).to_complex())


def _real_float(name, x):
    d = x.dtype
    if d == _dtype.float16 or d.name == "bfloat16":
        raise RuntimeError(f"Unsupported dtype {'Half' if d == _dtype.float16 else 'BFloat16'}")
    if d.is_floating_point:
        return d
    return _dtype.get_default_dtype()


def _as_real(name, x):
    if _is_c(x):
        raise RuntimeError(f"{name} expects a real input tensor, but got "
                           f"{'ComplexFloat' if x.dtype == _dtype.complex64 else 'ComplexDouble'}")
    d = _real_float(name, x)
    return x if x.dtype == d else x.to(d)


def _dims_sizes(x, s, dim, name):
    """PyTorch's ``canonicalize_fft_shape_and_dim_args``: the dims and signal sizes."""
    if dim is not None and isinstance(dim, numbers.Integral):
        dim = (dim,)
    if s is not None and isinstance(s, numbers.Integral):
        s = (s,)
    if dim is not None:
        if x.ndim == 0 and len(dim) and isinstance(dim[0], numbers.Integral):
            raise IndexError(f"{name}: Dimension specified as {dim[0]} but tensor has no "
                             f"dimensions; give a tensor of at least 1 dimension")
        dims = tuple(_wrap_dim(x, d) for d in dim)
        if len(set(dims)) != len(dims):
            raise RuntimeError("FFT dims must be unique")
        if s is not None:
            if len(s) != len(dims):
                raise RuntimeError(f"When given, dim and shape arguments must have the same "
                                   f"length (got {len(s)} and {len(dims)})")
    elif s is not None:
        if len(s) > x.ndim:
            raise RuntimeError(f"Got shape with {len(s)} values but input tensor only has "
                               f"{x.ndim} dimensions.")
        dims = tuple(range(x.ndim - len(s), x.ndim))
    else:
        dims = tuple(range(x.ndim))
    if s is None:
        sizes = tuple(x.shape[d] for d in dims)
    else:
        sizes = tuple(x.shape[d] if n == -1 and n.__class__ is not _OneDimN else _size(n)
                      for d, n in zip(dims, s))
    for n in sizes:
        if n < 1:
            raise RuntimeError(f"Invalid number of data points ({n}) specified")
    return dims, sizes


def _dims_first(name, x, s, dim):
    """The 2-D and n-D transforms check their dims before the dtype (PyTorch canonicalizes them
    first; a 0-d or 1-D input, or a dim out of range, is an IndexError even in float16)."""
    if isinstance(x, Tensor):
        _dims_sizes(x, s, dim, name)


def _out(res, out):
    if out is None:
        return res
    if not isinstance(out, Tensor):
        raise TypeError(f"out must be a Tensor, not {type(out).__name__}")
    if out.dtype != res.dtype:
        raise RuntimeError(f"Expected out tensor to have dtype {res.dtype}, but got {out.dtype} "
                           f"instead")
    if tuple(out.shape) != tuple(res.shape):
        out.resize_(tuple(res.shape))
    out.copy_(res)
    return out


# ---------------------------------------------------------------- the transforms
def _c2c(name, input, s, dim, norm, inverse, out):
    x = _as_complex(name, _tensor(name, input))
    dims, sizes = _dims_sizes(x, s, dim, name)
    return _out(apply1(F.FFTN, x, (dims, sizes, _norm(norm), inverse)), out)


class _OneDimN(int):
    """A 1-D transform's ``n`` (-1 is refused as any n < 1, not "the input's size" as in an
    n-d ``s``), checked with the sizes: after the dim and the dtype, as PyTorch."""

    __slots__ = ()


def _n(n):
    """A 1-D transform's ``n`` as the ``s`` of the n-d code (an int: PyTorch's TypeError for a
    float or a bool)."""
    if isinstance(n, Tensor) and n.ndim == 0 and n.dtype.kind in "iu":  # (an int to PyTorch)
        n = int(n.item())
    if n is not None and (not isinstance(n, numbers.Integral) or isinstance(n, bool)):
        raise TypeError(f"fft: argument 'n' must be int, not {type(n).__name__}; pass the "
                        f"number of points as an int")
    return None if n is None else (_OneDimN(n),)


def fft(input, n=None, dim=-1, norm=None, *, out=None):
    """The 1-D discrete Fourier transform along ``dim``."""
    return _c2c("fft", input, _n(n), (dim,), norm, False, out)


def ifft(input, n=None, dim=-1, norm=None, *, out=None):
    """The inverse of :func:`fft`."""
    return _c2c("ifft", input, _n(n), (dim,), norm, True, out)


def fft2(input, s=None, dim=(-2, -1), norm=None, *, out=None):
    _dims_first("fft2", input, s, dim)
    return _c2c("fft2", input, s, dim, norm, False, out)


def ifft2(input, s=None, dim=(-2, -1), norm=None, *, out=None):
    _dims_first("ifft2", input, s, dim)
    return _c2c("ifft2", input, s, dim, norm, True, out)


def fftn(input, s=None, dim=None, norm=None, *, out=None):
    _dims_first("fftn", input, s, dim)
    return _c2c("fftn", input, s, dim, norm, False, out)


def ifftn(input, s=None, dim=None, norm=None, *, out=None):
    _dims_first("ifftn", input, s, dim)
    return _c2c("ifftn", input, s, dim, norm, True, out)


def _r2c(name, x, s, dim, norm, forward=True):
    """rfftn: an r2c along the last dim, then c2c over the others (``forward=False``: the
    conjugate transform of ihfftn)."""
    x = _as_real(name, _tensor(name, x))
    dims, sizes = _dims_sizes(x, s, dim, name)
    if not dims:
        raise RuntimeError(f"{name} must transform at least one axis")
    norm = _norm(norm)
    y = apply1(F.RFFT, x, (dims[-1], sizes[-1], norm if forward else F.dual_norm(norm)))
    if not forward:
        y = y.conj()
    if len(dims) > 1:
        y = apply1(F.FFTN, y, (dims[:-1], sizes[:-1], norm, not forward))
    return y


def _c2r(name, x, s, dim, norm, forward=False):
    """irfftn: c2c over all but the last dim, then a c2r along it (``forward=True``: hfftn, the
    transform of the conjugate)."""
    x = _as_complex(name, _tensor(name, x))
    if s is None and dim is not None and not isinstance(dim, numbers.Integral):
        dims, _ = _dims_sizes(x, None, dim, name)
        if not dims:
            raise RuntimeError(f"{name} must transform at least one axis")
        sizes = [x.shape[d] for d in dims]
        sizes[-1] = 2 * (sizes[-1] - 1)
    else:
        dims, sizes = _dims_sizes(x, s, dim, name)
        sizes = list(sizes)
        if dims and (s is None or (isinstance(s, (tuple, list)) and s[-1] == -1)):
            sizes[-1] = 2 * (x.shape[dims[-1]] - 1)
    if not dims:
        raise RuntimeError(f"{name} must transform at least one axis")
    if sizes[-1] < 1:
        raise RuntimeError(f"Invalid number of data points ({sizes[-1]}) specified")
    norm = _norm(norm)
    if forward:
        x = x.conj()
    if len(dims) > 1:
        x = apply1(F.FFTN, x, (dims[:-1], tuple(sizes[:-1]), norm if not forward
                               else F.dual_norm(norm), True))
    return apply1(F.IRFFT, x, (dims[-1], sizes[-1], norm if not forward else F.dual_norm(norm)))


def rfft(input, n=None, dim=-1, norm=None, *, out=None):
    """The 1-D transform of a real input: the ``n // 2 + 1`` non-negative frequencies."""
    return _out(_r2c("rfft", input, _n(n), (dim,), norm), out)


def irfft(input, n=None, dim=-1, norm=None, *, out=None):
    """The inverse of :func:`rfft`: a real signal of ``n`` points (default ``2 * (m - 1)``)."""
    _tensor("irfft", input)
    return _out(_c2r("irfft", input, _n(n), (dim,), norm), out)


def rfft2(input, s=None, dim=(-2, -1), norm=None, *, out=None):
    _dims_first("rfft2", input, s, dim)
    return _out(_r2c("rfft2", input, s, dim, norm), out)


def irfft2(input, s=None, dim=(-2, -1), norm=None, *, out=None):
    _dims_first("irfft2", input, s, dim)
    return _out(_c2r("irfft2", input, s, dim, norm), out)


def rfftn(input, s=None, dim=None, norm=None, *, out=None):
    _dims_first("rfftn", input, s, dim)
    return _out(_r2c("rfftn", input, s, dim, norm), out)


def irfftn(input, s=None, dim=None, norm=None, *, out=None):
    _dims_first("irfftn", input, s, dim)
    return _out(_c2r("irfftn", input, s, dim, norm), out)


def hfft(input, n=None, dim=-1, norm=None, *, out=None):
    """The transform of a Hermitian-symmetric signal given by its first half: a real result."""
    return _out(_c2r("hfft", input, _n(n), (dim,), norm, True), out)


def ihfft(input, n=None, dim=-1, norm=None, *, out=None):
    """The inverse of :func:`hfft` of a real input: ``n // 2 + 1`` complex values."""
    return _out(_r2c("ihfft", input, _n(n), (dim,), norm, False), out)


def hfft2(input, s=None, dim=(-2, -1), norm=None, *, out=None):
    _dims_first("hfft2", input, s, dim)
    return _out(_c2r("hfft2", input, s, dim, norm, True), out)


def ihfft2(input, s=None, dim=(-2, -1), norm=None, *, out=None):
    _dims_first("ihfft2", input, s, dim)
    return _out(_r2c("ihfft2", input, s, dim, norm, False), out)


def hfftn(input, s=None, dim=None, norm=None, *, out=None):
    _dims_first("hfftn", input, s, dim)
    return _out(_c2r("hfftn", input, s, dim, norm, True), out)


def ihfftn(input, s=None, dim=None, norm=None, *, out=None):
    _dims_first("ihfftn", input, s, dim)
    return _out(_r2c("ihfftn", input, s, dim, norm, False), out)


# ---------------------------------------------------------------- frequencies and shifts
def _freq_dtype(dtype):
    d = _dtype.get_default_dtype() if dtype is None else _dtype.to_dtype(dtype)
    return d


def fftfreq(n, d=1.0, *, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    """The sample frequencies of an ``n``-point transform: ``[0, 1, ..., -1] / (d * n)``."""
    from ..factories import tensor
    dt = _freq_dtype(dtype)
    if n < 0:
        raise RuntimeError(f"fftfreq: Trying to create tensor with negative dimension {n}: "
                           f"[{n}]; n is the transform's length")
    vals = np.concatenate([np.arange(0, (n - 1) // 2 + 1), np.arange(-(n // 2), 0)])
    arr = vals.astype(np.float64) * _freq_scale(n, d)
    res = tensor(arr.astype(dt.dtype) if not dt.is_complex else arr.astype(dt.dtype),
                 dtype=dt, requires_grad=requires_grad)
    return _out(res, out)


def rfftfreq(n, d=1.0, *, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    """The sample frequencies of :func:`rfft`: ``[0, 1, ..., n // 2] / (d * n)``."""
    from ..factories import tensor
    dt = _freq_dtype(dtype)
    count = int(n / 2) + 1 if isinstance(n, numbers.Integral) else n // 2 + 1  # (C's n / 2)
    if count < 0:
        raise RuntimeError(f"rfftfreq: upper bound and larger bound inconsistent with step sign "
                           f"(n={n}); n is the transform's length")
    arr = np.arange(0, count).astype(np.float64) * _freq_scale(n, d)
    res = tensor(arr.astype(dt.dtype), dtype=dt, requires_grad=requires_grad)
    return _out(res, out)


def _freq_scale(n, d):
    """``1 / (n * d)`` in C's double arithmetic, as PyTorch: inf where ``n * d`` is 0 (and then
    NaN for the zero frequency), not Python's ZeroDivisionError."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.float64(1.0) / (np.float64(n) * np.float64(d))


def _shift(name, input, dim, sign):
    x = _tensor(name, input)
    if x.ndim == 0 and dim is not None and (isinstance(dim, numbers.Integral) or len(dim)):
        first = dim if isinstance(dim, numbers.Integral) else dim[0]
        raise IndexError(f"{name}: Dimension specified as {first} but tensor has no dimensions; "
                         f"give a tensor of at least 1 dimension")
    if dim is None:
        dims = tuple(range(x.ndim))
    elif isinstance(dim, numbers.Integral):
        dims = (_wrap_dim(x, dim),)
    else:
        dims = tuple(_wrap_dim(x, d) for d in dim)
    if not dims:  # (a roll over no dims, as PyTorch's)
        raise RuntimeError(f"{name}: `shifts` required: no dims to shift (input of shape "
                           f"{tuple(x.shape)}, dim={dim!r}); give a tensor of at least 1 "
                           f"dimension")
    shifts = tuple((x.shape[d] // 2) if sign > 0 else -(x.shape[d] // 2) for d in dims)
    return x.roll(shifts, dims)


def fftshift(input, dim=None):
    """The zero frequency moved to the centre (a roll by ``n // 2`` along each dim)."""
    return _shift("fftshift", input, dim, 1)


def ifftshift(input, dim=None):
    """The inverse of :func:`fftshift`."""
    return _shift("ifftshift", input, dim, -1)
