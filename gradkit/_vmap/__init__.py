"""``vmap``'s batched mode: batched tensors (``batched.py``), batching rules (``rules.py``,
``rules_shape.py``) and the run itself with the function transforms' side (``run.py``)."""

from .batched import LEVELS, BatchedTensor, VmapFallback, is_batched
from .randomness import ERROR_MESSAGE, Draws, RandomnessError
from .run import MODE, STATS, grads_of, innermost, rewrap, run_batched, watch

__all__ = ["ERROR_MESSAGE", "LEVELS", "MODE", "STATS", "BatchedTensor", "Draws",
           "RandomnessError", "VmapFallback", "grads_of", "innermost", "is_batched", "rewrap",
           "run_batched", "watch"]
