"""How a distributed tensor is laid out over one dimension of a device mesh (the placements
of ``torch.distributed.tensor``).

A placement is plain data: :class:`Shard` splits a tensor dimension into contiguous chunks, one
per rank (``torch.chunk``'s sizes), :class:`_StridedShard` takes one chunk from each of
``split_factor`` groups, :class:`Replicate` keeps the whole tensor on every rank and
:class:`Partial` holds per-rank terms still to be reduced. Placements compare and hash by value,
so libraries can build tables of them at import time and look layouts up.
"""

from __future__ import annotations

import operator

__all__ = ["Placement", "Shard", "Replicate", "Partial"]


def _as_int(name: str, value) -> int:
    try:
        return operator.index(value)
    except TypeError:
        raise TypeError(f"{name}: expected an int, got {type(value).__name__} {value!r}") from None


class Placement:
    """Base class of the placements; ``is_shard``/``is_replicate``/``is_partial`` say which kind."""

    __slots__ = ()

    def is_shard(self, dim: int | None = None) -> bool:
        return False

    def is_replicate(self) -> bool:
        return False

    def is_partial(self, reduce_op: str | None = None) -> bool:
        return False

    def _key(self) -> tuple:
        return ()

    def __eq__(self, other) -> bool:
        return type(other) is type(self) and other._key() == self._key()

    def __hash__(self) -> int:
        return hash((type(self).__name__,) + self._key())


class Shard(Placement):
    """Split tensor dimension ``dim`` into contiguous chunks, one per rank of the mesh dimension."""

    __slots__ = ("dim",)

    def __init__(self, dim: int) -> None:
        self.dim = _as_int("Shard(dim)", dim)

    def is_shard(self, dim: int | None = None) -> bool:
        return dim is None or dim == self.dim

    @staticmethod
    def local_shard_size_and_offset(
        curr_local_size: int, num_chunks: int, rank: int
    ) -> tuple[int, int]:
        """Size and start of ``rank``'s chunk of ``curr_local_size`` elements in ``num_chunks``.

        Chunks have ``torch.chunk``'s sizes: all ``ceil(size / num_chunks)`` long but the last
        ones, which may be shorter or empty (an empty chunk starts at the end).
        """
        size, chunks, rank = (
            _as_int(f"Shard.local_shard_size_and_offset({n})", v)
            for n, v in (
                ("curr_local_size", curr_local_size),
                ("num_chunks", num_chunks),
                ("rank", rank),
            )
        )
        if chunks <= 0:
            raise ValueError(
                f"Shard.local_shard_size_and_offset: num_chunks must be positive, got {chunks}"
            )
        full = -(-size // chunks)
        start = min(full * rank, size)
        return max(0, min(size, full * (rank + 1)) - start), start

    _local_shard_size_and_offset = local_shard_size_and_offset

    def _key(self) -> tuple:
        return (self.dim,)

    def __repr__(self) -> str:
        return f"Shard(dim={self.dim})"

    def __str__(self) -> str:
        return f"S({self.dim})"


class _StridedShard(Placement):
    """Shard ``dim`` as ``split_factor`` interleaved groups: a rank holds a chunk of each group.

    Not a :class:`Shard` (``is_shard()`` is False), as in PyTorch.
    """

    __slots__ = ("dim", "split_factor")

    def __init__(self, dim: int, split_factor: int) -> None:
        self.dim = _as_int("_StridedShard(dim)", dim)
        self.split_factor = _as_int("_StridedShard(split_factor)", split_factor)

    def _key(self) -> tuple:
        return (self.dim, self.split_factor)

    def __repr__(self) -> str:
        return f"_StridedShard(dim={self.dim}, sf={self.split_factor})"

    def __str__(self) -> str:
        return f"_S({self.dim}, {self.split_factor})"


class Replicate(Placement):
    """Every rank of the mesh dimension holds the whole tensor."""

    __slots__ = ()

    def is_replicate(self) -> bool:
        return True

    def __repr__(self) -> str:
        return "Replicate()"

    def __str__(self) -> str:
        return "R"


class Partial(Placement):
    """Every rank holds a term of the tensor; ``reduce_op`` (``"sum"``, ``"avg"``) combines them."""

    __slots__ = ("reduce_op",)

    def __init__(self, reduce_op: str = "sum") -> None:
        if not isinstance(reduce_op, str):
            raise TypeError(f"Partial(reduce_op): expected a str such as 'sum', got {reduce_op!r}")
        self.reduce_op = reduce_op

    def is_partial(self, reduce_op: str | None = None) -> bool:
        return reduce_op is None or reduce_op == self.reduce_op

    def _key(self) -> tuple:
        return (self.reduce_op,)

    def __repr__(self) -> str:
        return f"Partial({self.reduce_op})"

    def __str__(self) -> str:
        return f"P({self.reduce_op})"
