"""``torch.export.Dim`` and the checks that ``dynamic_shapes`` and an exported program's inputs
pass.

A ``Dim("batch", min=2, max=64)`` marks one dimension of one or more inputs as free to vary
between those bounds; every other dimension is fixed to its size in the example inputs. The
exported program checks each call's inputs against these and raises ``AssertionError`` naming
the input and dimension (``Guard failed: x.size()[1] == 3``), as PyTorch's does.
"""

from __future__ import annotations

import math

__all__ = ["Dim", "dims", "ShapesCollection", "UserError", "GuardOnDataDependentSymNode"]


class UserError(RuntimeError):
    """The program cannot be exported as asked (PyTorch's ``torch._dynamo.exc.UserError``):
    e.g. a dimension marked dynamic that the program fixes to a constant."""


class GuardOnDataDependentSymNode(RuntimeError):
    """The program's control flow depends on a tensor's values (``if x.sum() > 0:``), which an
    export cannot capture (PyTorch raises the same-named error)."""


class _DimHint:
    """``Dim.AUTO`` / ``Dim.DYNAMIC`` / ``Dim.STATIC``."""

    def __init__(self, kind: str):
        self.kind = kind

    def __repr__(self):
        return f"DimHint({self.kind})"


class Dim:
    """A named dimension that may vary between ``min`` and ``max`` (inclusive).

    Args:
        name: the name printed in the program's shapes and range constraints.
        min: the smallest size accepted (default 0).
        max: the largest size accepted (default unbounded).

    Example::

        batch = torch.export.Dim("batch", min=2, max=64)
        ep = torch.export.export(model, (x,), dynamic_shapes={"x": {0: batch}})

    ``Dim.AUTO`` and ``Dim.DYNAMIC`` mark a dimension dynamic without a name, ``Dim.STATIC``
    fixes it. Unlike PyTorch, expressions of dims (``2 * batch``) are not supported.
    """

    AUTO = _DimHint("AUTO")
    DYNAMIC = _DimHint("DYNAMIC")
    STATIC = _DimHint("STATIC")

    def __init__(self, name: str, *, min: int | None = None, max: int | None = None):
        if not isinstance(name, str) or not name.isidentifier():
            raise TypeError(f"Dim(): name must be a Python identifier, got {name!r}")
        lo = 0 if min is None else min
        hi = math.inf if max is None else max
        if not isinstance(lo, int) or not (isinstance(hi, int) or hi == math.inf):
            raise TypeError(f"Dim({name!r}): min and max must be ints, got min={min!r}, "
                            f"max={max!r}")
        if lo < 0 or hi < lo:
            raise UserError(f"Dim({name!r}): expected 0 <= min <= max, got min={min}, max={max}")
        self.__name__ = name
        self.min = lo
        self.max = hi

    def __repr__(self):
        hi = "int_oo" if self.max == math.inf else self.max
        return f"Dim({self.__name__!r}, min={self.min}, max={hi})"

    def _arith(self, *_):
        raise NotImplementedError(f"Dim {self.__name__!r}: gradkit's export does not support "
                                  f"derived dims (expressions of a Dim); give each dynamic "
                                  f"dimension its own Dim")

    __add__ = __radd__ = __sub__ = __mul__ = __rmul__ = __floordiv__ = _arith


def dims(*names: str, min: int | None = None, max: int | None = None) -> tuple:
    """``Dim`` for each name, all with the same bounds."""
    return tuple(Dim(n, min=min, max=max) for n in names)


class ShapesCollection(dict):
    """``dynamic_shapes`` keyed by the input tensors themselves (``sc[x] = {0: batch}``)."""

    def __setitem__(self, tensor, spec):
        super().__setitem__(id(tensor), spec)

    def __getitem__(self, tensor):
        return super().__getitem__(id(tensor))

    def get(self, tensor, default=None):
        return super().get(id(tensor), default)

    def dynamic_shapes(self, model, args, kwargs=None):
        return self


def _dims_of_leaf(t, spec, where: str) -> dict:
    """``{dim index: Dim}`` of one input tensor from its spec (a dict, a list/tuple or None)."""
    if spec is None:
        return {}
    n = t.dim()
    if isinstance(spec, dict):
        items = list(spec.items())
    elif isinstance(spec, (list, tuple)):
        if len(spec) != n:
            raise UserError(f"dynamic_shapes of {where}: expected one entry per dimension "
                            f"({n}), got {len(spec)}")
        items = list(enumerate(spec))
    else:
        raise UserError(f"dynamic_shapes of {where}: expected a dict {{dim: Dim}} or a "
                        f"list/tuple of Dim/None per dimension, got {type(spec).__name__}")
    out = {}
    counter = [0]
    for d, dim in items:
        if not isinstance(d, int) or not -n <= d < n:
            raise UserError(f"dynamic_shapes of {where}: dimension {d!r} is out of range for "
                            f"a tensor of {n} dimensions")
        d %= n
        if dim is None or dim is Dim.STATIC:
            continue
        if isinstance(dim, _DimHint):
            counter[0] += 1
            dim = Dim(f"{where.replace('.', '_').replace('[', '_').replace(']', '')}_dim{d}")
        if not isinstance(dim, Dim):
            raise UserError(f"dynamic_shapes of {where}: dimension {d} must be given a "
                            f"torch.export.Dim, Dim.AUTO/DYNAMIC/STATIC or None, got "
                            f"{type(dim).__name__}")
        size = t.shape[d]
        if not dim.min <= size <= dim.max:
            raise UserError(f"Constraints violated ({dim.__name__})! The example input {where} "
                            f"has size {size} at dimension {d}, outside the range "
                            f"[{dim.min}, {dim.max}] of {dim!r}; give an example inside it")
        out[d] = dim
    return out


def leaf_dims(names: list, leaves: list, specs: list) -> list:
    """Per input leaf, its ``{dim: Dim}``; checks one Dim has one size across inputs."""
    from .. import Tensor

    out = []
    seen: dict = {}
    for name, t, spec in zip(names, leaves, specs):
        if not isinstance(t, Tensor):
            if spec is not None:
                raise UserError(f"dynamic_shapes: input {name} is not a tensor "
                                f"({type(t).__name__}) but was given a spec {spec!r}")
            out.append({})
            continue
        got = _dims_of_leaf(t, spec, name)
        for d, dim in got.items():
            prev = seen.setdefault(dim.__name__, (dim, t.shape[d], name, d))
            if prev[1] != t.shape[d]:
                raise UserError(f"Constraints violated ({dim.__name__})! {prev[2]} has size "
                                f"{prev[1]} at dimension {prev[3]} but {name} has "
                                f"{t.shape[d]} at dimension {d}; one Dim means one size")
        out.append(got)
    return out
