"""The Tensor: an array, its gradient, and the node that produced it.

Operators and methods dispatch to the primitives in ``gradkit.ops`` through ``apply1``/``apply2``/
``apply``, which run the op's forward on arrays and record a ``Node`` when grad mode is on and an
input requires grad. This file is the hot path: keep it free of kwargs parsing and logging.
"""

from __future__ import annotations

import numbers

import numpy as np

from . import _dtype
from ._backend import namespace_of, numpy_ns
from .autograd import grad_mode
from .autograd.functional_core import backward as _autograd_backward
from .autograd.graph import (
    NEEDS_SCALAR_SECOND,
    SAVES_INPUTS,
    SAVES_OUTPUT,
    VERSIONS_0,
    VERSIONS_0_NONE,
    VERSIONS_00,
    Node,
    anomaly_state,
    make_node,
    record_trace,
)
from .ops import elementwise as E
from .ops import shape as S

__all__ = ["Tensor", "apply1", "apply2", "apply", "wrap", "as_tensor_arg"]

_ndarray = np.ndarray
_STATE = grad_mode.STATE
_new = object.__new__
_VIEW_OPS = (S.RESHAPE, S.PERMUTE, S.EXPAND, S.GETITEM)
_VIEW_OPS_SET = frozenset(_VIEW_OPS)  # a hash lookup, cheaper than the tuple's == scan
_NEEDS1 = (True,)
_ADD, _SUB, _MUL = E.ADD, E.SUB, E.MUL


def _make(data, requires_grad, grad_fn):
    t = _new(Tensor)
    t._data = data
    t.requires_grad = requires_grad
    t.grad_fn = grad_fn
    t.grad = None
    t._vcl = None
    t._hooks = None
    return t


def wrap(data):
    """A leaf Tensor around an array (no copy)."""
    return _make(data, False, None)


def _wrap_node(data, node):
    return _make(data, True, node)


def _edge(t):
    return t.grad_fn if t.grad_fn is not None else t


def _ns(a):
    return numpy_ns if type(a) is _ndarray else namespace_of(a)


def apply1(op, x, params=()):
    """Run a one-input op on Tensor ``x`` and record it when needed."""
    data = x._data
    xp = numpy_ns if type(data) is _ndarray else namespace_of(data)
    out = op.forward(xp, data, *params) if params else op.forward(xp, data)
    if op.returns_aux:
        out, aux = out
    else:
        aux = params
    if type(out) is not _ndarray:
        out = _as_array(out)
    if x.requires_grad and _STATE[0]:
        saves = op.saves
        edge = x.grad_fn
        if edge is None:
            edge = x
        if saves & SAVES_INPUTS:
            vl = x._vcl
            ver = 0 if vl is None else vl[0]
            node = make_node(op, (x,), (edge,), (data,), out if saves & SAVES_OUTPUT else None,
                             aux, VERSIONS_0 if ver == 0 else (ver,), _NEEDS1)
        else:
            node = make_node(op, (x,), (edge,), None, out if saves & SAVES_OUTPUT else None,
                             aux, None, _NEEDS1)
        if anomaly_state[0]:
            record_trace(node)
        t = _new(Tensor)  # _make, inlined
        t._data = out
        t.requires_grad = True
        t.grad_fn = node
        t.grad = None
        t._hooks = None
        if saves & SAVES_OUTPUT:
            t._vcl = node.out_vc = [0]
        else:
            t._vcl = None
        if op in _VIEW_OPS_SET:
            t._vcl = x._vc
        return t
    t = _make(out, False, None)
    if op in _VIEW_OPS_SET:
        t._vcl = x._vc
    return t


def apply2(op, a, b, params=()):
    """Run a two-input op; either input may be a Python scalar (a constant)."""
    ta = type(a) is Tensor or isinstance(a, Tensor)
    tb = type(b) is Tensor or isinstance(b, Tensor)
    da = a._data if ta else a
    db = b._data if tb else b
    d0 = da if ta else db
    xp = numpy_ns if type(d0) is _ndarray else namespace_of(d0)
    out = op.forward(xp, da, db, *params) if params else op.forward(xp, da, db)
    if op.returns_aux:
        out, aux = out
    else:
        aux = params
    if type(out) is not _ndarray:
        out = _as_array(out)
    ra = ta and a.requires_grad
    rb = tb and b.requires_grad
    if (ra or rb) and _STATE[0]:
        saves = op.saves
        ea = eb = None
        if ra:
            ea = a.grad_fn
            if ea is None:
                ea = a
        if rb:
            eb = b.grad_fn
            if eb is None:
                eb = b
        nxt = (ea, eb)
        if saves & SAVES_INPUTS:
            va = vb = None
            if ta:
                vl = a._vcl
                va = 0 if vl is None else vl[0]
            if tb:
                vl = b._vcl
                vb = 0 if vl is None else vl[0]
            if va == 0 and vb == 0:
                vs = VERSIONS_00
            elif va == 0 and vb is None:
                vs = VERSIONS_0_NONE
            else:
                vs = (va, vb)
            node = make_node(op, (a, b), nxt, (da, db), out if saves & SAVES_OUTPUT else None,
                             aux, vs, (ra, rb))
        else:
            node = make_node(op, (a, b), nxt, None, out if saves & SAVES_OUTPUT else None, aux,
                             None, (ra, rb))
        if anomaly_state[0]:
            record_trace(node)
        t = _new(Tensor)  # _make, inlined
        t._data = out
        t.requires_grad = True
        t.grad_fn = node
        t.grad = None
        t._hooks = None
        if saves & SAVES_OUTPUT:
            t._vcl = node.out_vc = [0]
        else:
            t._vcl = None
        return t
    return _make(out, False, None)


