"""Shape arithmetic of sharded layouts (``torch.distributed.tensor._utils``)."""

from __future__ import annotations

from .placement_types import Shard, _StridedShard

__all__ = ["compute_local_shape_and_global_offset"]


def compute_local_shape_and_global_offset(
    global_shape, mesh, placements, skip_offset: bool = False
):
    """This rank's block of a tensor of ``global_shape`` laid out by ``placements`` over ``mesh``.

    Returns ``(local_shape, global_offset)``: the shape of the block this rank holds and where it
    starts in the global tensor. ``mesh`` needs ``size(mesh_dim)`` and ``get_coordinate()`` (this
    rank's index along each mesh dimension, ``None`` when the rank is not in the mesh, which gets
    ``((), ())``). Shards nested over several mesh dimensions split the block again, in order.
    """
    coordinate = mesh.get_coordinate()
    if coordinate is None:
        return (), ()
    placements = tuple(placements)
    if len(placements) != len(coordinate):
        raise ValueError(
            f"compute_local_shape_and_global_offset: {len(placements)} placements given for a "
            f"mesh of {len(coordinate)} dimensions; give one placement per mesh dimension"
        )
    local_shape = list(global_shape)
    offset = [0] * len(local_shape)
    for mesh_dim, placement in enumerate(placements):
        if isinstance(placement, _StridedShard):
            raise NotImplementedError(
                "compute_local_shape_and_global_offset: _StridedShard layouts are not "
                "implemented in gradkit; use Shard placements"
            )
        if not isinstance(placement, Shard):
            continue
        dim = placement.dim + len(local_shape) if placement.dim < 0 else placement.dim
        if not 0 <= dim < len(local_shape):
            raise IndexError(
                f"compute_local_shape_and_global_offset: {placement!r} is out of range for a "
                f"tensor of shape {tuple(global_shape)}"
            )
        size, start = Shard.local_shard_size_and_offset(
            local_shape[dim], mesh.size(mesh_dim), coordinate[mesh_dim]
        )
        local_shape[dim] = size
        offset[dim] += start
    return tuple(local_shape), (() if skip_offset else tuple(offset))
