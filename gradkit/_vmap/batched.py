"""The value ``vmap`` runs ``func`` on: a batched tensor.

A ``BatchedTensor`` holds a physical value whose dimension 0 is the batch of one vmap *level*
and whose other dimensions are the logical tensor ``func`` sees (``x.shape``, ``x.dim()``,
dim arguments, indexing and broadcasting all speak of the logical tensor). Nested vmaps nest
the wrappers, innermost level outside: the physical value of level 2 is itself a
``BatchedTensor`` of level 1 (or a plain Tensor), as functorch's wrappers nest.

Every gradkit function, Tensor method and operator reaching a BatchedTensor goes through the
``__torch_function__`` protocol to ``BatchedTensor.__torch_function__``: the op runs once on
the physical values by a batching rule (``rules.py``) where one exists, otherwise once per
batch entry on slices of the physical values, stacked again (PyTorch's slow fallback).
"""

from __future__ import annotations

from .._tensor.tensor import Tensor

__all__ = ["BatchedTensor", "LEVELS", "VmapFallback", "batch_size", "is_batched", "lift",
           "max_level", "physical", "wrap_level"]

# the running vmap levels, outermost first: [level, batch size]
LEVELS: list = []


class VmapFallback(Exception):
    """Raised inside a batched run where ``func`` does something the batched run cannot do
    (data-dependent Python control flow, ``.item()``): ``vmap`` reruns the call entry by
    entry."""


def batch_size(level):
    for lv, n in LEVELS:
        if lv == level:
            return n
    raise VmapFallback(f"vmap level {level} is no longer running")


def is_batched(x) -> bool:
    return type(x) is BatchedTensor


def max_level(args, kwargs=None):
    """The innermost vmap level among the BatchedTensors in ``args``/``kwargs`` (sequences and
    dicts looked into), 0 where there is none."""
    best = 0
    stack = list(args)
    if kwargs:
        stack.extend(kwargs.values())
    while stack:
        a = stack.pop()
        t = type(a)
        if t is BatchedTensor:
            if a.level > best:
                best = a.level
        elif t is list or t is tuple:
            stack.extend(a)
        elif t is dict:
            stack.extend(a.values())
    return best


def physical(x, level):
    """``x``'s physical value at ``level`` (batch in front) and whether it is batched there."""
    if type(x) is BatchedTensor and x.level == level:
        return x.value, True
    return x, False


def wrap_level(value, level):
    """``value`` (a tensor whose dim 0 is the batch of ``level``) as a BatchedTensor; tuples and
    lists of them wrapped item by item (named tuples keep their type)."""
    if isinstance(value, (tuple, list)):
        items = [wrap_level(v, level) for v in value]
        if hasattr(value, "_fields"):
            return type(value)(*items)
        return type(value)(items)
    if isinstance(value, Tensor):
        return BatchedTensor(value, level)
    return value


def lift(x, levels):
    """``x`` batched at each of ``levels`` (``[(level, size)]``, outermost first): a dimension
    broadcast to the batch size is added for every level at which it is not batched."""
    if not levels:
        return x
    *outer, (lv, n) = levels
    if type(x) is BatchedTensor and x.level == lv:
        return BatchedTensor(lift(x.value, outer), lv)
    if type(x) is BatchedTensor and x.level > lv:
        raise VmapFallback("a value batched at a deeper level than the transform")
    inner = lift(x, outer)
    return BatchedTensor(inner.unsqueeze(0).expand((n,) + tuple(inner.shape)), lv)


def _data_dependent(what):
    raise VmapFallback(f"vmap: {what} on a batched tensor needs its values (data-dependent "
                       f"control flow)")


