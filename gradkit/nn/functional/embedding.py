"""Embedding lookup, bags of embeddings and one-hot encoding.

``embedding_bag``: sums, means or maxima of bags of embedding rows without building the
``(bags, bag_size, dim)`` intermediate (``torch.nn.functional.embedding_bag``).

The rows are looked up with :func:`gradkit.nn.functional.embedding` (its fused op and
``max_norm``/``scale_grad_by_freq``), then each bag is reduced by one segment sum (the
:data:`gradkit.ops.resample.RESAMPLE_T` scatter over the sorted bag ids, whose backward is a
gather); ``'max'`` gathers each bag's first maximal row per column.
"""

from __future__ import annotations

import numpy as np

from ... import _dtype as _dt
from ... import functions as _F
from ..._backend import namespace_of, to_host
from ..._tensor import Tensor, apply1, wrap
from ...autograd import grad_mode
from ...autograd.graph import rename
from ...functions._args import NotATensorError, _tensor_attr_arg
from ...ops import embedding as EM
from ...ops import resample as RS

__all__ = ["embedding", "embedding_bag", "one_hot"]


def _index_of(input, name: str) -> np.ndarray:
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(input).__name__}")
    idx = input._data
    if idx.dtype not in (np.int64, np.int32):
        raise RuntimeError(
            f"{name}: Expected tensor for argument #1 'indices' to have one of the following "
            f"scalar types: Long, Int; but got {input.dtype} instead (convert with .long())"
        )
    return idx


def embedding(input: Tensor, weight: Tensor, padding_idx: int | None = None,
              max_norm: float | None = None, norm_type: float = 2.0,
              scale_grad_by_freq: bool = False, sparse: bool = False) -> Tensor:
    """Rows of ``weight`` picked by the integer ``input``.

    Args:
        input: integer indices of any shape.
        weight: ``(num_embeddings, embedding_dim)``.
        padding_idx: this row receives no gradient.
        max_norm: rows looked up are renormalised in place to at most this norm.
        norm_type: the p of the norm for ``max_norm``.
        scale_grad_by_freq: divide each row's gradient by its count in the batch.
        sparse: the weight's gradient is a sparse COO tensor (as PyTorch's: uncoalesced, one
            entry per looked-up index, padding rows left out); with ``scale_grad_by_freq``
            the backward raises, as PyTorch's.

    Returns:
        ``(*input.shape, embedding_dim)``.
    """
    # PyTorch's Python code, in its order: padding_idx against weight.size(0) (a list weight
    # has no .size: AttributeError; out of range: AssertionError), then max_norm's
    # input.contiguous() and weight.detach(), then the binding's types (weight, then the
    # indices: TypeError)
    if padding_idx is not None and padding_idx != 0:
        if not isinstance(weight, Tensor):
            raise NotATensorError(f"embedding(): weight must be a Tensor (its number of rows "
                                  f"bounds padding_idx), got {type(weight).__name__}")
        if weight.ndim == 0:  # (weight.size(0) of a 0-d tensor)
            raise IndexError("embedding(): Dimension specified as 0 but tensor has no "
                             "dimensions: the weight must be 2-D (num_embeddings, "
                             "embedding_dim) to bound padding_idx, got a 0-d tensor")
        if not -weight.shape[0] <= padding_idx < weight.shape[0]:
            raise AssertionError(f"embedding(): Padding_idx must be within num_embeddings: got "
                                 f"padding_idx={padding_idx} for a weight of "
                                 f"{weight.shape[0]} rows")
    if max_norm is not None and not isinstance(input, Tensor):
        raise NotATensorError(f"embedding(): input must be a Tensor of indices with max_norm, "
                              f"got {type(input).__name__}; make one with gradkit.tensor(...)")
    if max_norm is not None and not isinstance(weight, Tensor):  # (then weight.detach())
        raise NotATensorError(f"embedding(): weight must be a Tensor to be renormed in place "
                              f"with max_norm, got {type(weight).__name__}")
    return _lookup(input, weight, padding_idx, max_norm, norm_type, scale_grad_by_freq, sparse)


