"""``torch.distributed.device_mesh``: the ranks of the world arranged as an n-d grid.

A :class:`DeviceMesh` names which rank sits where in a grid (``mesh``: an array of rank ids),
optionally with a name per dimension; sharded layouts are described against it (one placement
per mesh dimension). :func:`init_device_mesh` joins the process group if needed and lays the
world's ranks out in row-major order over ``mesh_shape``, which must hold exactly the world.
"""

from __future__ import annotations

import math

import numpy as np

from . import process_group as _pg

__all__ = ["DeviceMesh", "init_device_mesh"]


class DeviceMesh:
    """An n-d grid of ranks (see the module docstring).

    Args:
        device_type: the device the ranks compute on (``"cpu"``, ``"cuda"``).
        mesh: an array or tensor of rank ids, one per grid cell.
        mesh_dim_names: a name per grid dimension, to select one with ``mesh["dp"]``.
    """

    def __init__(self, device_type: str, mesh, *, mesh_dim_names=None, **kwargs) -> None:
        array = np.asarray(mesh.numpy() if hasattr(mesh, "numpy") else mesh)
        if array.dtype.kind not in "iu":
            raise ValueError(
                f"DeviceMesh: mesh must hold integer rank ids, got dtype {array.dtype}"
            )
        if array.ndim == 0:
            array = array.reshape(1)
        if mesh_dim_names is not None:
            mesh_dim_names = tuple(mesh_dim_names)
            if len(mesh_dim_names) != array.ndim:
                raise ValueError(
                    f"DeviceMesh: mesh_dim_names {mesh_dim_names} should have one name per "
                    f"dimension of a mesh of shape {tuple(array.shape)}"
                )
        self.device_type = str(device_type)
        self._ranks = array
        self.mesh_dim_names = mesh_dim_names

    @property
    def mesh(self):
        from .. import factories

        return factories.tensor(self._ranks.tolist())

    @property
    def shape(self) -> tuple:
        return tuple(self._ranks.shape)

    @property
    def ndim(self) -> int:
        return self._ranks.ndim

    def size(self, mesh_dim: int | None = None) -> int:
        """The number of ranks in the mesh, or along ``mesh_dim``."""
        return self._ranks.size if mesh_dim is None else self._ranks.shape[mesh_dim]

    def get_rank(self) -> int:
        return _pg.get_rank() if _pg.is_initialized() else 0

    def get_coordinate(self):
        """This rank's index along each mesh dimension (``None``: the mesh does not hold it)."""
        where = np.argwhere(self._ranks == self.get_rank())
        return None if where.size == 0 else [int(i) for i in where[0]]

    def get_local_rank(self, mesh_dim: int | str | None = None) -> int:
        if mesh_dim is None:
            if self.ndim != 1:
                raise RuntimeError(
                    f"DeviceMesh.get_local_rank: the mesh has {self.ndim} dimensions; "
                    f"name the mesh_dim"
                )
            mesh_dim = 0
        coordinate = self.get_coordinate()
        if coordinate is None:
            raise RuntimeError(
                f"DeviceMesh.get_local_rank: rank {self.get_rank()} is not in this mesh"
            )
        return coordinate[self._dim_index(mesh_dim)]

    def _dim_index(self, mesh_dim) -> int:
        if isinstance(mesh_dim, str):
            if not self.mesh_dim_names or mesh_dim not in self.mesh_dim_names:
                raise KeyError(
                    f"DeviceMesh: no mesh dimension named {mesh_dim!r} "
                    f"(names: {self.mesh_dim_names})"
                )
            return self.mesh_dim_names.index(mesh_dim)
        return int(mesh_dim)

    def __getitem__(self, names):
        """The sub-mesh along the named dimensions that holds this rank."""
        names = (names,) if isinstance(names, str) else tuple(names)
        dims = [self._dim_index(n) for n in names]
        coordinate = self.get_coordinate() or [0] * self.ndim
        index = tuple(slice(None) if d in dims else coordinate[d] for d in range(self.ndim))
        sub = self._ranks[index]
        order = sorted(range(len(dims)), key=lambda i: dims[i])
        sub = np.transpose(sub, np.argsort(order)) if sub.ndim > 1 else sub
        return DeviceMesh(self.device_type, sub, mesh_dim_names=names)

    def __eq__(self, other) -> bool:
        return (
            isinstance(other, DeviceMesh)
            and other.device_type == self.device_type
            and np.array_equal(other._ranks, self._ranks)
            and other.mesh_dim_names == self.mesh_dim_names
        )

    def __hash__(self) -> int:
        return hash(
            (self.device_type, self._ranks.tobytes(), self._ranks.shape, self.mesh_dim_names)
        )

    def __repr__(self) -> str:
        names = "" if self.mesh_dim_names is None else f", mesh_dim_names={self.mesh_dim_names}"
        return f"DeviceMesh('{self.device_type}', {self._ranks.tolist()}{names})"


def init_device_mesh(device_type: str, mesh_shape, *, mesh_dim_names=None, **kwargs) -> DeviceMesh:
    """A mesh of ``mesh_shape`` over the whole world (joining the process group first if needed).

    Raises:
        RuntimeError: ``mesh_shape`` does not hold exactly the world's ranks.
    """
    if not _pg.is_initialized():
        _pg.init_process_group()
    shape = tuple(int(n) for n in mesh_shape)
    world = _pg.get_world_size()
    if math.prod(shape) != world:
        raise RuntimeError(
            f"init_device_mesh: mesh_shape {shape} holds {math.prod(shape)} ranks but the "
            f"world has {world}; give a shape whose product is the world size"
        )
    return DeviceMesh(device_type, np.arange(world).reshape(shape), mesh_dim_names=mesh_dim_names)
