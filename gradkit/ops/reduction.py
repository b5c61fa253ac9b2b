"""Reductions and the softmax family: sum, mean, prod, amax/amin, norm, logsumexp, cumsum,
softmax, log_softmax.

Static arguments (``axis`` as a tuple or None, ``keepdims``, the input ``shape``) travel as op
parameters, so rules never need the input values unless the math does.
"""

from __future__ import annotations

import warnings

import numpy as np

from .._backend import namespace_of
from .._cascade_sum import cascade_sum, row_sums
from .._exact_float32 import kernel_exp
from ..autograd.graph import SAVES_INPUTS, SAVES_OUTPUT, Op, full_or_dim

__all__ = ["SUM", "MEAN", "PROD", "VAR", "AMAX", "AMIN", "MAX_ALL", "MIN_ALL", "LOGSUMEXP",
           "CUMSUM", "SOFTMAX", "LOG_SOFTMAX", "CUMPROD", "LOGCUMSUMEXP", "STD",
           "expand_reduced"]

_BOTH = SAVES_INPUTS | SAVES_OUTPUT
_ndarray = np.ndarray
_add_reduce = np.add.reduce


_F16 = np.dtype(np.float16)
_F32 = np.dtype(np.float32)


def _float16_in_float32(fn):
    """A forward rule whose float16 input is reduced in float32 and the result rounded once:
    PyTorch's CPU reductions (sum, mean, var, norm, softmax, log_softmax) accumulate float16
    in float32, where NumPy's float16 loops round every partial sum to half (prod multiplies
    in half and logsumexp is a composite of half ops in PyTorch: not these). Other dtypes pay
    one identity test."""
    def forward(xp, a, *params):
        if a.dtype is _F16:
            out = fn(xp, a.astype(_F32), *params)
            return out.astype(_F16)
        return fn(xp, a, *params)

    forward.__name__ = fn.__name__
    forward.__wrapped__ = fn
    return forward


def kept_shape(shape, axis):
    """``shape`` with the reduced axes set to 1 (the keepdims shape)."""
    if axis is None:
        return (1,) * len(shape)
    return tuple(1 if i in axis else n for i, n in enumerate(shape))


def expand_reduced(xp, g, shape, axis, keepdims):
    """Broadcast a reduced gradient back over the reduced axes of ``shape``: a read-only view
    with stride 0 there, as PyTorch's ``expand``, whatever the size (``autograd.grad(x.sum(),
    x)`` has PyTorch's strides, and an elementwise rule after it follows its other operand's
    layout, as PyTorch's TensorIterator does: a channels-last input gets a channels-last
    gradient; a small row-major copy, about 5 us cheaper, made it row-major). (NumPy's
    ndarray constructor over the reduced gradient's buffer is as cheap as that copy, but kept
    memory per backward in a training loop: tests/autograd/test_anomaly_memory.py.)"""
    if type(g) is _ndarray:
        if not keepdims:
            g = g.reshape(kept_shape(shape, axis))
        return np.broadcast_to(g, shape)
    if not keepdims:
        g = xp.reshape(g, kept_shape(shape, axis))
    return xp.broadcast_to(g, shape)


def _count(shape, axis):
    n = 1
    for i, s in enumerate(shape):
        if axis is None or i in axis:
            n *= s
    return n


def _sum_f(xp, a, axis, keepdims, shape):
    # the input's dtype (NumPy would widen int32 to int64; the caller picks the accumulator)
    if type(a) is _ndarray:  # what np.sum calls, without its Python wrappers
        if a.dtype is _F16:  # accumulated in float32, rounded once (as PyTorch's kernel)
            return _add_reduce(a, axis, _F32, None, keepdims).astype(_F16)
        if a.dtype.kind == "f":  # float32/float64 added in PyTorch's order, where followed
            s = cascade_sum(a, axis, keepdims)
            if s is not None:
                return s
        return _add_reduce(a, axis, a.dtype, None, keepdims)
    return xp.sum(a, axis=axis, keepdims=keepdims, dtype=getattr(a, "dtype", None))


def _sum_b(xp, g, ins, out, aux, needs):
    axis, keepdims, shape = aux
    return (expand_reduced(xp, g, shape, axis, keepdims),)