def _lookup(input, weight, padding_idx, max_norm, norm_type, scale_grad_by_freq, sparse):
    """``embedding`` after its Python-level checks (``torch.embedding``'s face too)."""
    if not isinstance(weight, Tensor):
        raise TypeError(f"embedding(): argument 'weight' (position 2) must be Tensor, not "
                        f"{type(weight).__name__}")
    idx = _index_of(input, "embedding")
    if weight.ndim != 2:
        raise RuntimeError(f"embedding: 'weight' must be 2-D (num_embeddings, embedding_dim), "
                           f"got shape {tuple(weight.shape)}")
    n = weight.shape[0]
    if n == 0 and idx.size:  # PyTorch's index_select on an empty weight: RuntimeError
        if max_norm is not None:  # (its renorm selects the rows first: IndexError)
            raise IndexError(f"embedding: select(): index {int(idx.reshape(-1)[0])} out of "
                             f"range for the weight {tuple(weight.shape)}, which has no rows "
                             f"to renorm with max_norm")
        raise RuntimeError(f"embedding: index_select(): self indexing axis dim should be "
                           f"positive: the weight {tuple(weight.shape)} has no rows to look up "
                           f"indices in")
    if idx.size and not getattr(input, "is_meta", False) and (idx.min() < 0 or idx.max() >= n):
        bad = int(idx.max()) if idx.max() >= n else int(idx.min())
        raise IndexError(
            f"embedding: index {bad} is out of range for an Embedding with num_embeddings={n} "
            f"(valid indices are 0..{n - 1})"
        )
    if padding_idx is not None and padding_idx < 0:
        padding_idx += n
    if max_norm is not None:
        _renorm_rows(weight, idx, max_norm, norm_type)
    return apply1(EM.EMBEDDING, weight, (idx, padding_idx, bool(scale_grad_by_freq),
                                          tuple(weight.shape), bool(sparse)))


def _renorm_rows(weight, idx, max_norm, norm_type):
    rows = np.unique(idx.reshape(-1))
    if rows.size and not weight.is_floating_point():  # (PyTorch takes each row's norm)
        raise RuntimeError(f"embedding(): norm(): input dtype should be either floating point "
                           f"or complex, got a {weight.dtype} weight to renorm with max_norm; "
                           f"convert it, e.g. weight.float()")
    with grad_mode.no_grad():
        w = weight._data
        sel = w[rows]
        # (each row's vector norm, as PyTorch's: p = 0 counts the nonzero entries)
        if norm_type == float("inf"):
            norms = np.abs(sel).max(axis=1)
        elif norm_type == -float("inf"):
            norms = np.abs(sel).min(axis=1)
        elif norm_type == 0:
            norms = (sel != 0).sum(axis=1).astype(sel.dtype)
        else:
            with np.errstate(divide="ignore", over="ignore"):  # (|0| ** -1 is inf, as torch)
                norms = (np.abs(sel) ** norm_type).sum(axis=1) ** (1.0 / norm_type)
        big = norms > max_norm
        if big.any():
            # (the row's norm read as a double, as PyTorch's .item(): 1e-7 is not absorbed)
            scale = max_norm / (norms[big].astype(np.float64) + 1e-7)
            w[rows[big]] = sel[big] * scale[:, None].astype(w.dtype)
            weight._vc[0] += 1


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """An int64 tensor of shape ``(*tensor.shape, num_classes)`` with a 1 at each index.

    Args:
        tensor: non-negative integer class indices.
        num_classes: the number of classes; ``-1`` infers ``max + 1``.
    """
    if isinstance(tensor, Tensor) and tensor._data.dtype != np.int64:
        # (PyTorch's one_hot takes no int32 indices, unlike embedding)
        raise RuntimeError(f"one_hot is only applicable to index tensor of type LongTensor; "
                           f"got {tensor.dtype} (convert with .long())")
    idx = _index_of(tensor, "one_hot")
    if idx.size and idx.min() < 0:
        raise RuntimeError("one_hot: Class values must be non-negative.")
    if num_classes == -1:
        num_classes = int(idx.max()) + 1 if idx.size else 0
        if not idx.size:
            raise RuntimeError(
                "one_hot: Can not infer total number of classes from empty tensor."
            )
    elif idx.size and idx.max() >= num_classes:
        raise RuntimeError(
            f"one_hot: Class values must be smaller than num_classes ({num_classes}), got "
            f"{int(idx.max())}"
        )
    from ..._backend import namespace_of

    classes = namespace_of(idx).arange(num_classes)  # on the device of the indices
    # a new row-major tensor, as PyTorch's, whatever the layout of the indices
    return wrap((idx[..., None] == classes).astype(np.int64, order="C"))


