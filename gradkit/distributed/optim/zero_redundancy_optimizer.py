"""``ZeroRedundancyOptimizer``: each rank keeps and updates the optimizer state of its own shard
of the parameters, then broadcasts the updated parameters (ZeRO stage 1; Rajbhandari et al.,
2020), as PyTorch's ``torch.distributed.optim.ZeroRedundancyOptimizer``.

With R ranks, each holds about 1/R of the optimizer state (Adam's two moments: 2/R of the model
size instead of 2x) and does 1/R of the update arithmetic; the price is one broadcast of every
parameter per step (as many bytes as the gradient all-reduce sends). Training is the same as with
the unsharded optimizer: the same update on the same averaged gradients, computed once.

Parameters are assigned greedily, largest first, to the rank with the fewest elements so far
(per parameter group, as PyTorch). ``consolidate_state_dict(to)`` gathers the shards on one
rank, whose ``state_dict()`` is then exactly the unsharded optimizer's (same indices, same
layout), loadable by the plain optimizer or by ``load_state_dict`` on any number of ranks.
"""

from __future__ import annotations

import numpy as np

from ..._tensor import Tensor, wrap
from ...optim.optimizer import Optimizer
from .. import collectives as _coll
from ..process_group import _W, _check

__all__ = ["ZeroRedundancyOptimizer"]


def _to_host(value):
    """State values as plain NumPy for pickling between ranks."""
    if isinstance(value, Tensor):
        return ("tensor", np.asarray(value._data))
    return ("value", value)


def _from_host(value):
    kind, v = value
    return wrap(np.array(v)) if kind == "tensor" else v


