"""PowerSGD gradient compression for DDP (Vogels et al., NeurIPS 2019), as PyTorch's
``torch.distributed.algorithms.ddp_comm_hooks.powerSGD_hook``.

Each gradient ``M`` of a bucket viewed as an ``n x m`` matrix is replaced by a rank-``r``
approximation ``P Q^T`` computed with one step of power iteration across the ranks:

1. ``P = M Q`` (``Q`` from the previous step with ``warm_start``, else random), all-reduce the
   ``P``s and orthogonalise them;
2. ``Q = M^T P``, all-reduce the ``Q``s (divided by the world size);
3. ``M ~ P Q^T``.

So a rank sends ``(n + m) r`` numbers instead of ``n m``. Gradients whose matrices would not
shrink by ``min_compression_rate`` (biases, small layers) are all-reduced uncompressed, in one
message per bucket. With ``use_error_feedback``, what the approximation dropped is added to the
next step's gradient, so nothing is lost over time. The first ``start_powerSGD_iter`` steps use a
plain all-reduce (the warm-up PyTorch recommends: PowerSGD early in training hurts accuracy).
"""

from __future__ import annotations

import logging

import numpy as np

from ... import collectives as _coll
from ...process_group import _W
from . import default_hooks

__all__ = ["PowerSGDState", "batched_powerSGD_hook", "powerSGD_hook"]

logger = logging.getLogger(__name__)


def _orthogonalize(matrix: np.ndarray, epsilon: float = 0.0) -> None:
    """Orthonormalise the columns of ``matrix`` in place (Gram-Schmidt for rank <= 2, QR
    beyond, as PyTorch). A zero column stays zero (with epsilon 0)."""
    cols = matrix.shape[-1]
    if cols > 2:
        q, _ = np.linalg.qr(matrix)
        matrix[...] = q
        return
    for i in range(cols):
        col = matrix[:, i:i + 1]
        norm = np.sqrt(np.sum(col * col))
        if epsilon == 0:
            if norm == 0:
                col[...] = 0
            else:
                col /= norm
        else:
            col /= norm + epsilon
        if i + 1 < cols:
            rest = matrix[:, i + 1:]
            rest -= np.sum(col * rest, axis=0, keepdims=True) * col


def _should_compress(num_rows, num_cols, matrix_approximation_rank, min_compression_rate):
    """(compress?, elements uncompressed, elements compressed)."""
    uncompressed = num_rows * num_cols
    compressed = (num_rows + num_cols) * matrix_approximation_rank
    return (compressed * min_compression_rate < uncompressed, uncompressed, compressed)