@_float16_in_float32
def _mean_f(xp, a, axis, keepdims, shape):
    if a.size == 0:  # NaN where nothing is averaged, quietly as PyTorch (NumPy's "Mean of
        # empty slice" comes from numpy's own module, out of gradkit's import-time filter)
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore", RuntimeWarning)
            return xp.mean(a, axis=axis, keepdims=keepdims)
    if type(a) is _ndarray and a.dtype.kind == "f":  # PyTorch's: the sum, then divided
        s = cascade_sum(a, axis, keepdims)
        if s is not None:
            return s / s.dtype.type(_count(shape, axis))
    return xp.mean(a, axis=axis, keepdims=keepdims)


def _mean_b(xp, g, ins, out, aux, needs):
    axis, keepdims, shape = aux
    n = _count(shape, axis)
    # (divided by n, as PyTorch's mean_backward, then broadcast: PyTorch's gradient is a
    # stride-0 view, see expand_reduced)
    g = g / n if n else g * float("nan")
    if isinstance(g, np.generic):
        g = np.asarray(g)  # (a 0-d gradient scaled is a NumPy scalar)
    return (expand_reduced(xp, g, shape, axis, keepdims),)


def _var_in_double(a, axis, keepdims, shape, denom):
    """The float64 variance of a float32 array, as PyTorch's CPU kernels accumulate it: over
    every element, the deviations (in float64) from the float32 mean; over some dims, Welford's
    running moments in float64 (here two passes in float64, which round to the same float32
    but where a slice's mean is far larger than its spread)."""
    if axis is None or len(axis) == len(shape):
        m = _mean_f(np, a, axis, True, shape).astype(np.float64)
        d = a.astype(np.float64) - m
    else:
        d = a.astype(np.float64)
        d -= d.mean(axis=axis, keepdims=True)
    d *= d
    return np.asarray(np.add.reduce(d, axis=axis, keepdims=keepdims) / denom)


def _in_double(a, axis, shape, denom):
    """Whether the variance of ``a`` is accumulated in float64 (a float32 NumPy array with
    elements to reduce and degrees of freedom left)."""
    return type(a) is _ndarray and a.dtype is _F32 and denom > 0 and _count(shape, axis) > 0


@_float16_in_float32
def _var_f(xp, a, axis, keepdims, shape, denom):
    if _in_double(a, axis, shape, denom):
        return _var_in_double(a, axis, keepdims, shape, denom).astype(_F32)
    if _count(shape, axis) == 0:  # an empty reduction: nan, whatever the correction
        with np.errstate(invalid="ignore"):
            return _sum_f(xp, a, axis, keepdims, shape) / 0.0
    d = a - _mean_f(xp, a, axis, True, shape)
    ss = _sum_f(xp, d * d, axis, keepdims, shape)
    # no degrees of freedom left: divided by max(0, N - correction) as PyTorch (inf, or nan
    # where the sum of squares is 0 or the reduction empty)
    if denom > 0:
        return ss / denom
    with np.errstate(divide="ignore", invalid="ignore"):
        return ss / 0.0


def _var_b(xp, g, ins, out, aux, needs):
    """PyTorch's var_backward: ``2 / (N - correction) * grad * (x - mean)`` (no term through
    the mean, which is 0 but NaN where an element is infinite); differentiable again."""
    axis, keepdims, shape, denom = aux
    a = ins[0]
    d = a - _mean_f(xp, a, axis, True, shape)
    # PyTorch's var_backward divides by N - correction itself: negative, or 0 (inf); its
    # order of rounding: (2 / dof) * grad, then times the deviation
    scale = 2.0 / denom if denom != 0 else float("inf")
    return (expand_reduced(xp, g * scale, shape, axis, keepdims) * d,)


def _std_f(xp, a, axis, keepdims, shape, denom):
    """std in one rounding, as PyTorch's kernel takes the root of its float64 variance."""
    if _in_double(a, axis, shape, denom):
        return np.sqrt(_var_in_double(a, axis, keepdims, shape, denom)).astype(_F32)
    return xp.sqrt(_var_f(xp, a, axis, keepdims, shape, denom))


def _std_b(xp, g, ins, out, aux, needs):
    """PyTorch's std_backward (``grad / (2 * std)``, 0 where the deviation is 0) into
    var_backward."""
    return _var_b(xp, xp.where(out == 0, 0.0, g / (out * 2)), ins, out, aux, needs)