class ZeroRedundancyOptimizer(Optimizer):
    """Wrap ``optimizer_class`` so that each rank holds the state of only its shard of ``params``.

    Args:
        params: parameters or parameter groups, as for any optimizer (the same on every rank).
        optimizer_class: the local optimizer, e.g. ``gradkit.optim.Adam``.
        process_group: None (the world).
        parameters_as_bucket_view, overlap_with_ddp: accepted for PyTorch's signature;
            ``overlap_with_ddp=True`` is not supported.
        **defaults: the local optimizer's arguments (``lr=...``).

    Examples:
        >>> model = DistributedDataParallel(net)
        >>> opt = ZeroRedundancyOptimizer(model.parameters(), gradkit.optim.Adam, lr=1e-3)
        >>> loss_fn(model(x), y).backward(); opt.step()
    """

    def __init__(self, params, optimizer_class, process_group=None,
                 parameters_as_bucket_view=False, overlap_with_ddp=False, **defaults):
        _check()
        if overlap_with_ddp:
            raise NotImplementedError(
                "ZeroRedundancyOptimizer: overlap_with_ddp=True is not supported; the shard "
                "updates run after backward")
        if not isinstance(optimizer_class, type) or not issubclass(optimizer_class, Optimizer):
            raise TypeError(f"ZeroRedundancyOptimizer: optimizer_class must be an optimizer "
                            f"class such as gradkit.optim.Adam, got {optimizer_class!r}")
        Optimizer.__init__(self, params, defaults)
        self._optim_class = optimizer_class
        self._optim_defaults = defaults
        self.process_group = process_group
        self.world_size = _W.size
        self.rank = _W.rank
        self.parameters_as_bucket_view = parameters_as_bucket_view
        self._partition()
        local = []
        for group in self.param_groups:
            g = {k: v for k, v in group.items() if k not in ("params", "param_names")}
            g["params"] = [p for p in group["params"] if self._owner[id(p)] == self.rank]
            local.append(g)
        self.optim = optimizer_class(local, **defaults)
        self._all_state_dicts = None  # the consolidated state dict (on the rank it went to)

    # ------------------------------------------------------------------ partition
    def _partition(self):
        """Assign each parameter to a rank: per group, largest first, to the least loaded."""
        self._owner = {}
        load = [0] * self.world_size
        for group in self.param_groups:
            for p in sorted(group["params"], key=lambda t: -t._data.size):
                r = int(np.argmin(load))
                self._owner[id(p)] = r
                load[r] += p._data.size
        self._shards = [[p for g in self.param_groups for p in g["params"]
                         if self._owner[id(p)] == r] for r in range(self.world_size)]

    def _sync_hyperparameters(self, src, dst):
        for gs, gd in zip(src, dst):
            for k, v in gs.items():
                if k not in ("params", "param_names"):
                    gd[k] = v

    def _broadcast_params(self):
        """Every rank's updated shard to every rank: one broadcast per rank and dtype."""
        if self.world_size == 1:
            return
        for r, shard in enumerate(self._shards):
            by_dtype = {}
            for p in shard:
                by_dtype.setdefault(p._data.dtype, []).append(p)
            for dtype in sorted(by_dtype, key=str):
                ps = by_dtype[dtype]
                flat = np.empty(sum(p._data.size for p in ps), dtype=dtype)
                if r == self.rank:
                    o = 0
                    for p in ps:
                        flat[o:o + p._data.size] = p._data.reshape(-1)
                        o += p._data.size
                _coll.broadcast(wrap(flat), src=r)
                if r != self.rank:
                    o = 0
                    for p in ps:
                        p._data[...] = flat[o:o + p._data.size].reshape(p._data.shape)
                        p._vc[0] += 1
                        o += p._data.size

    # ------------------------------------------------------------------ optimizer API
    def step(self, closure=None):
        """Update this rank's shard with the local optimizer, then broadcast all shards."""
        self._sync_hyperparameters(self.param_groups, self.optim.param_groups)
        loss = self.optim.step(closure) if closure is not None else self.optim.step()
        self._broadcast_params()
        self._sync_hyperparameters(self.optim.param_groups, self.param_groups)
        return loss

    def add_param_group(self, param_group):
        if hasattr(self, "optim"):
            raise NotImplementedError(
                "ZeroRedundancyOptimizer: add_param_group after construction is not supported; "
                "pass every group to the constructor")
        super().add_param_group(param_group)

    def _global_index(self):
        index = {}
        for g in self.param_groups:
            for p in g["params"]:
                index[id(p)] = len(index)
        return index

    def consolidate_state_dict(self, to: int = 0) -> None:
        """Gather every rank's shard of the state on rank ``to`` (call on every rank); then
        ``state_dict()`` there returns the whole optimizer's state."""
        _coll._check_rank(to, "consolidate_state_dict", "to")
        index = self._global_index()
        local_sd = self.optim.state_dict()
        local_params = [p for g in self.optim.param_groups for p in g["params"]]
        mine = {index[id(local_params[i])]: {k: _to_host(v) for k, v in st.items()}
                for i, st in local_sd["state"].items() if isinstance(i, int)}
        gathered = [None] * self.world_size
        _coll.gather_object(mine, gathered if self.rank == to else None, dst=to)
        if self.rank != to:
            self._all_state_dicts = None
            return
        state = {}
        for part in gathered:
            for i, st in part.items():
                state[i] = {k: _from_host(v) for k, v in st.items()}
        groups = []
        for g in self.param_groups:
            packed = {k: v for k, v in g.items() if k != "params"}
            packed["params"] = [index[id(p)] for p in g["params"]]
            groups.append(packed)
        self._all_state_dicts = {"state": dict(sorted(state.items())), "param_groups": groups}

    def state_dict(self):
        """The whole optimizer's state, on the rank given to :meth:`consolidate_state_dict`."""
        if self._all_state_dicts is None:
            raise RuntimeError(
                "Optimizer state has not been consolidated on this rank. Please call "
                "`consolidate_state_dict(to=...)` on all ranks beforehand.")
        return self._all_state_dicts

    def load_state_dict(self, state_dict) -> None:
        """Load a whole optimizer's state (from :meth:`state_dict`, or the unsharded
        optimizer's); every rank keeps its own shard of it."""
        groups = state_dict["param_groups"]
        if len(groups) != len(self.param_groups):
            raise ValueError(f"loaded state dict has {len(groups)} parameter groups, but the "
                             f"optimizer has {len(self.param_groups)}")
        index = self._global_index()
        local_groups, local_state, n = [], {}, 0
        for g, sg in zip(self.param_groups, groups):
            if len(g["params"]) != len(sg["params"]):
                raise ValueError("loaded state dict contains a parameter group that doesn't "
                                 "match the size of optimizer's group")
            ids = []
            for p, gi in zip(g["params"], sg["params"]):
                if self._owner[id(p)] == self.rank:
                    if gi in state_dict["state"]:
                        local_state[n] = state_dict["state"][gi]
                    ids.append(n)
                    n += 1
            packed = {k: v for k, v in sg.items() if k not in ("params", "param_names")}
            packed["params"] = ids
            local_groups.append(packed)
            for k, v in sg.items():
                if k not in ("params", "param_names"):
                    g[k] = v
        del index
        self.optim.load_state_dict({"state": local_state, "param_groups": local_groups})
