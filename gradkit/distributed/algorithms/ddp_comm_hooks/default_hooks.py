"""The default DDP communication hooks: plain all-reduce, and fp16/bf16 compression.

Each hook takes ``(process_group, bucket)`` (``process_group`` may be None: the world) and
returns a Future whose value is the bucket's flat buffer averaged over the ranks.

``fp16_compress_hook`` and ``bf16_compress_hook`` send the bucket as 16-bit numbers: a
reduce-scatter and an all-gather of the bucket divided by the world size and rounded to float16
(bfloat16), over non-blocking point-to-point messages, with the sums done in float32 and rounded
once (see :mod:`._lowp` for the algorithm, its cost and how its rounding compares with
PyTorch's). Both trade precision for bandwidth: the averaged gradient carries a relative error of
about 2**-11 (fp16) or 2**-8 (bf16) per element; fp16 also flushes values below about 6e-8 to
zero and overflows above 65504 (bfloat16 keeps float32's range).
"""

from __future__ import annotations

import numpy as np

from ... import collectives as _coll
from ...process_group import _W
from . import _lowp

__all__ = ["allreduce_hook", "bf16_compress_hook", "fp16_compress_hook"]


def _world_size(process_group) -> int:
    return process_group.size() if process_group is not None else _W.size


def _allreduce_fut(process_group, tensor):
    """Average ``tensor`` in place over the ranks; a Future of the tensor."""
    tensor._data /= _world_size(process_group)
    fut = _coll.all_reduce(tensor, group=process_group, async_op=True).get_future()
    return fut.then(lambda f: f.value()[0])


def allreduce_hook(process_group, bucket):
    """All-reduce the bucket and divide by the world size (DDP's default behaviour)."""
    return _allreduce_fut(process_group, bucket.buffer())


def _compressed(bucket, dtype):
    work = _lowp.allreduce_avg(bucket.buffer(), dtype)
    return work.get_future().then(lambda f: f.value()[0])


def fp16_compress_hook(process_group, bucket):
    """Average the bucket over the ranks sending float16: each rank's bucket is divided by the
    world size and rounded to float16, summed in float32 and rounded to float16 once."""
    return _compressed(bucket, "float16")


def bf16_compress_hook(process_group, bucket):
    """As :func:`fp16_compress_hook` with bfloat16 (float32's range, 8 bits of precision)."""
    return _compressed(bucket, "bfloat16")


# ------------------------------------------------------- conversions, for tests and callers
def to_fp16_bits(x: np.ndarray) -> np.ndarray:
    """float32 -> the uint16 patterns of the nearest float16 values (as ``astype(float16)``)."""
    x = np.ascontiguousarray(x, dtype=np.float32).reshape(-1)
    return _lowp.encode_fp16(x, np.empty(x.size, np.uint16))


def from_fp16_bits(b: np.ndarray) -> np.ndarray:
    """The uint16 patterns of float16 values -> float32 (exact)."""
    b = np.ascontiguousarray(b, dtype=np.uint16).reshape(-1)
    return _lowp.decode_fp16(b, np.empty(b.size, np.float32))


def to_bf16_bits(x: np.ndarray) -> np.ndarray:
    """float32 -> the uint16 patterns of the nearest bfloat16 values (ties to even; NaN kept)."""
    x = np.ascontiguousarray(x, dtype=np.float32).reshape(-1)
    return _lowp.encode_bf16(x, np.empty(x.size, np.uint16))


def from_bf16_bits(b: np.ndarray) -> np.ndarray:
    """The uint16 patterns of bfloat16 values -> float32 (exact)."""
    b = np.ascontiguousarray(b, dtype=np.uint16).reshape(-1)
    return _lowp.decode_bf16(b, np.empty(b.size, np.float32))