def _prod_f(xp, a, axis, keepdims, shape):
    return xp.prod(a, axis=axis, keepdims=keepdims)


def _prod_b(xp, g, ins, out, aux, needs):
    # d prod / d x_i = the product of the other elements
    axis, keepdims, shape = aux
    a = ins[0]
    ge = expand_reduced(xp, g, shape, axis, keepdims)
    if a.ndim == 0:  # the product is x itself: the gradient passes (P / x is NaN at inf)
        return (ge,)
    if not (a == 0).any():
        return (ge * (xp.prod(a, axis=axis, keepdims=True) / a),)
    # with zeros, P / x_i is undefined: multiply the others explicitly (exact, and its own
    # derivative is right too, which the zero-count shortcuts are not)
    return (ge * _prod_of_others(xp, a, axis),)


def _prod_of_others(xp, a, axis):
    """For each element, the product of the other elements of its reduction group."""
    import numpy as np

    nd = a.ndim
    axes = tuple(range(nd)) if axis is None else tuple(axis)
    keep = [i for i in range(nd) if i not in axes]
    perm = keep + list(axes)
    at = xp.transpose(a, tuple(perm))
    lead = tuple(at.shape[:len(keep)])
    n = 1
    for i in axes:
        n *= a.shape[i]
    flat = xp.reshape(at, lead + (n,))
    # the product of the elements before i times that of the elements after i: exclusive
    # cumulative products from either end, O(n) and exact with zeros (no division)
    one = xp.ones_like(flat[..., :1])
    before = xp.cumprod(xp.concatenate([one, flat[..., :-1]], axis=-1), axis=-1)
    after = xp.flip(xp.cumprod(xp.concatenate([one, xp.flip(flat, -1)[..., :-1]], axis=-1),
                               axis=-1), -1)
    others = xp.reshape(before * after, tuple(at.shape))
    return xp.transpose(others, tuple(int(i) for i in np.argsort(perm)))


def _amax_f(xp, a, axis, keepdims, shape):
    return xp.amax(a, axis=axis, keepdims=keepdims)


def _amin_f(xp, a, axis, keepdims, shape):
    return xp.amin(a, axis=axis, keepdims=keepdims)


def _amax_b(xp, g, ins, out, aux, needs):
    # ties share the gradient evenly, as in PyTorch (a nan result matches no element: nan)
    axis, keepdims, shape = aux
    a = ins[0]
    o = expand_reduced(xp, out, shape, axis, keepdims)
    mask = a == o
    count = xp.sum(mask, axis=axis, keepdims=True)
    return (expand_reduced(xp, g, shape, axis, keepdims) * mask / count,)


def _max_all_b(xp, g, ins, out, aux, needs):
    # max()/min() of all elements: as amax, but a nan result is shared by the nan elements
    # (PyTorch's evenly_distribute_backward; its amax gives nan there)
    axis, keepdims, shape = aux
    a = ins[0]
    mask = (a == out) | ((a != a) & (out != out))
    return (g * mask / xp.sum(mask),)


def one_element_norm(xp, a, axis, keepdims, shape):
    """``|a|`` reduced where each norm takes one element (PyTorch's kernel gives it exactly,
    whatever ``p``, NaN too: ``(|a|^p)^(1/p)`` differs in the last bit, ``sqrt(a*a)``
    overflows); None otherwise."""
    if a.size and (a.size if axis is None else int(np.prod([shape[d] for d in axis]))) == 1:
        return xp.sum(xp.abs(a), axis=axis, keepdims=keepdims)
    return None


def _logsumexp_f(xp, a, axis, keepdims, shape):
    with np.errstate(divide="ignore"):  # log(0) = -inf: empty or all -inf slices
        if a.size == 0:  # (amax has no identity)
            s = xp.log(xp.sum(xp.exp(a), axis=axis, keepdims=True))
        else:
            m = xp.amax(a, axis=axis, keepdims=True)
            m = xp.where(xp.isfinite(m), m, 0.0)
            e = xp.exp(a - m)
            total = cascade_sum(e, axis, True) if type(e) is _ndarray else None
            s = xp.log(xp.sum(e, axis=axis, keepdims=True) if total is None else total) + m
    if not keepdims:
        s = xp.reshape(s, tuple(n for i, n in enumerate(s.shape)
                                if not (axis is None or i in axis)))
    return s