_MODES = ("sum", "mean", "max")


def embedding_bag(input: Tensor, weight: Tensor, offsets: Tensor | None = None,
                  max_norm: float | None = None, norm_type: float = 2, scale_grad_by_freq=False,
                  mode: str = "mean", sparse: bool = False,
                  per_sample_weights: Tensor | None = None, include_last_offset: bool = False,
                  padding_idx: int | None = None) -> Tensor:
    """Reduce bags of rows of ``weight``: ``out[b] = reduce_{i in bag b} weight[input[i]]``.

    Args:
        input: ``(B, L)`` (one bag per row) or ``(M,)`` indices with ``offsets``.
        weight: ``(num_embeddings, D)``.
        offsets: with a 1-D input, the start of each bag (``(B,)``, or ``(B + 1,)`` ending with
            ``M`` when ``include_last_offset``).
        max_norm, norm_type, scale_grad_by_freq: as in :func:`embedding`.
        mode: ``'sum'``, ``'mean'`` or ``'max'`` (per column).
        sparse: the weight's gradient is a sparse COO tensor (not with ``mode='max'``).
        per_sample_weights: ``input``-shaped weights of each row (``mode='sum'`` only).
        include_last_offset: ``offsets`` has one more entry, the end of the last bag.
        padding_idx: entries equal to it are left out of their bag (and of its count).

    Returns:
        ``(B, D)``; an empty bag gives zeros.

    Note:
        With ``scale_grad_by_freq`` each row's gradient is divided by its index's count in the
        mini-batch, as :func:`embedding` does. PyTorch 2.13's CPU kernel divides some rows by
        another index's count (pytorch/pytorch#190063, fixed after 2.13); gradkit does not
        copy that.
    """
    # PyTorch's order: the Python checks of shapes and mode, then the kernel's of dtypes and
    # offsets (RuntimeError)
    who = "embedding_bag()"
    if sparse and mode == "max":
        raise ValueError("max mode does not support sparse weights (embedding_bag with "
                         "mode='max' needs sparse=False)")
    # PyTorch's Python function reads weight.dtype, then input and per_sample_weights only
    # when it needs them (input.is_floating_point() beside an int64 weight, the two sizes),
    # then weight.dim(), then input.dim(): a list there is its AttributeError (NotATensorError
    # is also a TypeError)
    _tensor_attr_arg(weight, "embedding_bag", "weight")
    if weight.dtype == _dt.int64 or per_sample_weights is not None:
        _tensor_attr_arg(input, "embedding_bag", "input")
    if per_sample_weights is not None:
        _tensor_attr_arg(per_sample_weights, "embedding_bag", "per_sample_weights")
        if tuple(per_sample_weights.shape) != tuple(input.shape):
            raise ValueError(f"{who}: per_sample_weights must have the input's shape "
                             f"{tuple(input.shape)}, got {tuple(per_sample_weights.shape)}")
    if weight.ndim != 2:
        raise ValueError(f"{who}: weight has to be a 2D Tensor (num_embeddings, embedding_dim), "
                         f"but got Tensor of dimension {weight.ndim}")
    _tensor_attr_arg(input, "embedding_bag", "input")
    idx = to_host(input._data)
    off = None
    if idx.ndim == 2:
        if offsets is not None:
            raise ValueError(f"{who}: offsets has to be None if input is 2-D (one bag per row), "
                             f"got input of shape {tuple(idx.shape)}")
        if input.dtype == _dt.bool or input.dtype.kind == "c":  # PyTorch's arange of offsets
            raise NotImplementedError(f'{who}: "arange_cpu" not implemented for {input.dtype} '
                                      f"(a 2-D input's bag offsets take its dtype); pass int64 "
                                      f"indices, e.g. input.long()")
        if idx.shape[1] == 0:  # PyTorch's bag offsets: arange(0, numel, step=bag length)
            raise RuntimeError(f"{who}: step must be nonzero: a 2-D input of shape "
                               f"{tuple(idx.shape)} has bags of no indices; pass a 1-D input "
                               f"with offsets for empty bags")
    elif idx.ndim == 1:
        if offsets is None:
            raise ValueError(f"{who}: offsets has to be a 1-D tensor for a 1-D input of shape "
                             f"{tuple(idx.shape)}")
        off = to_host(_tensor_attr_arg(offsets, "embedding_bag", "offsets")._data)
        if off.ndim != 1:
            raise ValueError(f"{who}: offsets has to be a 1-D tensor, got shape "
                             f"{tuple(off.shape)}")
    else:
        raise ValueError(f"{who} expects input of shape (B, L) or (M,) with offsets, got "
                         f"shape {tuple(idx.shape)}")
    if mode not in _MODES:
        raise ValueError(f"{who}: mode has to be one of 'sum', 'mean' or 'max', got {mode!r}")
    if max_norm is not None and idx.size and idx.dtype.kind in "iu":
        # PyTorch renorms the looked-up rows here, before the bag's checks: its select() of a
        # row past the weight (a negative one wraps) is an IndexError
        rows = weight.shape[0]
        far = idx[(idx >= rows) | (idx < -rows)]
        if far.size:
            raise IndexError(f"{who}: select(): index {int(far.reshape(-1)[0])} out of range "
                             f"for a weight of {rows} rows, to renorm with max_norm (valid "
                             f"indices: [0, {rows}))")
    if per_sample_weights is not None and mode != "sum":
        raise NotImplementedError(f"{who}: per_sample_weights are only supported for "
                                  f"mode='sum', got mode={mode!r}")
    for what, arr in (("indices", idx), ("offsets", off)):
        if arr is not None and arr.dtype not in (np.int64, np.int32):
            raise RuntimeError(f"{who}: Expected tensor for argument #1 '{what}' to have one of "
                               f"the following scalar types: Long, Int; but got {arr.dtype}")
    if not weight.is_floating_point():
        raise RuntimeError(f"{who}: Expected tensor for argument #1 'weight' to have one of the "
                           f"following scalar types: Half, BFloat16, Float, Double; but got "
                           f"{weight.dtype}")
    n_rows = weight.shape[0]
    if idx.ndim == 2:
        _same_weight_type(weight, per_sample_weights, who)
        bags, width = idx.shape
        starts = np.arange(bags, dtype=np.int64) * width
    else:
        off = off.astype(np.int64)
        if off.size and off[0] != 0:
            raise RuntimeError(f"{who}: offsets[0] has to be 0, i.e., the first sequence in the "
                               f"mini-batch has to start from position 0. However, got "
                               f"{int(off[0])}")
        if off.size and off[-1] > idx.size:
            raise RuntimeError(f"{who}: offsets[-1] can not be greater than input's length "
                               f"{idx.size} but got offsets[-1] of {int(off[-1])}")
        _same_weight_type(weight, per_sample_weights, who)
        if include_last_offset and off.size < 1:
            raise RuntimeError(f"{who}: include_last_offset: number of offset should be at "
                               f"least 1")
        if (np.diff(off) < 0).any():
            raise RuntimeError(f"{who}: offsets must be non-decreasing, got {off.tolist()}")
        if include_last_offset:
            # (an input past the last offset, which PyTorch documents as len(input), stays in
            # the last bag, as PyTorch's general kernel; see nn_fuzzer.ALLOW for its fast one)
            off = off[:-1]
        starts = off
        bags = off.size
    flat = idx.reshape(-1).astype(np.int64)
    if flat.size and (flat.min() < 0 or flat.max() >= n_rows):
        bad = int(flat.min()) if flat.min() < 0 else int(flat.max())
        raise RuntimeError(f"{who}: index {bad} is out of range for a weight of {n_rows} rows "
                           f"(valid indices: [0, {n_rows}))")
    bag_of = np.repeat(np.arange(bags), np.diff(np.append(starts, flat.size)))
    keep = np.ones(flat.size, dtype=bool)
    if padding_idx is not None:
        pad = padding_idx + n_rows if padding_idx < 0 else padding_idx
        keep = flat != pad
    psw = None
    if per_sample_weights is not None:
        psw = per_sample_weights.reshape(-1)
    kept = np.flatnonzero(keep)
    rows_idx = flat[kept]
    bag_ids = bag_of[kept]
    dev = namespace_of(weight._data)
    e = embedding(wrap(dev.asarray(rows_idx)), weight, None, max_norm, norm_type,
                  scale_grad_by_freq, sparse)  # (K, D)
    d = weight.shape[1]
    if mode == "max":  # PyTorch's node for every mode: EmbeddingBagBackward0
        return rename(_bag_max(e, bag_ids, bags, d, dev), "EmbeddingBagBackward0")
    if psw is not None:
        if not keep.all():
            psw = psw[wrap(dev.asarray(kept))]
        e = e * psw.reshape(-1, 1)
    ws = None
    if mode == "mean":
        counts = np.bincount(bag_ids, minlength=bags)
        ws = ((1.0 / np.maximum(counts, 1))[bag_ids].astype(weight._data.dtype),)
    return rename(apply1(RS.RESAMPLE_T, e, (0, bags, (bag_ids,), ws)), "EmbeddingBagBackward0")