class BatchedTensor:
    """A tensor of a vmap level seen without its batch dimension (see the module docstring)."""

    __slots__ = ("value", "level", "__weakref__")

    def __init__(self, value, level):
        self.value = value
        self.level = level

    # isinstance(x, Tensor) holds, as for functorch's BatchedTensor (a Tensor subclass there)
    @property
    def __class__(self):
        return Tensor

    __hash__ = object.__hash__

    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        from .rules import run_op

        return run_op(func, args, kwargs or {})

    # ---------------------------------------------------------------- logical metadata
    @property
    def shape(self):
        from .._tensor.tensor import Size

        return Size(tuple(self.value.shape)[1:])

    def size(self, dim=None):
        s = self.shape
        if dim is None:
            return s
        return s[dim]

    @property
    def ndim(self):
        return self.value.ndim - 1

    def dim(self):
        return self.value.ndim - 1

    ndimension = dim

    def numel(self):
        n = 1
        for s in self.shape:
            n *= s
        return n

    nelement = numel

    def __len__(self):
        if self.value.ndim == 1:
            raise TypeError("len() of a 0-d tensor")
        return self.value.shape[1]

    def __iter__(self):
        return (self[i] for i in range(len(self)))

    @property
    def dtype(self):
        return self.value.dtype

    @property
    def device(self):
        return self.value.device

    @property
    def layout(self):
        return self.value.layout

    @property
    def is_cuda(self):
        return self.value.is_cuda

    @property
    def is_sparse(self):
        return False

    @property
    def requires_grad(self):
        return self.value.requires_grad

    @requires_grad.setter
    def requires_grad(self, flag):
        self.value.requires_grad = flag

    @property
    def is_leaf(self):
        return self.value.is_leaf

    @property
    def grad_fn(self):
        return self.value.grad_fn

    @property
    def T(self):  # noqa: N802  (PyTorch's name)
        if self.ndim > 2:
            raise VmapFallback("Tensor.T of more than 2 dims (the plain Tensor's error)")
        return self.permute(tuple(range(self.ndim - 1, -1, -1)))

    @property
    def mT(self):  # noqa: N802
        return self.transpose(-2, -1)

    @property
    def data(self):
        return BatchedTensor(self.value.data, self.level)

    def is_floating_point(self):
        return self.value.is_floating_point()

    def is_complex(self):
        return self.value.is_complex()

    def element_size(self):
        return self.value.element_size()

    def __repr__(self):
        return f"BatchedTensor(lvl={self.level}, value={self.value!r})"

    # ------------------------------------------------------------ values Python needs now
    def item(self):
        _data_dependent(".item()")

    def tolist(self):
        _data_dependent(".tolist()")

    def numpy(self, *a, **k):
        _data_dependent(".numpy()")

    def __bool__(self):
        _data_dependent("bool()")

    def __float__(self):
        _data_dependent("float()")

    def __int__(self):
        _data_dependent("int()")

    def __index__(self):
        _data_dependent("an index")

    def __array__(self, *a, **k):
        _data_dependent("NumPy conversion")

    # ------------------------------------------------------------------ methods
    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(f"'Tensor' object (batched by vmap) has no attribute {name!r}")
        attr = getattr(Tensor, name)  # (AttributeError as a Tensor's)
        if not callable(attr) or isinstance(attr, type):
            raise VmapFallback(f"vmap: Tensor.{name} of a batched tensor")
        from .rules import run_op

        def method(*args, **kwargs):
            return run_op(attr, (self,) + args, kwargs)

        return method


def _operator(name):
    def op(self, *rest):
        from .rules import run_op

        return run_op(getattr(Tensor, name), (self,) + rest, {})

    op.__name__ = name
    return op


for _name in ("__add__", "__radd__", "__sub__", "__rsub__", "__mul__", "__rmul__",
              "__truediv__", "__rtruediv__", "__floordiv__", "__rfloordiv__", "__mod__",
              "__rmod__", "__pow__", "__rpow__", "__matmul__", "__rmatmul__", "__neg__",
              "__pos__", "__abs__", "__invert__", "__and__", "__rand__", "__or__", "__ror__",
              "__xor__", "__rxor__", "__lshift__", "__rshift__", "__eq__", "__ne__", "__lt__",
              "__le__", "__gt__", "__ge__", "__getitem__", "__setitem__", "__iadd__",
              "__isub__", "__imul__", "__itruediv__", "__ipow__", "__ifloordiv__", "__imod__",
              "__iand__", "__ior__", "__ixor__"):
    setattr(BatchedTensor, _name, _operator(_name))
BatchedTensor.__hash__ = object.__hash__