def _logsumexp_b(xp, g, ins, out, aux, needs):
    axis, keepdims, shape = aux
    a = ins[0]
    o = expand_reduced(xp, out, shape, axis, keepdims)
    return (expand_reduced(xp, g, shape, axis, keepdims) * xp.exp(a - o),)


def _cumsum(xp, a, axis):
    """A running sum; float32/float16 arrays accumulate in float64, as PyTorch's CPU scan (a
    float32 running sum of 1e6 values in [0, 1) is otherwise off by ~11, PyTorch's by ~0.02).
    Under create_graph ``xp.cumsum`` is the recorded op, which does the same."""
    if xp.name == "tensor":
        return xp.cumsum(a, axis=axis)
    with np.errstate(invalid="ignore", over="ignore"):  # (inf - inf is NaN, silently as PyTorch)
        if _scan_in_double(a):
            return xp.cumsum(a, axis=axis, dtype="float64").astype(a.dtype)
        return xp.cumsum(a, axis=axis)


def _cumsum_f(xp, a, axis):
    return _rowmajor(xp, _cumsum(xp, a, axis))  # PyTorch's kernel: row-major on any layout


def _cumsum_b(xp, g, ins, out, aux, needs):
    (axis,) = aux
    return (_reversed_cumsum(xp, g, axis),)


def _rowmajor(xp, a):
    """``a``, row-major: PyTorch's softmax kernels write a contiguous output (and gradient)
    whatever the input's layout (a transposed or channels-last input included)."""
    if not (isinstance(a, np.ndarray) or hasattr(a, "__cuda_array_interface__")) \
            or a.flags.c_contiguous:
        return a  # (row-major already; a Tensor under create_graph, sparse data: as they are)
    return xp.ascontiguousarray(a)


def _row_major_out(forward):
    """``forward`` whose result is row-major: PyTorch's reductions (keepdim or not) and
    scans write a contiguous output whatever the input's layout; NumPy's keeps the input's
    order of the remaining dims (a channels-last input's sum over H is not row-major)."""
    def row_major_forward(xp, a, *args):
        return _rowmajor(xp, forward(xp, a, *args))
    row_major_forward.__name__ = forward.__name__
    return row_major_forward


@_float16_in_float32
def _softmax_f(xp, a, axis):
    a = _rowmajor(xp, a)
    if a.size == 0:  # (amax has no identity) an empty input gives an empty output
        return a.copy()
    e = a - xp.amax(a, axis=axis, keepdims=True)
    k = kernel_exp(e)  # (small float32: SLEEF's exp, as PyTorch's softmax kernels)
    if k is None:
        xp.exp(e, out=e)
    else:
        e = k
    s = _last_dim_row_sums(e, axis)
    if s is not None:  # PyTorch's last-dim kernel: its sum's order, then times 1 / sum
        e *= s.dtype.type(1) / s
        return e
    e /= xp.sum(e, axis=axis, keepdims=True)
    return e


def _last_dim_row_sums(e, axis):
    """The sums along the last dim of ``e`` in PyTorch's order (``row_sums``), keepdims;
    None for other dims, layouts and sizes."""
    if type(e) is not _ndarray or (axis != -1 and axis != e.ndim - 1) or e.ndim == 0 \
            or not e.flags.c_contiguous:
        return None
    s = row_sums(e.reshape(-1, e.shape[-1]))
    return None if s is None else s.reshape(e.shape[:-1] + (1,))


def _softmax_b(xp, g, ins, out, aux, needs):
    (axis,) = aux
    go = g * out
    return (_rowmajor(xp, go - out * xp.sum(go, axis=axis, keepdims=True)),)


