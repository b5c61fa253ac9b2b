"""``gradkit.nn.parallel.scatter_gather`` (PyTorch's module of the same name): split inputs into
one chunk per device and join the outputs back, as ``DataParallel`` does.

gradkit computes on one device, so the chunks stay where the tensors are; code that imports
``scatter``/``gather`` (Captum's layer attributions) and calls them with one device gets its
inputs back unchanged."""

from __future__ import annotations

from typing import Any

from ..._tensor import Tensor

__all__ = ["gather", "scatter", "scatter_kwargs"]


def scatter(inputs: Any, target_gpus: list, dim: int = 0) -> list:
    """``inputs`` (tensors, nested in tuples, lists and dicts) as ``len(target_gpus)`` pieces,
    each tensor chunked along ``dim`` (other objects repeated); fewer pieces where a tensor has
    fewer rows, as PyTorch."""
    n = max(len(target_gpus), 1)

    def split(obj):
        if isinstance(obj, Tensor):
            return list(obj.chunk(n, dim))
        if isinstance(obj, tuple) and len(obj) > 0:
            return [type(obj)(*a) if hasattr(obj, "_fields") else tuple(a)
                    for a in zip(*map(split, obj))]
        if isinstance(obj, list) and len(obj) > 0:
            return [list(a) for a in zip(*map(split, obj))]
        if isinstance(obj, dict) and len(obj) > 0:
            return [type(obj)(a) for a in zip(*map(split, obj.items()))]
        return [obj for _ in range(n)]

    return split(inputs)


def scatter_kwargs(inputs: tuple, kwargs: dict | None, target_gpus: list,
                   dim: int = 0) -> tuple[tuple, tuple]:
    """``scatter`` of the positional and keyword arguments, padded to the same count."""
    ins = scatter(inputs, target_gpus, dim) if inputs else []
    kws = scatter(kwargs, target_gpus, dim) if kwargs else []
    if len(ins) < len(kws):
        ins.extend(() for _ in range(len(kws) - len(ins)))
    elif len(kws) < len(ins):
        kws.extend({} for _ in range(len(ins) - len(kws)))
    return tuple(ins), tuple(kws)


def gather(outputs: Any, target_device, dim: int = 0) -> Any:
    """The per-device ``outputs`` joined: tensors concatenated along ``dim`` (0-d tensors
    stacked), tuples, lists and dicts gathered element by element."""
    from ...functions import cat, stack

    first = outputs[0]
    if isinstance(first, Tensor):
        return stack(list(outputs)) if first.ndim == 0 else cat(list(outputs), dim)
    if first is None:
        return None
    if isinstance(first, dict):
        return type(first)((k, gather([d[k] for d in outputs], target_device, dim))
                           for k in first)
    if isinstance(first, (tuple, list)):
        parts = [gather(list(a), target_device, dim) for a in zip(*outputs)]
        if hasattr(first, "_fields"):
            return type(first)(*parts)
        return type(first)(parts)
    return first