def apply(op, inputs, params=()):
    """Run an op over any number of inputs (Tensors or Python scalars)."""
    datas = []
    first = None
    any_grad = False
    for t in inputs:
        if isinstance(t, Tensor):
            datas.append(t._data)
            if first is None:
                first = t._data
            if t.requires_grad:
                any_grad = True
        else:
            datas.append(t)
    out = op.forward(_ns(first), *datas, *params)
    if op.returns_aux:
        out, aux = out
    else:
        aux = params
    if type(out) is not _ndarray:
        out = _as_array(out)
    if any_grad and _STATE[0]:
        saves = op.saves
        nxt = tuple(_edge(t) if isinstance(t, Tensor) and t.requires_grad else None
                    for t in inputs)
        versions = None
        if saves & SAVES_INPUTS:
            versions = tuple(t._vc[0] if isinstance(t, Tensor) else None for t in inputs)
        node = make_node(op, tuple(inputs), nxt, tuple(datas) if saves & SAVES_INPUTS else None,
                         out if saves & SAVES_OUTPUT else None, aux, versions,
                         tuple(n is not None for n in nxt))
        if anomaly_state[0]:
            record_trace(node)
        t = _make(out, True, node)
        if saves & SAVES_OUTPUT:
            node.out_vc = t._vc
        return t
    return _make(out, False, None)


def _as_array(out):
    """NumPy returns scalars from 0-d computations; Tensors always hold arrays."""
    if isinstance(out, np.generic):
        return np.asarray(out)
    return out


def as_tensor_arg(x, like=None, name="argument"):
    """Turn an operand into a Tensor (arrays, lists, NumPy scalars), keeping Tensors as they are."""
    if isinstance(x, Tensor):
        return x
    tx = type(x)
    # a device array (CuPy) before the ndarray check, where np.asarray would copy it to the host
    if tx is not _ndarray and tx is not list and tx is not tuple and _is_device_array(x):
        return wrap(x)
    if isinstance(x, np.ndarray) or isinstance(x, (list, tuple)):
        arr = np.asarray(x)
        if arr.dtype == np.float64 and not isinstance(x, np.ndarray):
            arr = arr.astype(_dtype.get_default_dtype())
        return wrap(arr)
    if isinstance(x, np.generic):
        return wrap(np.asarray(x))
    raise TypeError(f"{name} must be a Tensor or a number, got {type(x).__name__}")


def _is_device_array(x):
    return hasattr(x, "__cuda_array_interface__")


def _scalar_or_tensor(x):
    """Python numbers pass through (weak scalars, as in PyTorch); anything else becomes a Tensor."""
    t = type(x)
    if t is float or t is int or t is bool:
        return x
    if isinstance(x, Tensor):
        return x
    if isinstance(x, np.generic):
        return x.item()
    if isinstance(x, numbers.Number):
        return x
    return as_tensor_arg(x, name="operand")


def _check_broadcast(a, b, opname):
    sa, sb = a.shape, b.shape
    for x, y in zip(reversed(sa), reversed(sb)):
        if x != y and x != 1 and y != 1:
            raise RuntimeError(
                f"{opname}: the shapes {tuple(sa)} and {tuple(sb)} cannot be broadcast together "
                f"(size {x} against {y} in a trailing dimension). Make the sizes equal or 1, e.g. "
                f"with unsqueeze()/reshape()."
            )


def _apply_scalar(op, a, s):
    """``a op s`` for a floating Tensor and a Python number: apply2 without the type checks
    (the most common op shape in user code, so it gets its own lean path). ``op`` must be
    elementwise: the node's ``needs`` tells the engine that no broadcast check is needed."""
    da = a._data
    return _scalar_result(op, a, s, da,
                          op.forward(numpy_ns if type(da) is _ndarray else namespace_of(da), da, s))


def _scalar_result(op, a, s, da, out):
    """The Tensor for ``out = a op s`` (``da``: ``a``'s array), recorded when needed."""
    if type(out) is not _ndarray:
        out = _as_array(out)
    if a.requires_grad and _STATE[0]:
        saves = op.saves
        edge = a.grad_fn
        if edge is None:
            edge = a
        node = _new(Node)  # make_node, inlined
        node.op = op
        node.inputs = (a, s)
        node.next = (edge, None)
        node.needs = NEEDS_SCALAR_SECOND
        node.aux = ()
        node.pre_hooks = None
        node.released = False
        node.meta = None
        node.out_vc = None
        if saves & SAVES_INPUTS:
            vl = a._vcl
            node.saved = (da, s)
            node.versions = VERSIONS_0_NONE if vl is None or vl[0] == 0 else (vl[0], None)
        else:
            node.saved = node.versions = None
        t = _new(Tensor)  # _make, inlined
        t._data = out
        t.requires_grad = True
        t.grad_fn = node
        t.grad = None
        t._hooks = None
        if saves & SAVES_OUTPUT:
            node.out = out
            t._vcl = node.out_vc = [0]
        else:
            node.out = None
            t._vcl = None
        if anomaly_state[0]:
            record_trace(node)
        return t
    return _make(out, False, None)


def _binary(op, a, b, opname):
    """Promote dtypes as PyTorch does, then apply ``op`` to ``a`` (Tensor) and ``b``."""
    tb = type(b)
    if (tb is float or tb is int) and a._data.dtype.kind == "f":
        return _apply_scalar(op, a, b)
    if tb is not Tensor:
        b = _scalar_or_tensor(b)
    if type(b) is Tensor or isinstance(b, Tensor):
        if type(a._data) is not type(b._data):
            a, b = _same_device(a, b, opname)
        da, db = a._data.dtype, b._data.dtype
        if da is not db and da != db:
            rt = _dtype.result_type(da, a._data.ndim, db, b._data.ndim)
            if da != rt:
                a = a.to(rt)
            if db != rt:
                b = b.to(rt)
        try:
            return apply2(op, a, b)
        except ValueError:
            _check_broadcast(a, b, opname)
            raise
    if a._data.dtype.kind != "f":
        rt = _dtype.scalar_result_dtype(a._data.dtype, b)
        if rt != a._data.dtype:
            a = a.to(rt)
    return apply2(op, a, b)


def _rbinary(op, a, b, opname):
    """``b op a`` where ``b`` is the non-Tensor left operand."""
    b = _scalar_or_tensor(b)
    if isinstance(b, Tensor):
        return _binary_tensors_reversed(op, a, b, opname)
    if a._data.dtype.kind != "f":
        rt = _dtype.scalar_result_dtype(a._data.dtype, b)
        if rt != a._data.dtype:
            a = a.to(rt)
    return apply2(op, b, a)


