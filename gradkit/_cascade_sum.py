"""Floating-point sums in the order PyTorch's CPU kernel adds them.

A float32 sum rounds after every addition, so its last bits depend on the order of the
additions. NumPy adds pairwise in blocks of eight; PyTorch's CPU kernel (its "cascade sum")
adds in SIMD lanes, four vectors at a time, in chunks of 16 rows whose sums move up through
three more levels, and finishes each lane and the leftover elements one by one. The two orders
give results a few units in the last place apart, which is enough to make a printed
``loss.item()`` (17 significant digits) differ after the first optimizer step of an ordinary
linear-regression script. This module reproduces PyTorch's order with a few NumPy reductions
arranged so that each of them adds sequentially:

* a reduction over an axis that is not the innermost one adds row after row (NumPy's
  reduction loop then runs over the kept lanes), and
* ``cumsum`` adds one element after another.

What is reproduced: float32 and float64 sums (and means, which PyTorch computes as the sum
divided by the count) over any set of dims of a tensor with positive strides (contiguous,
transposed, channels-last, sliced), with PyTorch's choice of kernel by layout (contiguous
inner rows, rows over contiguous columns, strided rows), its lane count (8 float32 lanes on
x86 CPUs with AVX2, AVX-512 ones included: measured) and its accumulation of further reduced
dims into the output. A sum of everything of 32768 elements or more is split, as PyTorch
splits it, into one chunk per thread (``get_num_threads()``), the chunks' sums then added.
Reductions of more than ``MAX_ELEMENTS`` elements, half precision, complex, zero or negative
strides, CPUs without AVX2 and Pyodide keep NumPy's sum (:func:`cascade_sum` returns None).
"""

from __future__ import annotations

import os

import numpy as np

from ._exact_float32 import EXACT_MAX

__all__ = ["batch_cascade", "cascade_sum", "row_sums"]

def _lane_bytes() -> int:
    """The width in bytes of the vectors PyTorch's CPU sum adds in here: 32 on x86 CPUs with
    AVX2, or 0 where its order is not followed (other CPUs, WebAssembly)."""
    if os.environ.get("GRADKIT_TORCH_SUM_ORDER", "1") == "0":
        return 0
    try:
        from numpy._core._multiarray_umath import __cpu_features__ as feats
    except ImportError:  # (older NumPy)
        try:
            from numpy.core._multiarray_umath import __cpu_features__ as feats
        except ImportError:
            return 0
    if not feats.get("AVX2") or not feats.get("FMA3"):
        return 0
    if os.environ.get("ATEN_CPU_CAPABILITY", "").lower() == "default":  # PyTorch's override
        return 0
    return 32  # (PyTorch's sum adds in 8 float32 lanes on AVX-512 CPUs too, measured)


lane_bytes = _lane_bytes()


def _vector_bytes() -> int:
    """The vector width of PyTorch's other CPU kernels here (softmax's row sums): 64 bytes
    on CPUs with AVX-512 (F, BW, VL, DQ), else 32; 0 where ``lane_bytes`` is 0."""
    if not lane_bytes:
        return 0
    if os.environ.get("ATEN_CPU_CAPABILITY", "").lower() == "avx2":
        return 32
    from numpy._core._multiarray_umath import __cpu_features__ as feats

    return 64 if all(feats.get(f) for f in ("AVX512F", "AVX512BW", "AVX512VL",
                                            "AVX512DQ")) else 32


vector_bytes = _vector_bytes()


# Larger reductions keep NumPy's pairwise order: PyTorch's order costs a dozen or more NumPy
# calls whose inner loops run over one row of lanes (32 float32): 10-40 us against 1-3, paid
# where the sums are small enough to be printed (a loss over a batch, a tutorial's tensor).
MAX_ELEMENTS = 2048
_GRAIN = 32768  # PyTorch's grain: a reduction this large is shared among its threads


def _threads() -> int:
    from ._runtime import get_num_threads

    return get_num_threads()


def _ceil_log2(n: int) -> int:
    return 0 if n <= 1 else (n - 1).bit_length()


