"""Variable-length sequences for the recurrent layers, as ``torch.nn.utils.rnn``.

A :class:`PackedSequence` holds a batch of sequences of different lengths without padding: the
batch is sorted by length (longest first), and ``data`` stacks, time step after time step, the
rows of the sequences still running at that step (``batch_sizes[t]`` of them). RNN, LSTM and GRU
accept one as input, and then each sequence's final state is the state after its own last step
(and the backward direction of a bidirectional layer starts there).

Examples:
    >>> padded = gk.randn(5, 3, 8)                        # (T, B, features), zero-padded
    >>> packed = pack_padded_sequence(padded, [5, 2, 4], enforce_sorted=False)
    >>> out, (h, c) = gk.nn.LSTM(8, 16)(packed)           # h[-1, b]: state at b's last step
    >>> out, lengths = pad_packed_sequence(out)            # (5, 3, 16), zeros past each length
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from ... import functions as F
from ..._tensor import Tensor, _make
from ...factories import full_like

__all__ = ["PackedSequence", "invert_permutation", "pack_padded_sequence", "pack_sequence",
           "pad_packed_sequence", "pad_sequence", "unpack_sequence", "unpad_sequence"]


def _index(arr) -> Tensor:
    return _make(np.asarray(arr, dtype=np.int64), False, None)


class PackedSequence(NamedTuple):
    """A batch of variable-length sequences (see the module docstring).

    Attributes:
        data: ``(sum of lengths, *)``: the rows of every running sequence, step after step.
        batch_sizes: int64 CPU tensor, how many sequences run at each step (non-increasing).
        sorted_indices: the batch order by decreasing length (None when the input was sorted).
        unsorted_indices: its inverse (None when the input was sorted).
    """

    data: Tensor
    batch_sizes: Tensor
    sorted_indices: Tensor | None = None
    unsorted_indices: Tensor | None = None

    def to(self, *args, **kwargs) -> PackedSequence:
        """``data.to(...)``; the batch sizes stay on the CPU, as in PyTorch."""
        data = self.data.to(*args, **kwargs)
        return self if data is self.data else self._replace(data=data)

    def cpu(self) -> PackedSequence:
        return self.to("cpu")

    def cuda(self, device=None) -> PackedSequence:
        return self.to("cuda" if device is None else device)

    def double(self) -> PackedSequence:
        return self.to(np.float64)

    def float(self) -> PackedSequence:
        return self.to(np.float32)

    @property
    def is_cuda(self) -> bool:
        return self.data.is_cuda


def invert_permutation(permutation: Tensor | None) -> Tensor | None:
    """The permutation that undoes ``permutation`` (None stays None)."""
    if permutation is None:
        return None
    perm = np.asarray(permutation.numpy() if isinstance(permutation, Tensor) else permutation)
    inv = np.empty_like(perm, dtype=np.int64)
    inv[perm] = np.arange(perm.size)
    return _index(inv)


def _lengths_array(lengths, name: str) -> np.ndarray:
    if isinstance(lengths, Tensor):
        arr = lengths.cpu().numpy() if lengths.is_cuda else lengths.numpy()
    else:
        arr = np.asarray(lengths)
    if arr.ndim != 1 or (arr.size and arr.dtype.kind not in "iu"):
        raise TypeError(f"{name}: lengths must be a 1-D sequence or tensor of integers, got "
                        f"{arr.dtype} of shape {arr.shape}")
    return arr.astype(np.int64)


def pack_padded_sequence(input: Tensor, lengths, batch_first: bool = False,
                         enforce_sorted: bool = True) -> PackedSequence:
    """Pack a padded batch of sequences (differentiable in ``input``).

    Args:
        input: ``(T, B, *)``, or ``(B, T, *)`` with ``batch_first``.
        lengths: each sequence's length (list or 1-D integer tensor), every one in ``1..T``.
        batch_first: the layout of ``input``.
        enforce_sorted: require ``lengths`` to be decreasing; with False the batch is sorted
            here and the order is kept in the result's ``sorted_indices``.
    """
    name = "pack_padded_sequence"
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}: input must be a Tensor, got {type(input).__name__}")
    if input.ndim < 2:
        raise ValueError(f"{name}: input must have a time and a batch dimension, got shape "
                         f"{tuple(input.shape)}")
    lens = _lengths_array(lengths, name)
    x = F.transpose(input, 0, 1) if batch_first else input
    T, B = x.shape[0], x.shape[1]
    if lens.size != B:
        raise ValueError(f"{name}: got {lens.size} lengths for a batch of {B} sequences "
                         f"(input shape {tuple(input.shape)}, batch_first={batch_first})")
    if B and lens.min() <= 0:
        raise RuntimeError(f"{name}: every length must be at least 1, got lengths "
                           f"{lens.tolist()}")
    if B and lens.max() > T:
        raise RuntimeError(f"{name}: a length of {int(lens.max())} exceeds the {T} time steps of "
                           f"the input (shape {tuple(input.shape)}, batch_first={batch_first})")
    sorted_idx = unsorted_idx = None
    if enforce_sorted:
        if np.any(np.diff(lens) > 0):
            raise RuntimeError(
                f"{name}: `lengths` array must be sorted in decreasing order when "
                f"`enforce_sorted` is True, got {lens.tolist()}. Pass enforce_sorted=False to "
                f"have the batch sorted for you (the order is undone on unpacking)."
            )
    else:
        order = np.argsort(-lens, kind="stable")
        sorted_idx, unsorted_idx = _index(order), invert_permutation(order)
        lens = lens[order]
        x = F.index_select(x, 1, _device_index(order, x))
    batch_sizes = (lens[None, :] > np.arange(int(lens[0]) if B else 0)[:, None]).sum(1)
    data = F.cat([x[t, :b] for t, b in enumerate(batch_sizes.tolist())], 0) if B else x[0, :0]
    return PackedSequence(data, _index(batch_sizes), sorted_idx, unsorted_idx)


def _device_index(arr, like: Tensor) -> Tensor:
    """An int64 index tensor on ``like``'s device."""
    idx = _index(arr)
    return idx.to(like.device) if like.is_cuda else idx


