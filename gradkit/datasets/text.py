"""``CharCorpus``: a character-level language-modelling dataset from any text file.

Without a file it uses English text that ships with Python itself, so nothing is downloaded: the
reference documentation topics of ``pydoc_data.topics`` (the "help()" pages of the language
reference), or, where a distribution strips that module, the docstrings of a fixed list of
standard-library modules. The text depends on the Python version but is deterministic for one.
"""

from __future__ import annotations

import importlib
import inspect
import os
from collections.abc import Sequence

import numpy as np

from .._tensor import Tensor, wrap
from ..utils.data.dataset import Dataset

__all__ = ["CharCorpus", "default_corpus_text"]

_DOC_MODULES = (
    "abc", "argparse", "array", "base64", "bisect", "calendar", "collections", "contextlib",
    "copy", "csv", "dataclasses", "datetime", "decimal", "difflib", "enum", "fractions",
    "functools", "gzip", "hashlib", "heapq", "inspect", "itertools", "json", "logging", "math",
    "operator", "os", "pathlib", "pickle", "pprint", "queue", "random", "re", "shutil", "socket",
    "statistics", "string", "struct", "subprocess", "tarfile", "tempfile", "textwrap",
    "threading", "timeit", "typing", "unittest", "urllib.parse", "uuid", "warnings", "zipfile",
)


def default_corpus_text() -> str:
    """The default corpus: Python's bundled documentation text (no download)."""
    try:
        from pydoc_data.topics import topics
    except ImportError:
        topics = None
    if topics:
        return "\n\n".join(topics[k].strip() for k in sorted(topics))
    parts = []
    for name in _DOC_MODULES:
        try:
            mod = importlib.import_module(name)
        except ImportError:
            continue
        doc = inspect.getdoc(mod)
        if doc:
            parts.append(doc.strip())
    return "\n\n".join(parts)


class CharCorpus(Dataset):
    """Characters of a text as int64 ids, served as (input, next-character target) windows.

    Sample ``i`` is ``(x, y)`` with ``x = ids[s:s + seq_len]`` and ``y = ids[s + 1:s + seq_len
    + 1]`` where ``s = i * stride``: both int64 tensors of shape ``(seq_len,)``.

    Args:
        path: a UTF-8 (see ``encoding``) text file; ``None`` uses ``default_corpus_text()``.
        seq_len: characters per sample.
        text: the text itself, instead of ``path``.
        stride: step between window starts (default ``seq_len``: non-overlapping windows).
        split: ``None`` for all of the text, ``'train'`` for the first ``1 - val_fraction`` of
            it, ``'val'`` for the rest; the vocabulary always comes from the whole text.
        val_fraction: the share of the text in the ``'val'`` split.
        encoding: the file's encoding.

    Attributes:
        text: the whole text. vocab / itos: the sorted characters; stoi: character -> id.
        data: the ids of this split, an int64 tensor.

    Examples:
        >>> corpus = CharCorpus(seq_len=32)
        >>> x, y = corpus[0]
        >>> corpus.decode(x)
    """

    def __init__(self, path: str | os.PathLike | None = None, seq_len: int = 64, *,
                 text: str | None = None, stride: int | None = None, split: str | None = None,
                 val_fraction: float = 0.1, encoding: str = "utf-8") -> None:
        if path is not None and text is not None:
            raise ValueError("CharCorpus: give either path or text, not both")
        if not isinstance(seq_len, int) or seq_len <= 0:
            raise ValueError(f"CharCorpus: seq_len must be a positive integer, got {seq_len!r}")
        stride = seq_len if stride is None else stride
        if not isinstance(stride, int) or stride <= 0:
            raise ValueError(f"CharCorpus: stride must be a positive integer, got {stride!r}")
        if split not in (None, "train", "val"):
            raise ValueError(f"CharCorpus: split must be None, 'train' or 'val', got {split!r}")
        if not 0.0 < val_fraction < 1.0:
            raise ValueError(f"CharCorpus: val_fraction must be in (0, 1), got {val_fraction}")
        if text is None:
            if path is None:
                text = default_corpus_text()
            else:
                with open(path, encoding=encoding) as fh:  # any line ending reads as \n
                    text = fh.read()
                if text.startswith("\ufeff"):  # a byte-order mark (Windows editors) is no text
                    text = text[1:]
        if len(text) < 2:
            raise ValueError("CharCorpus: the text needs at least 2 characters")
        self.text = text
        self.seq_len = seq_len
        self.stride = stride
        self.split = split
        self.itos = sorted(set(text))
        self.vocab = self.itos
        self.stoi = {c: i for i, c in enumerate(self.itos)}
        table = np.full(max(map(ord, self.itos)) + 1, -1, dtype=np.int64)
        table[[ord(c) for c in self.itos]] = np.arange(len(self.itos))
        self._table = table
        ids = self._encode_array(text)
        cut = int(len(ids) * (1.0 - val_fraction))
        if split == "train":
            ids = ids[:cut]
        elif split == "val":
            ids = ids[cut:]
        self._ids = np.ascontiguousarray(ids)
        self.data = wrap(self._ids)
        if len(self) == 0:
            raise ValueError(f"CharCorpus: the {split or 'whole'} text has {len(self._ids)} "
                             f"characters, too few for one window of seq_len={seq_len} + 1")

    @property
    def vocab_size(self) -> int:
        return len(self.itos)

    def _encode_array(self, s: str) -> np.ndarray:
        codes = np.frombuffer(s.encode("utf-32-le"), dtype="<u4").astype(np.int64)
        bad = codes >= len(self._table)
        ids = np.where(bad, -1, self._table[np.minimum(codes, len(self._table) - 1)])
        if (ids < 0).any():
            ch = s[int(np.flatnonzero(ids < 0)[0])]
            raise ValueError(f"CharCorpus.encode: character {ch!r} is not in the vocabulary")
        return ids

    def encode(self, s: str) -> Tensor:
        """The ids of the characters of ``s`` (an int64 tensor)."""
        return wrap(self._encode_array(s))

    def decode(self, ids: Tensor | Sequence[int] | np.ndarray) -> str:
        """The text of a 1-D sequence of ids."""
        arr = np.asarray(ids._data if isinstance(ids, Tensor) else ids).reshape(-1)
        return "".join(self.itos[int(i)] for i in arr)

    def __len__(self) -> int:
        return max(0, (len(self._ids) - 1 - self.seq_len) // self.stride + 1)

    def __getitem__(self, index: int):
        n = len(self)
        index = int(index)
        if index < 0:
            index += n
        if not 0 <= index < n:
            raise IndexError(f"CharCorpus index {index} is out of range for {n} samples")
        s = index * self.stride
        return wrap(self._ids[s:s + self.seq_len]), wrap(self._ids[s + 1:s + self.seq_len + 1])

    def _batch_fetch(self, indices):
        idx = np.asarray(indices, dtype=np.int64)
        n = len(self)
        if idx.size and (idx.max() >= n or idx.min() < -n):
            raise IndexError(f"CharCorpus index out of range for {n} samples")
        idx = np.where(idx < 0, idx + n, idx)
        rows = (idx * self.stride)[:, None] + np.arange(self.seq_len)
        return [wrap(self._ids[rows]), wrap(self._ids[rows + 1])]  # (default_collate's list)

    def __repr__(self) -> str:
        return (f"CharCorpus(chars={len(self._ids)}, vocab_size={self.vocab_size}, "
                f"seq_len={self.seq_len}, samples={len(self)})")