def _seq(x, ax):
    """``x`` summed over its axis ``ax`` (negative: the axes after it are lanes, at least two
    elements of them) one row after another."""
    k = x.shape[ax]
    if k == 1:
        return x[(Ellipsis, 0) + (slice(None),) * (-ax - 1)]
    if k == 0:
        return np.zeros(x.shape[:ax] + x.shape[ax:][1:], x.dtype)
    return np.add.reduce(x, axis=ax)


def _chunks(x, ax, step):
    """Sums of consecutive groups of ``step`` rows along ``ax`` (whole groups only)."""
    g = x.shape[ax] // step
    shape = x.shape[:ax] + (g, step) + x.shape[ax:][1:]
    return np.add.reduce(x.reshape(shape), axis=ax)


def _rows(x, ax, start, stop=None):
    return x[(Ellipsis, slice(start, stop)) + (slice(None),) * (-ax - 1)]


def _multi_row(x, ax):
    """PyTorch's cascade down the rows (axis ``ax``) of ``x``, each lane on its own: rows
    summed in chunks of ``step`` (16 below 2**20 rows), the chunk sums accumulated in a second
    level that moves up to a third after ``step`` chunks, and so on for four levels; then the
    unfinished levels added to the leftover rows' sum, lowest level first."""
    m = x.shape[ax]
    if m < 16:
        return _seq(x, ax)
    step = 1 << max(4, _ceil_log2(m) // 4)
    full = m // step
    acc = _seq(_rows(x, ax, full * step), ax)
    level = _chunks(_rows(x, ax, 0, full * step), ax, step)
    for _ in range(2):  # the second and third levels flush upward every `step` entries
        g = level.shape[ax] // step
        acc = acc + _seq(_rows(level, ax, g * step), ax)
        if not g:
            return acc
        level = _chunks(_rows(level, ax, 0, g * step), ax, step)
    return acc + _seq(level, ax)  # the fourth level keeps everything it receives


def _row_sum(x):
    """PyTorch's ``row_sum`` down the rows (axis -2) of ``x`` (..., n, L), lane by lane: four
    interleaved partial sums (rows 4i, 4i+1, 4i+2, 4i+3) each through the cascade, the
    leftover rows added to the first, then the other three added to it in turn."""
    n = x.shape[-2]
    s = n // 4
    if s:
        part = _multi_row(x[..., :s * 4, :].reshape(x.shape[:-2] + (s, 4, x.shape[-1])), -3)
        acc = part[..., 0, :]
    else:
        acc = np.zeros(x.shape[:-2] + x.shape[-1:], x.dtype)
    for i in range(s * 4, n):
        acc = acc + x[..., i, :]
    if s:
        acc = acc + part[..., 1, :]
        acc += part[..., 2, :]
        acc += part[..., 3, :]
    return acc


def _inner(x, lanes):
    """Sums of the contiguous rows of ``x`` (..., n): PyTorch's vectorized inner sum for rows
    of at least one vector, its scalar row sum for shorter ones."""
    n = x.shape[-1]
    if n < lanes:
        return _row_sum(x[..., None])[..., 0]
    nv = n // lanes
    vec = _row_sum(x[..., :nv * lanes].reshape(x.shape[:-1] + (nv, lanes)))
    # the elements past the last whole vector first, then the vector's lanes, one by one
    if nv * lanes < n:
        vec = np.concatenate((x[..., nv * lanes:], vec), axis=-1)
    return np.add.accumulate(vec, axis=-1)[..., -1]


def _short_row_sum(x, lanes):
    """``_inner`` of one contiguous row of fewer than 16 blocks of four vectors (512 float32:
    no cascade levels),
    in fewer NumPy calls: the four interleaved partial vectors, the leftover vectors, the
    lanes and the leftover elements, each added one after another."""
    n = x.size
    if n < lanes:  # PyTorch's scalar row sum: four interleaved partials, then the rest
        if n <= 4:
            return np.add.accumulate(x)[-1] if n > 1 else x[0]
        acc = x[0]
        for i in range(4, n):
            acc = acc + x[i]
        return ((acc + x[1]) + x[2]) + x[3]
    nv = n // lanes
    s = nv // 4
    width = 4 * lanes
    if s:
        block = x[:s * width].reshape(s, width)
        part = np.add.reduce(block, axis=0) if s > 1 else block[0].copy()
        vec = part[:lanes]
        for i in range(4 * s, nv):
            vec = vec + x[i * lanes:(i + 1) * lanes]
        vec = vec + part[lanes:2 * lanes]
        vec += part[2 * lanes:3 * lanes]
        vec += part[3 * lanes:]
    else:
        vec = x[:lanes]
        for i in range(1, nv):
            vec = vec + x[i * lanes:(i + 1) * lanes]
    if nv * lanes < n:
        vec = np.concatenate((x[nv * lanes:], vec))
    return np.add.accumulate(vec)[-1]


def _outer(x, lanes):
    """Sums down the rows of ``x`` (..., n, C) whose C columns are contiguous: the columns in
    whole blocks of four vectors (four columns where a row is shorter than a vector) each
    through the cascade; the remaining columns through ``row_sum``."""
    c = x.shape[-1]
    block = 4 * lanes if lanes and c >= lanes else 4
    c1 = (c // block) * block
    if c1 == c:
        return _multi_row(x, -2)
    if c1 == 0:
        return _row_sum(x)
    return np.concatenate((_multi_row(x[..., :c1], -2), _row_sum(x[..., c1:])), axis=-1)


def _iteration_dims(a, reduced):
    """PyTorch's iteration order for the reduction: dims of more than one element, innermost
    first: the reduced ones by their input stride, then the kept ones by the (contiguous)
    output's, each as [size, stride, reduced?], neighbours merged where the input's strides
    let one loop cover both (as its iterator coalesces them). None for overlapping or
    reversed layouts (a zero or negative stride)."""
    dims = [d for d in range(a.ndim) if a.shape[d] != 1]
    if any(a.strides[d] <= 0 for d in dims):
        return None
    red = sorted((d for d in dims if d in reduced), key=lambda d: (a.strides[d], -d))
    kept = [d for d in reversed(dims) if d not in reduced]
    out: list[list] = []
    order: list[list[int]] = []
    for d in red + kept:
        r = d in reduced
        if out and out[-1][2] == r and out[-1][0] * out[-1][1] == a.strides[d]:
            out[-1][0] *= a.shape[d]
            order[-1].append(d)
        else:
            out.append([a.shape[d], a.strides[d], r])
            order.append([d])
    return out, order


def cascade_sum(a, axis, keepdims):
    """``a`` summed over ``axis`` (a tuple of non-negative dims, or None for all) in PyTorch's
    CPU order, as a float32/float64 array shaped as NumPy's ``sum(a, axis, keepdims=...)``;
    None where the order is not followed (see the module's docstring)."""
    if not lane_bytes or type(a) is not np.ndarray or not 0 < a.size <= MAX_ELEMENTS:
        return None
    dt = a.dtype
    if dt.kind != "f" or dt.itemsize not in (4, 8) or not dt.isnative:
        return None
    lanes = lane_bytes // dt.itemsize
    if (axis is None or len(axis) == a.ndim) and a.flags.c_contiguous and a.size < 64 * lanes:
        # (the common case, a loss or a printed total: one row, fewer levels and calls)
        s = _short_row_sum(a.reshape(-1), lanes) + dt.type(0)
        return np.asarray(s).reshape((1,) * a.ndim if keepdims else ())
    reduced = set(range(a.ndim)) if axis is None else {d % a.ndim for d in axis}
    found = _iteration_dims(a, reduced)
    if found is None:
        return None
    dims, order = found
    shape = [1 if d in reduced else a.shape[d] for d in range(a.ndim)] if keepdims else \
        [a.shape[d] for d in range(a.ndim) if d not in reduced]
    if not dims or not dims[0][2]:  # nothing to add up: each output is 0 + its element
        return np.ascontiguousarray(a + dt.type(0)).reshape(shape)
    # a view with the merged dims, outermost first (the loops' order reversed)
    flat = [d for group in reversed(order) for d in reversed(group)]
    rest = [d for d in range(a.ndim) if a.shape[d] == 1]
    x = np.transpose(a, flat + rest).reshape([g[0] for g in reversed(dims)])
    item = dt.itemsize
    threads = _threads() if a.size >= _GRAIN and all(g[2] for g in dims) else 1
    if threads > 1:  # (reached only with MAX_ELEMENTS raised past the grain, as the tests do)
        # one output, its elements split over the threads (PyTorch's two passes)
        if len(dims) > 1:
            return None  # (the split cuts through rows of a strided view: not followed)
        used = min(threads, -(-a.size // _GRAIN))
        chunk = -(-a.size // used)
        buf = np.zeros(threads, dt)
        for t in range(used):
            buf[t] = _inner(x[t * chunk:(t + 1) * chunk], lanes)
        return np.asarray(_inner(buf, lanes) + dt.type(0)).reshape(shape)
    size0, stride0 = dims[0][0], dims[0][1]
    second = dims[1] if len(dims) > 1 else None
    if stride0 == item and size0 >= lanes:  # contiguous rows of at least one vector
        part = _inner(x, lanes)
        inner_dims = 1
    elif second is not None and not second[2] and second[1] == item and second[0] >= lanes:
        part = _outer(np.swapaxes(x, -1, -2), lanes)  # rows over contiguous columns
        inner_dims = 2
    elif second is None or stride0 < second[1]:
        part = _row_sum(x[..., None])[..., 0]  # strided or short rows
        inner_dims = 1
    else:  # strided rows over strided columns
        part = _outer(np.swapaxes(x, -1, -2), 0)
        inner_dims = 2
    # `part` holds one sum per index of the outer dims (outermost first); the reduced ones
    # among them add into their output one after another, the innermost fastest
    outer = list(reversed(dims[inner_dims:]))
    if inner_dims == 2:
        outer.append(dims[1])
    kept_axes = [i for i, g in enumerate(outer) if not g[2]]
    red_axes = [i for i, g in enumerate(outer) if g[2]]
    if red_axes:
        part = np.transpose(part, kept_axes + red_axes)
        part = part.reshape(part.shape[:len(kept_axes)] + (-1,))
        part = np.add.accumulate(part, axis=-1)[..., -1]
    part = part + dt.type(0)  # (PyTorch's output starts at +0: a sum is never -0)
    return np.ascontiguousarray(part).reshape(shape)


def row_sums(e):
    """The sums of the rows of ``e`` (R, D), float32 or float64, as (R, 1), in the order of
    PyTorch's vectorized row reductions (softmax's and log-softmax's sum of exponentials):
    rows shorter than a vector one element after another; longer ones lane by lane over
    whole vectors, the leftover elements into the first lanes, then the lanes halved pairwise
    (``v[i] + v[i + half]``) down to one. None where that order is not followed (also for
    more than ``EXACT_MAX`` elements, whose exponentials are not PyTorch's anyway)."""
    if not vector_bytes or type(e) is not np.ndarray or e.ndim != 2 or e.size > EXACT_MAX:
        return None
    dt = e.dtype
    if dt.kind != "f" or dt.itemsize not in (4, 8) or not dt.isnative:
        return None
    lanes = vector_bytes // dt.itemsize
    r, d = e.shape
    if d < lanes:
        return np.add.accumulate(e, axis=1)[:, -1:] if d else np.zeros((r, 1), dt)
    n = d // lanes
    acc = np.add.reduce(e[:, :n * lanes].reshape(r, n, lanes), axis=1) if n > 1 \
        else e[:, :lanes].copy()
    if n * lanes < d:
        acc[:, :d - n * lanes] += e[:, n * lanes:]
    while acc.shape[1] > 1:
        half = acc.shape[1] // 2
        acc = acc[:, :half] + acc[:, half:]
    return acc


def batch_cascade(values):
    """The sum of the 1-D ``values`` (float32/float64) in the order of PyTorch's CPU
    ``nll_loss`` over a batch where every row counts: the first value goes straight to the top
    of its eight levels, the rest through the cascade of chunks of 16, and the levels are
    added at the end lowest first. None where the order is not followed."""
    if not lane_bytes or type(values) is not np.ndarray or values.ndim != 1 \
            or not 0 < values.size <= MAX_ELEMENTS:
        return None
    dt = values.dtype
    if dt.kind != "f" or dt.itemsize not in (4, 8) or not dt.isnative:
        return None
    pair = np.zeros((values.size - 1, 2), dt)  # (a second lane keeps NumPy's loop in order)
    pair[:, 0] = values[1:]
    return _multi_row(pair, -2)[0] + values[0]