def _log_softmax_f(xp, a, axis):
    a = _rowmajor(xp, a)
    if a.size == 0:
        return a.copy()
    if a.dtype is _F16 or a.dtype.name == "bfloat16":
        # PyTorch's CPU kernels for half/bfloat16: in float32, the result rounded once; along
        # the last dim (its lastdim kernel) the sum of exponentials and then its log are
        # rounded to the input's dtype before the difference
        low = a.dtype
        f = a.astype(_F32)
        if axis != a.ndim - 1 and axis != -1:
            f -= xp.amax(f, axis=axis, keepdims=True)
            f -= xp.log(xp.sum(xp.exp(f), axis=axis, keepdims=True))
            return f.astype(low)
        s = f - xp.amax(f, axis=axis, keepdims=True)
        total = xp.sum(xp.exp(s), axis=axis, keepdims=True).astype(low).astype(_F32)
        s -= xp.log(total).astype(low).astype(_F32)
        return s.astype(low)
    s = a - xp.amax(a, axis=axis, keepdims=True)
    e = kernel_exp(s)  # (small float32: SLEEF's exp, as PyTorch's softmax kernels)
    if e is None:
        e = xp.exp(s)
    total = _last_dim_row_sums(e, axis)
    s -= xp.log(xp.sum(e, axis=axis, keepdims=True) if total is None else total)
    return s


def _log_softmax_b(xp, g, ins, out, aux, needs):
    (axis,) = aux
    return (_rowmajor(xp, g - xp.exp(out) * xp.sum(g, axis=axis, keepdims=True)),)


SUM = Op("Sum", _row_major_out(_sum_f), _sum_b, saves=0, aux_namer=full_or_dim("Sum"))
MEAN = Op("Mean", _row_major_out(_mean_f), _mean_b, saves=0, aux_namer=full_or_dim("Mean"))
PROD = Op("Prod", _row_major_out(_prod_f), _prod_b, aux_namer=full_or_dim("Prod"))
VAR = Op("Var", _row_major_out(_var_f), _var_b)
AMAX = Op("Amax", _row_major_out(_amax_f), _amax_b, saves=_BOTH)
AMIN = Op("Amin", _row_major_out(_amin_f), _amax_b, saves=_BOTH)
# max()/min() over everything are PyTorch's second overloads (the first takes a dim)
MAX_ALL = Op("Max", _amax_f, _max_all_b, saves=_BOTH, grad_name="MaxBackward1")
MIN_ALL = Op("Min", _amin_f, _max_all_b, saves=_BOTH, grad_name="MinBackward1")
LOGSUMEXP = Op("Logsumexp", _row_major_out(_logsumexp_f), _logsumexp_b, saves=_BOTH)
CUMSUM = Op("Cumsum", _cumsum_f, _cumsum_b, saves=0)
SOFTMAX = Op("Softmax", _softmax_f, _softmax_b, saves=SAVES_OUTPUT)
LOG_SOFTMAX = Op("LogSoftmax", _log_softmax_f, _log_softmax_b, saves=SAVES_OUTPUT)


def _scan_in_double(a):
    """Whether a scan of ``a`` accumulates in float64, as PyTorch's CPU scans do for float32
    and float16 (a float32 running product over 1e5 elements drifts by ~1e-5 otherwise)."""
    return a.dtype.kind == "f" and a.dtype.itemsize < 8


def _cumprod_f(xp, a, axis):
    with np.errstate(invalid="ignore", over="ignore"):  # (inf * 0 is NaN, silently as PyTorch)
        if _scan_in_double(a):
            return xp.cumprod(a, axis=axis, dtype="float64").astype(a.dtype)
        return xp.cumprod(a, axis=axis)


def _cumprod_b(xp, g, ins, out, aux, needs):
    # a primitive, not a composite: exp(cumsum(log)) fails on zeros and negatives
    (axis,) = aux
    a = ins[0]
    if not (a == 0).any():
        # d out_k / d a_j = out_k / a_j for k >= j: a reversed cumsum
        return (_reversed_cumsum(xp, g * out, axis) / a,)
    if xp.name == "tensor":
        # create_graph: the O(n) rule's 0 past the first zero has the wrong derivative (that
        # zero is a factor of it); the O(n^2) products are exact to every order
        return (_cumprod_grad_with_zeros_recorded(xp, g, a, axis),)
    return (_cumprod_grad_with_zeros(xp, g, a, out, axis),)


def _reversed_cumsum(xp, x, axis):
    return xp.flip(_cumsum(xp, xp.flip(x, axis), axis), axis)