def _same_weight_type(weight, per_sample_weights, who):
    """PyTorch's kernel wants per_sample_weights in the weight's dtype (no promotion)."""
    if per_sample_weights is not None and per_sample_weights.dtype != weight.dtype:
        raise RuntimeError(f"{who}: Expected tensor for argument #1 'weight' to have the same "
                           f"type as tensor for argument #1 'per_sample_weights'; but type "
                           f"{weight.dtype} does not equal {per_sample_weights.dtype}; convert "
                           f"them with per_sample_weights.to(weight.dtype)")


def _bag_max(e, bag_ids, bags, d, dev):
    """Each bag's maximum per column: the first maximal row's value (zeros for empty bags).
    As PyTorch's kernel (a bag's first row, then each row strictly greater), a NaN is the
    maximum only as a bag's first row: later NaNs never compare greater."""
    if bag_ids.size == 0:
        return e.sum(0, keepdim=True).reshape(1, d).expand(bags, d) * 0
    vals = to_host(e._data)
    starts = np.flatnonzero(np.concatenate(([True], bag_ids[1:] != bag_ids[:-1])))
    with np.errstate(invalid="ignore"):
        peak = np.fmax.reduceat(vals, starts, axis=0)  # (bags present, D), NaNs skipped
    run = np.repeat(np.arange(starts.size), np.diff(np.append(starts, bag_ids.size)))
    rows = np.where(vals == peak[run], np.arange(bag_ids.size)[:, None], bag_ids.size)
    first = np.minimum.reduceat(rows, starts, axis=0)  # (bags present, D) row of each max
    lead_nan = np.isnan(vals[starts])
    if lead_nan.any():
        first = np.where(lead_nan, starts[:, None], first)
    picked = _F.gather(e, 0, wrap(dev.asarray(first)))
    return apply1(RS.RESAMPLE_T, picked, (0, bags, (bag_ids[starts],), None))