def _same_device(a, b, opname):
    """Operands on different devices: a 0-d CPU tensor follows the other (as in PyTorch);
    anything else is an error naming both devices."""
    if b.ndim == 0 and type(b._data) is _ndarray:
        return a, b.to(a.device)
    if a.ndim == 0 and type(a._data) is _ndarray:
        return a.to(b.device), b
    raise RuntimeError(
        f"{opname}: expected all tensors to be on the same device, but found at least two "
        f"devices, {a.device} and {b.device}! Move one with .to(device) (e.g. x.to('{a.device}'))."
    )


def _binary_tensors_reversed(op, a, b, opname):
    if type(a._data) is not type(b._data):
        a, b = _same_device(a, b, opname)
    da, db = a._data.dtype, b._data.dtype
    if da != db:
        rt = _dtype.result_type(da, a._data.ndim, db, b._data.ndim)
        a = a.to(rt) if da != rt else a
        b = b.to(rt) if db != rt else b
    return apply2(op, b, a)


def _div_operands(a, b):
    """True division of a non-float Tensor ``a``: promote both operands as PyTorch does (so
    int32 / float16 stays float16), then go to the default float if the result is integral."""
    b = _scalar_or_tensor(b)
    bt = isinstance(b, Tensor)
    if bt:
        rt = _dtype.result_type(a._data.dtype, a._data.ndim, b._data.dtype, b._data.ndim)
    else:
        rt = _dtype.scalar_result_dtype(a._data.dtype, b)
    if rt.kind != "f":
        rt = _dtype.get_default_dtype()
    if bt and b._data.dtype != rt:
        b = b.to(rt)
    return (a.to(rt) if a._data.dtype != rt else a), b


def _float_operand(a):
    """True division and transcendental ops promote integers to the default float dtype."""
    if a._data.dtype.kind != "f":
        return a.to(_dtype.get_default_dtype())
    return a


def _norm_axis(dim, ndim):
    """``dim`` (int, tuple or None) as a sorted tuple of non-negative axes, or None."""
    if dim is None:
        return None
    if isinstance(dim, (list, tuple)):
        if len(dim) == 0:
            return None
        return tuple(sorted(_wrap_dim(d, ndim) for d in dim))
    return (_wrap_dim(dim, ndim),)


def _wrap_dim(d, ndim):
    if not isinstance(d, (int, np.integer)):
        raise TypeError(f"dim must be an int, got {type(d).__name__}")
    n = max(ndim, 1)
    if d < -n or d >= n:
        raise IndexError(
            f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {d})"
        )
    return int(d) % n if ndim else 0


def _shape_arg(shape):
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        return tuple(shape[0])
    return tuple(shape)


