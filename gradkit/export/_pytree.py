"""Flattening the nested inputs and outputs of an exported program (tuples, lists, dicts) into
leaves and back."""

from __future__ import annotations

__all__ = ["flatten", "unflatten", "flatten_with_names", "leaf_specs"]


def flatten(value) -> tuple:
    """``(leaves, spec)``; ``spec`` rebuilds the structure with ``unflatten``."""
    leaves: list = []

    def walk(v):
        if isinstance(v, tuple) and not hasattr(v, "_fields"):
            return ("tuple", [walk(x) for x in v])
        if isinstance(v, list):
            return ("list", [walk(x) for x in v])
        if isinstance(v, dict):
            return ("dict", [(k, walk(x)) for k, x in v.items()])
        leaves.append(v)
        return ("leaf",)

    return leaves, walk(value)


def unflatten(leaves, spec):
    it = iter(leaves)

    def build(s):
        kind = s[0]
        if kind == "leaf":
            return next(it)
        if kind == "tuple":
            return tuple(build(c) for c in s[1])
        if kind == "list":
            return [build(c) for c in s[1]]
        return {k: build(c) for k, c in s[1]}

    return build(spec)


def flatten_with_names(value, name: str) -> tuple:
    """``(leaves, names)``: each leaf named by its path (``x``, ``x_0``, ``x_key``) as
    PyTorch names the placeholders of nested inputs."""
    leaves, names = [], []

    def walk(v, n):
        if isinstance(v, (tuple, list)) and not hasattr(v, "_fields"):
            for i, x in enumerate(v):
                walk(x, f"{n}_{i}")
        elif isinstance(v, dict):
            for k, x in v.items():
                walk(x, f"{n}_{k}")
        else:
            leaves.append(v)
            names.append(n)

    walk(value, name)
    return leaves, names


def leaf_specs(value, spec, where: str) -> list:
    """The ``dynamic_shapes`` spec of each leaf of ``value`` (None where none is given)."""
    from .. import Tensor
    from .dynamic_shapes import UserError

    if isinstance(value, Tensor) or not isinstance(value, (tuple, list, dict)):
        return [spec]
    n = len(flatten(value)[0])
    if spec is None:
        return [None] * n
    if isinstance(value, dict):
        if not isinstance(spec, dict):
            raise UserError(f"dynamic_shapes of {where}: expected a dict like the input, got "
                            f"{type(spec).__name__}")
        out = []
        for k, v in value.items():
            out += leaf_specs(v, spec.get(k), f"{where}[{k!r}]")
        return out
    if not isinstance(spec, (tuple, list)) or len(spec) != len(value):
        raise UserError(f"dynamic_shapes of {where}: expected a {type(value).__name__} of "
                        f"{len(value)} specs like the input, got {spec!r}")
    out = []
    for i, (v, s) in enumerate(zip(value, spec)):
        out += leaf_specs(v, s, f"{where}[{i}]")
    return out