def pad_packed_sequence(sequence: PackedSequence, batch_first: bool = False,
                        padding_value: float = 0.0, total_length: int | None = None):
    """Undo :func:`pack_padded_sequence`: ``(padded, lengths)``, in the original batch order.

    Args:
        sequence: a :class:`PackedSequence`.
        batch_first: return ``(B, T, *)`` instead of ``(T, B, *)``.
        padding_value: the value past each sequence's end.
        total_length: pad to this many steps (at least the longest length).
    """
    name = "pad_packed_sequence"
    if not isinstance(sequence, PackedSequence):
        raise TypeError(f"{name}: expected a PackedSequence, got {type(sequence).__name__}")
    data, sizes = sequence.data, sequence.batch_sizes.numpy().astype(np.int64)
    T = sizes.size
    B = int(sizes[0]) if T else 0
    if total_length is not None:
        if total_length < T:
            raise ValueError(f"{name}: total_length={total_length} is shorter than the longest "
                             f"sequence ({T} steps)")
    steps = []
    start = 0
    for b in sizes.tolist():
        row = data[start:start + b]
        if b < B:
            fill = full_like(data[:1], padding_value).expand(B - b, *data.shape[1:])
            row = F.cat([row, fill], 0)
        steps.append(row)
        start += b
    extra = (total_length or T) - T
    if extra:
        steps.extend([full_like(data[:1], padding_value).expand(B, *data.shape[1:])] * extra)
    padded = F.stack(steps, 0) if steps else data.new_zeros((0, 0) + tuple(data.shape[1:]))
    lengths = (sizes[None, :] > np.arange(B)[:, None]).sum(1)
    if sequence.unsorted_indices is not None:
        inv = sequence.unsorted_indices.numpy()
        padded = F.index_select(padded, 1, _device_index(inv, padded))
        lengths = lengths[inv]
    if batch_first:
        padded = F.transpose(padded, 0, 1)
    return padded, _index(lengths)


def pad_sequence(sequences: Sequence[Tensor], batch_first: bool = False,
                 padding_value: float = 0.0, padding_side: str = "right") -> Tensor:
    """Stack sequences of shape ``(L_i, *)`` into ``(T, B, *)`` (``(B, T, *)`` with
    ``batch_first``), padding with ``padding_value`` on the right (or ``padding_side='left'``)."""
    name = "pad_sequence"
    if padding_side not in ("left", "right"):
        raise ValueError(f"{name}: padding_side must be 'left' or 'right', got {padding_side!r}")
    seqs = list(sequences)
    if not seqs:
        raise RuntimeError(f"{name}: received an empty list of sequences")
    for i, s in enumerate(seqs):
        if not isinstance(s, Tensor):
            raise TypeError(f"{name}: sequence {i} is a {type(s).__name__}, not a Tensor")
        if s.ndim < 1 or tuple(s.shape[1:]) != tuple(seqs[0].shape[1:]):
            raise ValueError(f"{name}: sequence {i} has shape {tuple(s.shape)}; every sequence "
                             f"must be (length, {', '.join(map(str, seqs[0].shape[1:])) or '*'})")
    T = max(s.shape[0] for s in seqs)
    rows = []
    for s in seqs:
        n = T - s.shape[0]
        if n:
            fill = full_like(s[:1] if s.shape[0] else s.new_zeros((1,) + tuple(s.shape[1:])),
                               padding_value).expand(n, *s.shape[1:])
            s = F.cat([s, fill] if padding_side == "right" else [fill, s], 0)
        rows.append(s)
    return F.stack(rows, 0 if batch_first else 1)


def pack_sequence(sequences: Sequence[Tensor], enforce_sorted: bool = True) -> PackedSequence:
    """Pack a list of ``(L_i, *)`` sequences (see :func:`pack_padded_sequence`)."""
    lengths = [s.shape[0] for s in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


def unpad_sequence(padded_sequences: Tensor, lengths, batch_first: bool = False) -> list:
    """The list of sequences, each cut to its length, from a padded batch.

    As PyTorch's, with ``batch_first=False`` it transposes ``padded_sequences`` in place (the
    caller's tensor is ``(B, T, *)`` afterwards), and each sequence is a copy (boolean-mask
    indexing), not a view of the batch."""
    lens = _lengths_array(lengths, "unpad_sequence")
    if not batch_first:
        padded_sequences.transpose_(0, 1)
    x = padded_sequences
    return [x[i, :n].clone() for i, n in enumerate(lens.tolist())]


def unpack_sequence(packed_sequences: PackedSequence) -> list:
    """The list of sequences (original order) in a :class:`PackedSequence`."""
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