def _cumprod_grad_with_zeros(xp, g, a, out, axis):
    """grad_j = sum over k >= j of g_k * prod_{i <= k, i != j} a_i, in O(n) per slice (as
    PyTorch's first derivative): with z the first zero of the slice, every product for j > z
    holds a_z = 0, so

    - j < z: a_j != 0, the reversed cumsum of g * out over a_j (out_k = 0 from z on);
    - j = z: the reversed cumsum, from z on, of g times the cumprod with a_z set to 1;
    - j > z: 0.
    """
    import numpy as np

    data = getattr(a, "_data", a)
    host = np.asarray(data) if isinstance(data, (np.ndarray, np.generic)) else data.get()
    zero = host == 0
    n = host.shape[axis]
    first = np.where(zero.any(axis=axis, keepdims=True),
                     zero.argmax(axis=axis, keepdims=True), n)
    shape = [1] * host.ndim
    shape[axis] = n
    pos = np.arange(n).reshape(shape)
    before, at, after = pos < first, pos == first, pos >= first
    ns = namespace_of(data)
    if ns.name != "numpy":
        before, at, after = ns.asarray(before), ns.asarray(at), ns.asarray(after)
    others = xp.cumprod(xp.where(at, 1.0, a), axis=axis)  # a_z left out of the products
    g_before = _reversed_cumsum(xp, g * out, axis) / xp.where(before, a, 1.0)
    g_at = _reversed_cumsum(xp, xp.where(after, g * others, 0.0), axis)
    return xp.where(before, g_before, xp.where(at, g_at, 0.0))


def _cumprod_grad_with_zeros_recorded(xp, g, a, axis):
    """The same sum as :func:`_cumprod_grad_with_zeros` by products with a_j set to 1
    (O(n^2) along ``axis``; differentiable again, as each term keeps every factor)."""
    import numpy as np

    at = xp.swapaxes(a, axis, -1)
    gt = xp.swapaxes(g, axis, -1)
    n = at.shape[-1]
    eye = np.eye(n, dtype=bool)
    upper = np.triu(np.ones((n, n), dtype=bool))  # [j, k]: k >= j
    ns = namespace_of(getattr(at, "_data", at))
    if ns.name != "numpy":
        eye, upper = ns.asarray(eye), ns.asarray(upper)
    rows = xp.where(eye, 1.0, xp.expand_dims(at, -2))  # [..., j, k]: a_k, or 1 where k == j
    p = xp.cumprod(rows, axis=-1)
    grad = xp.sum(xp.where(upper, p * xp.expand_dims(gt, -2), 0.0), axis=-1)
    return xp.swapaxes(grad, axis, -1)


CUMPROD = Op("Cumprod", _row_major_out(_cumprod_f), _cumprod_b, saves=_BOTH)


def _logcumsumexp(xp, a, axis):
    if xp.name == "tensor":  # create_graph: the recorded op
        return xp.logcumsumexp(a, axis)
    if _scan_in_double(a):
        return xp.logaddexp.accumulate(a.astype("float64"), axis=axis).astype(a.dtype)
    return xp.logaddexp.accumulate(a, axis=axis)


def _logcumsumexp_f(xp, a, axis):
    return _logcumsumexp(xp, a, axis)


def _logcumsumexp_b(xp, g, ins, out, aux, needs):
    # a primitive: log(cumsum(exp(a))) underflows/overflows. grad_j = sum_{k >= j} g_k
    # exp(a_j - out_k), summed in log space for the positive and negative parts of g apart
    (axis,) = aux
    a = ins[0]
    live = out != -float("inf")  # where every earlier a is -inf: no contribution (NaN: NaN)
    grad = None
    for sign in (1.0, -1.0):
        part = (g * sign > 0) & live
        lg = xp.where(part, xp.log(xp.where(part, g * sign, 1.0)), -float("inf"))
        lg = xp.where(part, lg - xp.where(live, out, 0.0), -float("inf"))
        rev = xp.flip(_logcumsumexp(xp, xp.flip(lg, axis), axis), axis)
        term = xp.exp(a + rev) * sign
        grad = term if grad is None else grad + term
    return (grad,)


LOGCUMSUMEXP = Op("Logcumsumexp", _row_major_out(_logcumsumexp_f), _logcumsumexp_b, saves=_BOTH)
STD = Op("Std", _row_major_out(_std_f), _std_b, saves=_BOTH)