class PowerSGDState:
    """The state PowerSGD keeps across steps: hyperparameters, the error-feedback residuals
    and the ``P``/``Q`` memories of every bucket, the step counter.

    Args:
        process_group: the group to all-reduce over (None: the world).
        matrix_approximation_rank: ``r``; 1 compresses most, 2-4 is usually as accurate as
            uncompressed training.
        start_powerSGD_iter: plain all-reduce for this many steps first (> 1 with error
            feedback or warm start: DDP rebuilds its buckets after the first step).
        min_compression_rate: compress a matrix only if it shrinks by this factor.
        use_error_feedback: add what the approximation dropped to the next step's gradient.
        warm_start: start each power iteration from the previous step's ``Q``.
        orthogonalization_epsilon: added to the norms (0: exact; a zero column stays zero).
        random_seed: seeds the random initial ``Q`` (the same on every rank).
    """

    __slots__ = ["process_group", "matrix_approximation_rank", "start_powerSGD_iter",
                 "min_compression_rate", "orthogonalization_epsilon", "use_error_feedback",
                 "warm_start", "batch_tensors_with_same_shape", "rng", "error_dict",
                 "p_memory_dict", "q_memory_dict", "iter", "total_numel_before_compression",
                 "total_numel_after_compression", "compression_stats_logging_frequency",
                 "next_stats_report"]

    def __init__(self, process_group, matrix_approximation_rank=1, start_powerSGD_iter=1_000,
                 min_compression_rate=2, use_error_feedback=True, warm_start=True,
                 orthogonalization_epsilon=0, random_seed=0,
                 compression_stats_logging_frequency=10_000,
                 batch_tensors_with_same_shape: bool = False):
        if (use_error_feedback or warm_start) and start_powerSGD_iter <= 1:
            raise ValueError(
                "Expect `start_powerSGD_iter` > 1 if `use_error_feedback` or `warm_start` is "
                "enabled, because PowerSGD can only be applied after the first two iterations "
                "in DDP.")
        if not isinstance(matrix_approximation_rank, int) or matrix_approximation_rank < 1:
            raise ValueError(f"PowerSGDState: matrix_approximation_rank must be a positive int, "
                             f"got {matrix_approximation_rank!r}")
        self.process_group = process_group
        self.matrix_approximation_rank = matrix_approximation_rank
        self.start_powerSGD_iter = start_powerSGD_iter
        self.min_compression_rate = min_compression_rate
        self.use_error_feedback = use_error_feedback
        self.warm_start = warm_start
        self.orthogonalization_epsilon = orthogonalization_epsilon
        self.batch_tensors_with_same_shape = batch_tensors_with_same_shape
        self.rng = np.random.RandomState(random_seed)
        self.error_dict: dict = {}
        self.p_memory_dict: dict = {}
        self.q_memory_dict: dict = {}
        self.iter = 0
        self.total_numel_before_compression = 0
        self.total_numel_after_compression = 0
        self.compression_stats_logging_frequency = max(1, compression_stats_logging_frequency)
        self.next_stats_report = 0

    def __getstate__(self):
        return {s: getattr(self, s) for s in self.__slots__ if s != "process_group"}

    def __setstate__(self, state):
        self.process_group = None
        for k, v in state.items():
            setattr(self, k, v)

    def maybe_increase_iter(self, bucket):
        """Count a step when the last bucket of the step has been handled."""
        if bucket.is_last():
            self.iter += 1
        if self.iter == self.start_powerSGD_iter:
            logger.info("Start to apply PowerSGD after %s iterations.", self.iter)

    def compression_stats(self):
        """(compression rate, elements before, elements after) accumulated so far."""
        rate = (self.total_numel_before_compression / self.total_numel_after_compression
                if self.total_numel_after_compression > 0 else 0)
        return rate, self.total_numel_before_compression, self.total_numel_after_compression

    def maybe_log_compression_stats(self):
        if self.iter >= self.next_stats_report:
            rate, before, after = self.compression_stats()
            logger.info("Compression stats: iter %s, total before compression %s, total after "
                        "compression %s, rate %s", self.iter, before, after, rate)
            self.next_stats_report += self.compression_stats_logging_frequency


def _world(state) -> int:
    return state.process_group.size() if state.process_group is not None else _W.size


def _allreduce_array(arr, state):
    """Sum ``arr`` over the ranks in place (waits; within the process group's timeout)."""
    from ...._tensor import wrap

    _coll.all_reduce(wrap(arr), group=state.process_group)
    return arr