class Tensor:
    """A multi-dimensional array that records the ops applied to it for automatic differentiation.

    Create tensors with :func:`gradkit.tensor`, the factories (``zeros``, ``randn``, ...) or
    :func:`gradkit.from_numpy`. Attributes follow PyTorch: ``grad``, ``requires_grad``,
    ``grad_fn``, ``is_leaf``, ``shape``, ``dtype``, ``device``.
    """

    # ``_vcl``: the version counter, a one-element list shared by views of the same storage;
    # None until first needed (version 0), read and shared through the ``_vc`` property
    __slots__ = ("_data", "requires_grad", "grad_fn", "grad", "_vcl", "_hooks", "__weakref__")
    __array_priority__ = 1000  # numpy scalars/arrays on the left defer to Tensor's operators

    def __init__(self, data=None, *, dtype=None, requires_grad=False):
        from .factories import _to_array

        arr = _to_array([] if data is None else data, dtype)
        self._data = arr
        self.requires_grad = False
        self.grad_fn = None
        self.grad = None
        self._vcl = None
        self._hooks = None
        if requires_grad:
            self.requires_grad_(True)

    # ----------------------------------------------------------------- attributes
    @property
    def data(self) -> "Tensor":
        """The same storage, detached from the graph (like ``Tensor.data`` in PyTorch)."""
        return _make(self._data, False, None)

    @data.setter
    def data(self, value):
        value = as_tensor_arg(value, name="data")
        self._data = value._data

    @property
    def shape(self):
        return Size(self._data.shape)

    @property
    def dtype(self):
        return self._data.dtype

    @property
    def ndim(self) -> int:
        return self._data.ndim

    @property
    def is_leaf(self) -> bool:
        return self.grad_fn is None

    @property
    def _version(self) -> int:
        vl = self._vcl
        return 0 if vl is None else vl[0]

    @property
    def _vc(self) -> list:
        """The version counter: ``[version]``, shared with views; in-place ops do
        ``t._vc[0] += 1``. Created on first use (most tensors are never modified)."""
        vl = self._vcl
        if vl is None:
            vl = self._vcl = [0]
        return vl

    @_vc.setter
    def _vc(self, value):
        self._vcl = value

    @property
    def device(self):
        from .device import device_of

        return device_of(self._data)

    @property
    def is_cuda(self) -> bool:
        return type(self._data) is not _ndarray

    @property
    def T(self) -> "Tensor":
        if self.ndim > 2:
            raise RuntimeError(
                f"Tensor.T on a {self.ndim}-D tensor is ambiguous; use .mT for the last two "
                f"dimensions or permute() to choose the order"
            )
        return self.permute(*range(self.ndim - 1, -1, -1))

    @property
    def mT(self) -> "Tensor":
        return self.transpose(-2, -1)

    def size(self, dim=None):
        if dim is None:
            return self.shape
        return self._data.shape[_wrap_dim(dim, self.ndim)]

    def dim(self) -> int:
        return self._data.ndim

    def numel(self) -> int:
        return int(self._data.size)

    nelement = numel

    def element_size(self) -> int:
        return self._data.itemsize

    def __len__(self):
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def is_floating_point(self) -> bool:
        return self._data.dtype.kind == "f"

    def is_contiguous(self) -> bool:
        return bool(self._data.flags.c_contiguous)

    def contiguous(self) -> "Tensor":
        if self._data.flags.c_contiguous:
            return self
        return self.clone()

    def item(self):
        if self._data.size != 1:
            raise RuntimeError(
                f"a Tensor with {self._data.size} elements cannot be converted to Scalar; item() "
                f"needs exactly one element (shape {tuple(self.shape)})"
            )
        return self._data.reshape(()).item()

    def tolist(self):
        return _to_host(self._data).tolist()

    def numpy(self, *, force=False) -> np.ndarray:
        """The NumPy array behind this tensor (shared, not copied) — as in PyTorch, it refuses
        when the tensor requires grad unless ``force=True``."""
        if self.requires_grad and not force:
            raise RuntimeError(
                "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() "
                "instead."
            )
        if type(self._data) is not _ndarray:
            if not force:
                raise TypeError(
                    "can't convert a cuda tensor to numpy. Use Tensor.cpu() to copy the tensor to "
                    "host memory first."
                )
            return _to_host(self._data)
        return self._data

    def __array__(self, dtype=None, copy=None):
        arr = _to_host(self._data)
        return arr if dtype is None else arr.astype(dtype)

    # identity hash in C (a Python-level __hash__ costs ~50 ns per dict operation in the engine)
    __hash__ = object.__hash__

    def __bool__(self):
        if self._data.size != 1:
            raise RuntimeError(
                f"Boolean value of Tensor with {self._data.size} values is ambiguous; use .any() "
                f"or .all()"
            )
        return bool(self._data)

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    def __index__(self):
        if self._data.dtype.kind not in "iub" or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self.item())

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self._data.shape[0]))

    def __repr__(self):
        return _format(self)

    def __deepcopy__(self, memo):
        if not self.is_leaf:
            raise RuntimeError(
                "Only Tensors created explicitly by the user (graph leaves) support the deepcopy "
                "protocol at the moment. Use detach().clone() first."
            )
        new = _make(self._data.copy(), self.requires_grad, None)
        new.__class__ = self.__class__
        if self.grad is not None:
            new.grad = _make(self.grad._data.copy(), False, None)
        memo[id(self)] = new
        return new

    def __reduce_ex__(self, proto):
        return (_rebuild, (_to_host(self._data), self.requires_grad, type(self)))

    # ----------------------------------------------------------------- autograd
    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        """Accumulate the gradient of this tensor into the ``.grad`` of the leaves.

        Args:
            gradient: the gradient of some scalar w.r.t. this tensor; needed unless it has one
                element.
            retain_graph: keep the graph for another backward (defaults to ``create_graph``).
            create_graph: record the backward pass, for higher-order derivatives.
            inputs: only these leaves accumulate ``.grad``.
        """
        _autograd_backward([self], None if gradient is None else [gradient], retain_graph,
                           create_graph, inputs)

    def detach(self) -> "Tensor":
        t = _make(self._data, False, None)
        t._vc = self._vc
        return t

    def detach_(self) -> "Tensor":
        self.grad_fn = None
        self.requires_grad = False
        return self

    def requires_grad_(self, requires_grad: bool = True) -> "Tensor":
        if not self.is_leaf:
            if not requires_grad:
                raise RuntimeError(
                    "you can only change requires_grad flags of leaf variables. If you want to use "
                    "a computed variable in a subgraph that doesn't require differentiation use "
                    "var_no_grad = var.detach()."
                )
            return self
        if requires_grad and self._data.dtype.kind not in "fc":
            raise RuntimeError(
                f"only Tensors of floating point dtype can require gradients (got {self.dtype}); "
                f"convert first, e.g. x.float().requires_grad_()"
            )
        self.requires_grad = bool(requires_grad)
        return self

    def retain_grad(self) -> None:
        """Keep ``.grad`` for this non-leaf tensor after backward."""
        if self.is_leaf:
            return
        if not self.requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self._hooks and any(getattr(h, "_retain", False) for h in self._hooks):
            return
        import weakref

        ref = weakref.ref(self)

        def retain(g):
            t = ref()
            if t is not None:
                t.grad = g.detach() if t.grad is None else t.grad + g.detach()

        retain._retain = True
        self.grad_fn.register_prehook(retain)
        self._hooks = (self._hooks or []) + [retain]

    @property
    def retains_grad(self) -> bool:
        return bool(self._hooks) and any(getattr(h, "_retain", False) for h in self._hooks)

    def register_hook(self, hook):
        """Call ``hook(grad)`` when this tensor's gradient is computed; a returned tensor
        replaces the gradient. Returns a handle with ``remove()``."""
        if not self.requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self.grad_fn is not None:
            self.grad_fn.register_prehook(hook)
            target = self.grad_fn.pre_hooks
        else:
            if self._hooks is None:
                self._hooks = []
            self._hooks.append(hook)
            target = self._hooks
        return _HookHandle(target, hook)

    def register_post_accumulate_grad_hook(self, hook):
        """Call ``hook(tensor)`` after backward has accumulated into this leaf's ``.grad``."""
        from .autograd.graph import PostAccumulateHook

        if self.grad_fn is not None:
            raise RuntimeError(
                "post accumulate grad hooks cannot be registered on non-leaf tensors"
            )
        if not self.requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        wrapped = PostAccumulateHook(hook)
        if self._hooks is None:
            self._hooks = []
        self._hooks.append(wrapped)
        return _HookHandle(self._hooks, wrapped)

    # ----------------------------------------------------------------- conversion
    def to(self, *args, **kwargs) -> "Tensor":
        """Convert dtype and/or device: ``to(dtype)``, ``to(device)``, ``to(other)``,
        ``to(device, dtype)``; differentiable."""
        from .device import Device, _parse_device_dtype

        device, dtype = _parse_device_dtype(args, kwargs)
        t = self
        if device is not None and Device(device) != self.device:
            from .device import _transfer

            t = _transfer(t, Device(device))
        if dtype is not None:
            dtype = _dtype.to_dtype(dtype)
            if dtype != t._data.dtype:
                if t.requires_grad and dtype.kind not in "fc":
                    return wrap(t._data.astype(dtype))
                t = apply1(E.CAST, t, (dtype, t._data.dtype))
        if kwargs.get("copy") and t is self:
            t = t.clone()
        return t

    def type(self, dtype=None):
        if dtype is None:
            return str(self.dtype)
        return self.to(dtype)

    def float(self):
        return self.to(_dtype.float32)

    def double(self):
        return self.to(_dtype.float64)

    def half(self):
        return self.to(_dtype.float16)

    def long(self):
        return self.to(_dtype.int64)

    def int(self):
        return self.to(_dtype.int32)

    def bool(self):
        return self.to(_dtype.bool)

    def cpu(self):
        return self.to("cpu")

    def cuda(self, device=None):
        return self.to("cuda" if device is None else f"cuda:{int(device)}")

    def clone(self) -> "Tensor":
        return apply1(_CLONE, self)

    def copy_(self, src) -> "Tensor":
        src = as_tensor_arg(src, name="src")
        if self.requires_grad or src.requires_grad:
            return self._inplace(_COPY, src)
        arr = src._data
        if type(arr) is not type(self._data):
            from .device import _to_namespace_of

            arr = _to_namespace_of(arr, self._data)
        try:
            self._data[...] = arr
        except ValueError:
            _check_broadcast(self, src, "copy_")
            raise
        self._vc[0] += 1
        return self

    # ----------------------------------------------------------------- arithmetic
    def __add__(self, other):
        t = type(other)  # a float Tensor and a Python number: skip _binary's checks
        if t is float or t is int:
            da = self._data
            if type(da) is _ndarray and da.dtype.kind == "f":  # the op's forward, inlined
                return _scalar_result(_ADD, self, other, da, da + other)
            if da.dtype.kind == "f":
                return _apply_scalar(_ADD, self, other)
        return _binary(E.ADD, self, other, "add")

    def __radd__(self, other):
        return _rbinary(E.ADD, self, other, "add")

    def __sub__(self, other):
        t = type(other)  # a float Tensor and a Python number: skip _binary's checks
        if t is float or t is int:
            da = self._data
            if type(da) is _ndarray and da.dtype.kind == "f":  # the op's forward, inlined
                return _scalar_result(_SUB, self, other, da, da - other)
            if da.dtype.kind == "f":
                return _apply_scalar(_SUB, self, other)
        return _binary(E.SUB, self, other, "sub")

    def __rsub__(self, other):
        return _rbinary(E.SUB, self, other, "sub")

    def __mul__(self, other):
        t = type(other)  # a float Tensor and a Python number: skip _binary's checks
        if t is float or t is int:
            da = self._data
            if type(da) is _ndarray and da.dtype.kind == "f":  # the op's forward, inlined
                return _scalar_result(_MUL, self, other, da, da * other)
            if da.dtype.kind == "f":
                return _apply_scalar(_MUL, self, other)
        return _binary(E.MUL, self, other, "mul")

    def __rmul__(self, other):
        return _rbinary(E.MUL, self, other, "mul")

    def __truediv__(self, other):
        if self._data.dtype.kind != "f":
            self, other = _div_operands(self, other)
        return _binary(E.DIV, self, other, "div")

    def __rtruediv__(self, other):
        if self._data.dtype.kind != "f":
            self, other = _div_operands(self, other)
        return _rbinary(E.DIV, self, other, "div")

    def __pow__(self, other):
        return _binary(E.POW, self, other, "pow")

    def __rpow__(self, other):
        return _rbinary(E.POW, self, other, "pow")

    def __neg__(self):
        return apply1(E.NEG, self)

    def __pos__(self):
        return self

    def __abs__(self):
        return apply1(E.ABS, self)

    # __matmul__ / __rmatmul__ are attached by _functions (matmul lives there)

    def __floordiv__(self, other):
        return wrap(self._data // _raw(other))

    def __rfloordiv__(self, other):
        return wrap(_raw(other) // self._data)

    def __mod__(self, other):
        return wrap(self._data % _raw(other))

    # comparisons and logic: not differentiable
    def __eq__(self, other):
        return wrap(self._data == _raw(other))

    def __ne__(self, other):
        return wrap(self._data != _raw(other))

    def __lt__(self, other):
        return wrap(self._data < _raw(other))

    def __le__(self, other):
        return wrap(self._data <= _raw(other))

    def __gt__(self, other):
        return wrap(self._data > _raw(other))

    def __ge__(self, other):
        return wrap(self._data >= _raw(other))

    def __and__(self, other):
        return wrap(self._data & _raw(other))

    def __or__(self, other):
        return wrap(self._data | _raw(other))

    def __xor__(self, other):
        return wrap(self._data ^ _raw(other))

    def __invert__(self):
        return wrap(~self._data)

    __rand__ = __and__
    __ror__ = __or__

    def eq(self, other):
        return self == other

    def ne(self, other):
        return self != other

    def lt(self, other):
        return self < other

    def le(self, other):
        return self <= other

    def gt(self, other):
        return self > other

    def ge(self, other):
        return self >= other

    def equal(self, other) -> bool:
        return self.shape == other.shape and bool((self._data == other._data).all())

    def add(self, other, *, alpha=1):
        return self + (other if alpha == 1 else other * alpha)

    def sub(self, other, *, alpha=1):
        return self - (other if alpha == 1 else other * alpha)

    def mul(self, other):
        return self * other

    def div(self, other, *, rounding_mode=None):
        if rounding_mode is None:
            return self / other
        q = self._data / _raw(other)
        q = np.floor(q) if rounding_mode == "floor" else np.trunc(q)
        return wrap(q.astype(self.dtype) if self.dtype.kind != "f" else q)

    def true_divide(self, other):
        return self / other

    def pow(self, exponent):
        return self ** exponent

    def neg(self):
        return -self

    def matmul(self, other):
        return self @ other

    # ----------------------------------------------------------------- in place
    def _inplace(self, op, other=None, params=(), name=None):
        """Apply ``op`` to self (and ``other``) and write the result into self's storage."""
        rg = self.requires_grad or (isinstance(other, Tensor) and other.requires_grad)
        name = name or op.name.lower() + "_"
        if rg and _STATE[0]:
            if self.grad_fn is None and self.requires_grad:
                raise RuntimeError(
                    f"a leaf Variable that requires grad is being used in an in-place operation "
                    f"({name}). Wrap the update in `with gradkit.no_grad():` (as optimizers do) "
                    f"or use the out-of-place form."
                )
            if self.grad_fn is not None and self.grad_fn.op in _VIEW_OPS:
                raise RuntimeError(
                    f"{name}: in-place modification of a view ({self.grad_fn.name()}) of a tensor "
                    f"that requires grad is not supported by gradkit. Use the out-of-place form "
                    f"or clone() the view first."
                )
            keep = self._data.copy() if op.saves & SAVES_INPUTS else self._data
            old = _make(keep, self.requires_grad, self.grad_fn)
            old._vc = [self._vc[0]]
            if other is None:
                res = apply1(op, old, params)
            else:
                other = _scalar_or_tensor(other)
                try:
                    res = apply2(op, old, other, params)
                except ValueError:
                    _check_broadcast(self, other, name)
                    raise
            if tuple(res.shape) != tuple(self.shape):
                raise RuntimeError(
                    f"{name}: output with shape {tuple(self.shape)} doesn't match the broadcast "
                    f"shape {tuple(res.shape)}"
                )
            prev = self.grad_fn
            if prev is not None and prev.op.saves & SAVES_OUTPUT:
                if prev.meta is None:
                    prev.meta = {}
                prev.meta["output_modified"] = name
            _assign(self, res._data, name)
            self.grad_fn = res.grad_fn
            self.requires_grad = True
            return self
        # no graph: compute and write in place
        if other is None:
            out = op.forward(_ns(self._data), self._data, *params)
        else:
            o = _scalar_or_tensor(other)
            od = o._data if isinstance(o, Tensor) else o
            try:
                out = op.forward(_ns(self._data), self._data, od, *params)
            except ValueError:
                if isinstance(o, Tensor):
                    _check_broadcast(self, o, name)
                raise
        if op.returns_aux:
            out = out[0]
        if out.shape != self._data.shape:
            raise RuntimeError(
                f"{name}: output with shape {tuple(self.shape)} doesn't match the broadcast shape "
                f"{tuple(out.shape)}"
            )
        _assign(self, out, name)
        return self

    def add_(self, other, *, alpha=1):
        return self._inplace(E.ADD, other if alpha == 1 else other * alpha)

    def sub_(self, other, *, alpha=1):
        return self._inplace(E.SUB, other if alpha == 1 else other * alpha)

    def mul_(self, other):
        return self._inplace(E.MUL, other)

    def div_(self, other):
        return self._inplace(E.DIV, other)

    # ``x += y`` writes into x's storage, as in PyTorch (every alias sees it)
    def __iadd__(self, other):
        return self._inplace(E.ADD, other)

    def __isub__(self, other):
        return self._inplace(E.SUB, other)

    def __imul__(self, other):
        return self._inplace(E.MUL, other)

    def __itruediv__(self, other):
        return self._inplace(E.DIV, other, name="div_")

    def __ipow__(self, other):
        return self._inplace(E.POW, other)

    def pow_(self, exponent):
        return self._inplace(E.POW, exponent)

    def neg_(self):
        return self._inplace(E.NEG)

    def exp_(self):
        return self._inplace(E.EXP)

    def sqrt_(self):
        return self._inplace(E.SQRT)

    def relu_(self):
        return self._inplace(E.RELU)

    def sigmoid_(self):
        return self._inplace(E.SIGMOID)

    def tanh_(self):
        return self._inplace(E.TANH)

    def abs_(self):
        return self._inplace(E.ABS)

    def clamp_(self, min=None, max=None):
        return self._inplace(E.CLAMP, None, (min, max))

    clip_ = clamp_

    def addcmul_(self, t1, t2, *, value=1):
        return self.add_(t1 * t2 * value if value != 1 else t1 * t2)

    def addcdiv_(self, t1, t2, *, value=1):
        return self.add_(t1 / t2 * value if value != 1 else t1 / t2)

    def lerp_(self, end, weight):
        return self.add_((end - self) * weight)

    def zero_(self):
        return self.fill_(0)

    def fill_(self, value):
        if isinstance(value, Tensor):
            if value.requires_grad and _STATE[0]:
                return self._inplace(_FILL_T, value)
            value = value.item()
        if self.requires_grad and _STATE[0]:
            return self._inplace(_FILL, None, (value,), name="fill_")
        self._data.fill(value)
        self._vc[0] += 1
        return self

    def uniform_(self, a=0.0, b=1.0, *, generator=None):
        from .random import _gen

        with grad_mode.no_grad():
            self.copy_(wrap(_gen(generator).uniform(a, b, self._data.shape).astype(self.dtype)))
        return self

    def normal_(self, mean=0.0, std=1.0, *, generator=None):
        from .random import _gen

        with grad_mode.no_grad():
            arr = _gen(generator).normal(mean, std, self._data.shape).astype(self.dtype)
            self.copy_(wrap(arr))
        return self

    def __setitem__(self, index, value):
        idx = _norm_index(index, self._data.shape)
        value = _scalar_or_tensor(value)
        vt = isinstance(value, Tensor)
        rg = self.requires_grad or (vt and value.requires_grad)
        if rg and _STATE[0]:
            if self.grad_fn is None and self.requires_grad:
                raise RuntimeError(
                    "a leaf Variable that requires grad is being used in an in-place operation "
                    "(__setitem__). Wrap it in `with gradkit.no_grad():` or build a new tensor."
                )
            gf = self.grad_fn
            if gf is not None and gf.op in _VIEW_OPS_SET and _writes_through(self, gf):
                raise RuntimeError(
                    f"__setitem__: in-place modification of a view ({gf.name()}) of a tensor "
                    f"that requires grad is not supported by gradkit: the write would reach the "
                    f"base tensor behind autograd's back. Index the base instead (x[i, j] = v "
                    f"rather than x[i][j] = v), or clone() the view first."
                )
            if not vt:
                value = wrap(_ns(self._data).asarray(value, dtype=self.dtype))
            elif type(value._data) is not type(self._data):  # e.g. a CPU value into a cuda tensor
                value = value.to(self.device)
            if value.dtype != self.dtype:
                value = value.to(self.dtype)
            old = _make(self._data.copy(), self.requires_grad, self.grad_fn)
            try:
                res = apply2(_SETITEM, old, value, (idx,))
            except ValueError:
                raise RuntimeError(
                    f"__setitem__: shape mismatch: a value of shape {tuple(value.shape)} cannot "
                    f"be broadcast to the indexed part of shape {tuple(self._data[idx].shape)}"
                ) from None
            _assign(self, res._data, "__setitem__")
            prev = self.grad_fn
            if prev is not None and prev.op.saves & SAVES_OUTPUT:
                if prev.meta is None:
                    prev.meta = {}
                prev.meta["output_modified"] = "__setitem__"
            self.grad_fn = res.grad_fn
            self.requires_grad = True
            return
        v = value._data if vt else value
        if vt and type(v) is not type(self._data):  # copy across devices, as PyTorch does
            from .device import _to_namespace_of

            v = _to_namespace_of(v, self._data)
        if vt and v.dtype.kind == "f" and self._data.dtype.kind in "iub":
            raise RuntimeError(
                f"__setitem__: can't assign a {value.dtype} tensor into a {self.dtype} tensor; "
                f"convert the value first"
            )
        try:
            self._data[idx] = v
        except ValueError:
            raise RuntimeError(
                f"__setitem__: shape mismatch: a value of shape {tuple(np.shape(v))} cannot be "
                f"broadcast to the indexed part of shape {tuple(self._data[idx].shape)}"
            ) from None
        self._vc[0] += 1

    def __getitem__(self, index):
        return apply1(S.GETITEM, self, (_norm_index(index, self._data.shape), self._data.shape))

    # ----------------------------------------------------------------- pickling helpers
    def __getstate__(self):
        raise TypeError("use gradkit.save() (safetensors) to store tensors; pickling is refused")


def _rebuild(arr, requires_grad, cls):
    t = _make(arr, requires_grad, None)
    t.__class__ = cls
    return t


def _writes_through(view, node):
    """Whether ``view`` (made by the view op ``node``) shares memory with its input: advanced
    indexing also records GETITEM but copies. Unknown (released graph, device arrays): True."""
    ins = node.inputs
    if not ins or type(view._data) is not _ndarray or type(ins[0]._data) is not _ndarray:
        return True
    return np.may_share_memory(view._data, ins[0]._data)


def _assign(t, arr, name):
    """Write ``arr`` into ``t``'s storage, refusing float-into-integer as PyTorch does."""
    dst = t._data
    if arr.dtype != dst.dtype:
        if dst.dtype.kind in "iub" and arr.dtype.kind == "f":
            raise RuntimeError(
                f"{name}: result type {arr.dtype} can't be cast to the desired output type "
                f"{dst.dtype}"
            )
    dst[...] = arr
    t._vc[0] += 1


def _raw(x):
    if isinstance(x, Tensor):
        d = x._data
        if type(d) is _ndarray and d.ndim == 0:
            # a 0-d CPU tensor acts as a scalar (as in PyTorch): a NumPy scalar, which CuPy
            # accepts beside a device array (a 0-d NumPy array it refuses); same result in NumPy
            return d[()]
        return d
    return x


def _to_host(a):
    if type(a) is _ndarray:
        return a
    return a.get()


class _HookHandle:
    def __init__(self, hooks, hook):
        self._hooks = hooks
        self._hook = hook

    def remove(self):
        if self._hook in self._hooks:
            self._hooks.remove(self._hook)


class Size(tuple):
    """``tensor.shape``: a tuple that prints like PyTorch's ``torch.Size``."""

    def __repr__(self):
        return f"gradkit.Size({list(self)})"

    def numel(self) -> int:
        n = 1
        for s in self:
            n *= s
        return n


def _norm_index(index, shape):
    """Convert Tensors in an index to arrays, and boolean masks to integer arrays."""
    if type(index) is not tuple:
        if type(index) is list and any(type(p) is slice or p is None or p is Ellipsis
                                       for p in index):
            index = tuple(index)  # PyTorch reads x[[0, slice(None)]] as x[0, :]
        else:
            index = (index,)
    out = []
    has_bool = has_adv = False
    for part in index:
        if isinstance(part, Tensor):
            part = part._data
            if part.dtype == np.uint8:  # a byte tensor is a mask in PyTorch (deprecated there)
                part = part.astype(bool)
        elif isinstance(part, list):
            # an empty list selects nothing (np.asarray([]) would be float64)
            part = np.asarray(part) if part else np.zeros(0, dtype=np.int64)
        elif isinstance(part, np.integer):
            part = int(part)
        elif type(part) is slice and part.step is not None and part.step <= 0:
            raise ValueError("step must be greater than zero")
        if isinstance(part, np.ndarray) or _is_device_array(part):
            if part.dtype.kind == "b":
                has_adv = True
                if part.ndim:  # a 0-d mask adds a dim of size 1 or 0, as NumPy does it
                    has_bool = True
            elif part.dtype.kind not in "iu":
                raise IndexError(
                    f"tensors used as indices must be long, int, byte or bool tensors, got "
                    f"{part.dtype}"
                )
            elif part.ndim == 0:
                part = int(part)
            else:
                has_adv = True
        out.append(part)
    if has_bool:
        expanded = []
        for part in out:
            if ((isinstance(part, np.ndarray) or _is_device_array(part))
                    and part.dtype.kind == "b" and part.ndim):
                expanded.extend(part.nonzero())
            else:
                expanded.append(part)
        out = expanded
    if has_adv:
        return _torch_adv_layout(out, shape)
    return tuple(out)


def _torch_adv_layout(out, shape):
    """The index as NumPy must see it to place dims as PyTorch does.

    PyTorch applies integers before advanced (tensor) indexing, so ``x[1, :, idx]`` puts the
    slice's dim first; NumPy counts the integer as an advanced index and, the two being
    separated, puts ``idx``'s dims first. Where the two placements differ, return an index of
    broadcast integer arrays (one per indexed dim) whose result has PyTorch's layout.
    """
    kinds = []
    for part in out:
        if part is None:
            kinds.append("n")
        elif part is Ellipsis:
            kinds.append("e")
        elif type(part) is int:
            kinds.append("i")
        elif type(part) is slice:
            kinds.append("s")
        elif part.dtype.kind == "b":  # a 0-d mask: leave NumPy's rules
            return tuple(out)
        else:
            kinds.append("a")
    if "i" not in kinds or kinds.count("e") > 1:
        return tuple(out)
    if "e" in kinds:
        k = kinds.index("e")
        n_fill = max(len(shape) - sum(1 for c in kinds if c in "isa"), 0)
        out = out[:k] + [slice(None)] * n_fill + out[k + 1:]
        kinds = kinds[:k] + ["s"] * n_fill + kinds[k + 1:]
    adv = [j for j, c in enumerate(kinds) if c in "ia"]
    if adv[-1] - adv[0] + 1 == len(adv):
        return tuple(out)  # NumPy keeps the block in place, as PyTorch does
    torch_kinds = [c for c in kinds if c != "i"]
    arr_pos = [j for j, c in enumerate(torch_kinds) if c == "a"]
    if arr_pos[-1] - arr_pos[0] + 1 != len(arr_pos) or arr_pos[0] == 0:
        return tuple(out)  # PyTorch puts the block first too
    arrays = [part for part, c in zip(out, kinds) if c == "a"]
    try:
        bshape = np.broadcast_shapes(*[a.shape for a in arrays])
    except ValueError:
        raise IndexError(
            "shape mismatch: indexing tensors could not be broadcast together with shapes "
            + " ".join(str(list(a.shape)) for a in arrays)
        ) from None
    xp = _ns(arrays[0])
    n_before = arr_pos[0]
    nb = len(bshape)
    n_out = len(torch_kinds) - len(arrays) + nb
    res = []
    d = q = 0
    for part, c in zip(out, kinds):
        if c == "i":
            res.append(part)
            d += 1
        elif c == "n":
            q += 1
        elif c == "s":
            if d >= len(shape):
                raise IndexError(f"too many indices for tensor of dimension {len(shape)}")
            r = xp.arange(*part.indices(shape[d]))
            res.append(r.reshape((1,) * q + (r.shape[0],) + (1,) * (n_out - q - 1)))
            q += 1
            d += 1
        else:
            if q == n_before:
                q += nb
            res.append(part.reshape((1,) * n_before + (1,) * (nb - part.ndim) + part.shape
                                    + (1,) * (n_out - n_before - nb)))
            d += 1
    return tuple(res)


# ----------------------------------------------------------------- private ops used above
def _clone_f(xp, a):
    return a.copy()


def _clone_b(xp, g, ins, out, aux, needs):
    return (g,)


def _copy_f(xp, a, src):
    return xp.broadcast_to(xp.asarray(src, dtype=a.dtype), a.shape).copy()


def _copy_b(xp, g, ins, out, aux, needs):
    return None, g


def _fill_f(xp, a, value):
    return xp.full(a.shape, value, dtype=a.dtype)


def _fill_b(xp, g, ins, out, aux, needs):
    return (None,)


def _fill_t_f(xp, a, v):
    return xp.full(a.shape, v, dtype=a.dtype) if not hasattr(v, "shape") else \
        xp.broadcast_to(v.astype(a.dtype), a.shape).copy()


def _fill_t_b(xp, g, ins, out, aux, needs):
    return None, xp.sum(g)


def _setitem_f(xp, a, v, index):
    out = a.copy()
    out[index] = v
    mask = xp.zeros(a.shape, dtype=bool)
    mask[index] = True
    return out, (index, mask)


def _setitem_b(xp, g, ins, out, aux, needs):
    index, mask = aux
    ga = xp.where(mask, 0.0, g) if needs[0] else None
    gv = g[index] if needs[1] else None
    return ga, gv


from .autograd.graph import Op  # noqa: E402

_CLONE = Op("Clone", _clone_f, _clone_b, saves=0)
_COPY = Op("Copy", _copy_f, _copy_b, saves=0, broadcasts=True)
_FILL = Op("Fill", _fill_f, _fill_b, saves=0)
_FILL_T = Op("Fill", _fill_t_f, _fill_t_b, saves=0)
_SETITEM = Op("IndexPut", _setitem_f, _setitem_b, saves=0, broadcasts=True, returns_aux=True)


def _element_formatter(arr):
    """PyTorch's element style: floats with 4 decimals ("1.5000"), whole floats as "1.",
    scientific notation for wide ranges; every element right-aligned to one width."""
    kind = arr.dtype.kind
    if kind == "b":
        def fmt(v):
            return "True" if v else "False"
    elif kind in "iu":
        fmt = str
    else:
        finite = np.abs(arr[np.isfinite(arr)]).astype(np.float64)
        nonzero = finite[finite != 0]
        lo = float(nonzero.min()) if nonzero.size else 0.0
        hi = float(nonzero.max()) if nonzero.size else 0.0
        wide = nonzero.size and (hi / lo > 1000.0 or hi > 1e8)
        if np.all(np.ceil(nonzero) == nonzero):
            spec = "{:.4e}" if wide else "{:.0f}."
        else:
            spec = "{:.4e}" if wide or (nonzero.size and lo < 1e-4) else "{:.4f}"

        def fmt(v):
            v = float(v)
            if v != v:
                return "nan"
            if v in (float("inf"), float("-inf")):
                return "inf" if v > 0 else "-inf"
            return spec.format(v)
    width = max((len(fmt(v)) for v in _shown(arr)), default=0)
    pad = {"bool": lambda v: fmt(v).rjust(width), "int_kind": lambda v: fmt(v).rjust(width),
           "float_kind": lambda v: fmt(v).rjust(width)}
    return pad


def _shown(arr):
    """The elements the repr prints (the corners of a summarised tensor)."""
    if arr.size <= 1000:
        return arr.reshape(-1)
    index = tuple(np.r_[0:min(3, n), max(n - 3, 3):n] for n in arr.shape)
    return arr[np.ix_(*index)].reshape(-1)


def _format(t) -> str:
    arr = _to_host(t._data)
    prefix = "tensor("
    if arr.size == 0 and arr.ndim == 1:
        body = "[]"
    else:
        body = np.array2string(
            arr, separator=", ", prefix=prefix, threshold=1000, edgeitems=3,
            max_line_width=80, formatter=_element_formatter(arr),
        ).replace(", ...,", ",  ...,")
    extras = []
    if arr.size == 0 and arr.ndim != 1:
        extras.append(f"size={tuple(arr.shape)}")
    default_float = _dtype.get_default_dtype()
    if not (arr.dtype == default_float or arr.dtype == np.int64 or arr.dtype == np.bool_):
        extras.append(f"dtype=gradkit.{arr.dtype}")
    if type(t._data) is not _ndarray:
        extras.append(f"device='{t.device}'")
    if t.grad_fn is not None:
        extras.append(f"grad_fn={t.grad_fn!r}")
    elif t.requires_grad:
        extras.append("requires_grad=True")
    if extras:
        return prefix + body + ", " + ", ".join(extras) + ")"
    return prefix + body + ")"


# the engine needs to make Tensors and to know the Tensor namespace
def _install():
    from ._tensor_namespace import tensor_ns
    from .autograd import graph

    graph.configure(wrap=wrap, wrap_node=_wrap_node, tensor_ns=tensor_ns)