def powerSGD_hook(state: PowerSGDState, bucket):
    """Compress the bucket's matrices to rank ``state.matrix_approximation_rank`` with one
    power-iteration step across the ranks (see the module's description); returns a Future of
    the bucket's averaged (approximated) buffer."""
    from ...._tensor import wrap

    world = _world(state)
    input_tensor = bucket.buffer()
    if state.iter < state.start_powerSGD_iter:
        state.maybe_increase_iter(bucket)
        return default_hooks._allreduce_fut(state.process_group, input_tensor)
    flat = input_tensor._data
    index = bucket.index()
    outs = [g._data for g in bucket.gradients()]  # views of ``flat``: where results go
    grads = outs  # what is compressed: the gradients, or (error feedback) gradients + error
    if state.use_error_feedback:
        # the bucket's error buffer is reused in place: it takes the input (the gradients
        # plus the previous error), the products read it there, and after decompression it
        # becomes input - approximation, the new error; ``flat`` only receives the result (no
        # fresh bucket-sized arrays per step, whose pages the kernel would fault in and zero,
        # and no copy of the input: 9 passes over the bucket's bytes instead of 11)
        error = state.error_dict.get(index)
        if error is not None and error.shape == flat.shape:
            np.add(flat, error, out=error)
        else:
            error = state.error_dict[index] = flat.copy()
        base = flat.ctypes.data
        grads = [error[(o.ctypes.data - base) // o.itemsize:][:o.size].reshape(o.shape)
                 for o in outs]
    to_compress, uncompressed = [], []
    p_size = q_size = 0
    r0 = state.matrix_approximation_rank
    for g, out in zip(grads, outs):
        matrix = g.reshape(g.shape[0], -1) if g.ndim > 1 else g.reshape(1, -1)
        n, m = matrix.shape
        rank = min(n, m, r0)
        ok, before, after = _should_compress(n, m, rank, state.min_compression_rate)
        state.total_numel_before_compression += before
        if ok and g.ndim > 1:
            to_compress.append((matrix, rank, out.reshape(matrix.shape)))
            p_size += n * rank
            q_size += m * rank
            state.total_numel_after_compression += after
        else:
            uncompressed.append((g, out))
            state.total_numel_after_compression += before
    plain = (np.concatenate([g.reshape(-1) for g, _ in uncompressed]) if uncompressed
             else np.zeros(0, dtype=flat.dtype))

    fresh = not state.warm_start or index not in state.p_memory_dict or \
        state.p_memory_dict[index].size != p_size
    if fresh:
        state.p_memory_dict[index] = np.empty(p_size, dtype=flat.dtype)
        state.q_memory_dict[index] = np.empty(q_size, dtype=flat.dtype)
    pmem, qmem = state.p_memory_dict[index], state.q_memory_dict[index]
    ps, qs = [], []
    po = qo = 0
    for matrix, rank, _ in to_compress:
        n, m = matrix.shape
        ps.append(pmem[po:po + n * rank].reshape(n, rank))
        qs.append(qmem[qo:qo + m * rank].reshape(m, rank))
        po += n * rank
        qo += m * rank
    if fresh:
        gen = np.random.RandomState(state.rng.randint(1_000_000_000))  # equal on every rank
        for q in qs:
            q[...] = gen.standard_normal(q.shape)
            _orthogonalize(q, state.orthogonalization_epsilon)
    for (matrix, _, _), q, p in zip(to_compress, qs, ps):
        np.matmul(matrix, q, out=p)

    holder = wrap(plain)
    fut = _coll.all_reduce(holder, group=state.process_group, async_op=True).get_future()

    def unpack_uncompressed_and_allreduce_ps(f):
        reduced = f.value()[0]._data
        reduced /= world
        o = 0
        for g, out in uncompressed:
            out[...] = reduced[o:o + g.size].reshape(g.shape)
            o += g.size
        return _allreduce_array(pmem, state)

    def compute_qs(f):
        for p in ps:
            _orthogonalize(p, state.orthogonalization_epsilon)
        for (matrix, _, _), p, q in zip(to_compress, ps, qs):
            np.matmul(matrix.T, p, out=q)
        return _allreduce_array(qmem, state)

    def decompress(f):
        qmem[...] /= world
        for p, q, (_, _, out) in zip(ps, qs, to_compress):
            np.matmul(p, q.T, out=out)
        if state.use_error_feedback:
            np.subtract(error, flat, out=error)
        if not state.warm_start:
            state.p_memory_dict.clear()
            state.q_memory_dict.clear()
        state.maybe_log_compression_stats()
        state.maybe_increase_iter(bucket)
        input_tensor._vc[0] += 1
        return input_tensor

    return fut.then(unpack_uncompressed_and_allreduce_ps).then(compute_qs).then(decompress)


def batched_powerSGD_hook(state: PowerSGDState, bucket):
    """PyTorch's batched variant (the whole bucket as one square-ish matrix) is not provided:
    use :func:`powerSGD_hook`."""
    raise NotImplementedError("batched_powerSGD_hook is not provided by gradkit; register "
                              "powerSGD_hook instead")
