"""Recording: run an op's forward on arrays and, when an input requires grad in grad mode,
build the graph node for it.

This is the one place where graph nodes of Tensor ops are made (``apply1``/``apply2``/``apply``,
the scalar fast path ``scalar_result``, in-place rewrites ``inplace``). It is the per-op hot
path: no kwargs parsing, no logging, type tests by identity; the Node is built inline where a
call would cost measurable time (see the comments).
"""

from __future__ import annotations

import weakref

import numpy as np

from .._backend import namespace_of, numpy_ns
from .._complex import CArray, refuse_op
from .._int_range import check_int_scalar
from .._meta import MetaArray
from .._meta_views import set_view_geometry
from .._options import allocation_error
from .._stride_order import lay_out_elementwise
from ..autograd import grad_mode
from ..autograd.graph import (
    FORWARD,
    NEEDS_ONE,
    NEEDS_SCALAR_SECOND,
    SAVES_INPUTS,
    SAVES_OUTPUT,
    SCALAR_KEEPS_NUMBER_ONLY,
    SELECT,
    VERSIONS_0,
    VERSIONS_0_NONE,
    VERSIONS_00,
    MultiNode,
    Node,
    anomaly_state,
    configure,
    make_node,
    next_seq,
    node_class,
    output_written,
    record_trace,
    versions_read,
)
from ..ops import complex as _C
from ..ops import elementwise as E
from ..ops import memory as M
from ..ops import shape as S
from ..ops import strided as ST
from . import torch_function as _tf
from .tensor import _INFERENCE, Tensor, _edge, _make, _scalar_or_tensor
from .view_links import untracked_view_chain

__all__ = ["SCALAR_ARRAYS", "VIEW_OPS", "apply", "apply1", "apply2", "apply_multi", "apply_scalar",
           "apply_split", "assign", "check_broadcast", "function_node", "inplace", "rebase_view",
           "scalar_array", "scalar_result", "refresh_views", "register_view", "select_node",
           "unary_result", "view_chain"]

_ndarray = np.ndarray
_STATE = grad_mode.STATE
_new = object.__new__
VIEW_OPS = (S.RESHAPE, S.PERMUTE, S.EXPAND, S.GETITEM, S.DIAGONAL)
_EXPAND = S.EXPAND
_SPLIT = S.SPLIT
_VIEW_SCATTER = M.VIEW_SCATTER
_VIEW_OPS_SET = frozenset(VIEW_OPS)  # a hash lookup, cheaper than the tuple's == scan
_NEEDS1 = NEEDS_ONE
_FWD = FORWARD  # [forward AD's per-op hook] while a dual level is open, else [None]
# views of a complex tensor's parts (a write through them is refused under autograd)
_PART_VIEWS = frozenset((_C.REAL, _C.IMAG, _C.VIEW_AS_REAL, _C.VIEW_AS_COMPLEX))
# every op whose result shares its input's memory (``_base``, the version counter): the views
# an in-place write rebases (VIEW_OPS), the complex parts, and the strided views
_ALIAS_OPS = _VIEW_OPS_SET | _PART_VIEWS | {S.UNFOLD, ST.AS_STRIDED}
# the nodes of PyTorch's functions returning several views, whose outputs refuse in-place writes
# under autograd
_MULTI_VIEW_NODES = frozenset(("SplitBackward0", "SplitWithSizesBackward0", "UnbindBackward0"))
# the elementwise ops over several inputs, whose result is laid out as PyTorch's TensorIterator
_ELEMENTWISE = frozenset(v for v in vars(E).values() if type(v) is type(E.ADD) and v.broadcasts)
_ALIAS_OPS |= {op.complex for op in _ALIAS_OPS if op.complex is not None}  # (on complex data)


def _shares(out, data, op, aux):
    """Whether a view op's result ``out`` aliases its input's array ``data`` (reshape and
    indexing copy when no view exists: a copy shares neither the version counter nor ``_base``).
    Only view ops reach here; a device or meta array is taken as a view (a meta one is given
    its layout)."""
    t = type(out)
    if t is not _ndarray and t is not CArray:
        if t is MetaArray:
            set_view_geometry(op, aux, data, out)
        return True
    if out is data:
        return True
    ob = out.base
    if ob is None:
        return False
    if ob is data or ob is data.base:  # NumPy points a view's base at the owner of the memory
        return True
    return np.may_share_memory(out, data)


def _view_root(x):
    """The tensor a view of ``x`` is a view of (PyTorch's ``_base``): ``x``, or ``x``'s base
    when ``x`` is a view itself. A tensor without a version counter is no view."""
    if x._vcl is None:
        x._view_base = None  # (set, so that the next view of x reads it without a miss)
        return x
    b = getattr(x, "_view_base", None)
    return x if b is None else b


def _ns(a):
    return numpy_ns if type(a) is _ndarray else namespace_of(a)


# gradkit/sparse sets this to ``f(op) -> op``: the op to run on a sparse compressed tensor (an
# elementwise op computed on its values, the pattern kept; any other op itself)
COMPRESSED_OP = [None]


def _compressed_op(op, data):
    hook = COMPRESSED_OP[0]
    if hook is not None and getattr(type(data), "_is_sparse_compressed", False):
        return hook(op)
    return op


def _cop(op):
    """The Op to run on complex data (gradkit/_complex.py): refuses an op without support."""
    c = op.complex
    if c is None:
        refuse_op(op)
    return c


def _allocation_failed(op, err):
    """Raise PyTorch's RuntimeError where ``op``'s forward failed to allocate (NumPy's
    MemoryError or "array is too big"); return for any other error, which the caller re-raises.
    Each forward call below sits in a ``try`` that costs nothing until something is raised."""
    e = allocation_error(f"while computing {op.name}", err, True)
    if e is not None:
        raise e from None


def apply1(op, x, params=()):
    """Run a one-input op on Tensor ``x`` and record it when needed."""
    data = x._data
    if type(data) is _ndarray:
        xp = numpy_ns
    else:
        xp = namespace_of(data)
        if type(data) is CArray:
            op = _cop(op)
        else:
            op = _compressed_op(op, data)
    try:
        out = op.forward(xp, data, *params) if params else op.forward(xp, data)
    except (MemoryError, ValueError) as e:
        _allocation_failed(op, e)
        raise
    if op.returns_aux:
        out, aux = out
    else:
        aux = params
    if type(out) is not _ndarray:
        out = _as_array(out)
        if type(out) is CArray:
            op = _cop(op)
    if x.requires_grad and _STATE[0]:
        saves = op.saves
        edge = x._grad_fn
        if edge is None:
            edge = x
        node = Node()  # make_node, inlined (a call costs ~0.1 us of a ~1 us op)
        node.seq = next_seq()
        node.op = op
        node.inputs = (x,)
        node.next = (edge,)
        node.needs = _NEEDS1
        node.aux = aux
        node.pre_hooks = None
        node.released = False
        node.meta = None
        node.named = op.node_cls
        if saves & SAVES_INPUTS:
            vl = x._vcl
            node.saved = (data,)
            node.versions = VERSIONS_0 if vl is None or vl[0] == 0 else (vl[0],)
        else:
            node.saved = node.versions = None
        t = _new(Tensor)  # _make, inlined
        t._data = out
        t.requires_grad = True
        t._grad_fn = node
        t._grad = None
        t._hooks = None
        if saves & SAVES_OUTPUT:
            node.out = out
            t._vcl = node.out_vc = [0]
        else:
            node.out = node.out_vc = None
            t._vcl = None
        if op.namer is not None:  # every slot is set: the namer may read any
            cls = op.namer(node)
            if cls is not None:
                node.named = cls
        if anomaly_state[0]:
            record_trace(node)
        if op in _ALIAS_OPS and _shares(out, data, op, aux):
            t._view_base = _view_root(x)
            t._vcl = x._vc
            if edge is not x and op in _VIEW_OPS_SET:  # (a view of a leaf keeps its node:
                register_view(t, x, op, aux)           # the leaf is never rebased)
        if _FWD[0] is not None:
            _FWD[0](op, (x,), t, aux)
        return t
    t = _make(out, False, None)
    if op in _ALIAS_OPS and _shares(out, data, op, aux):
        t._view_base = _view_root(x)
        t._vcl = x._vc
        if _STATE[0] and not x.requires_grad and op in _VIEW_OPS_SET:
            register_view(t, x, op, aux)
    if _FWD[0] is not None:
        _FWD[0](op, (x,), t, aux)
    return t


def unary_result(op, x, data, out):
    """The Tensor for ``out = op(x)`` (``data``: ``x``'s NumPy array), recorded when needed:
    apply1's second half, for faces that ran the forward themselves (a one-input op without
    params, aux or view semantics, e.g. ``tanh`` as ``np.tanh``)."""
    if type(out) is not _ndarray:
        out = _as_array(out)
        if type(out) is CArray:
            op = _cop(op)
        else:
            op = _compressed_op(op, out)
    if not (x.requires_grad and _STATE[0]):
        t = _make(out, False, None)
        if _FWD[0] is not None:
            _FWD[0](op, (x,), t, ())
        return t
    saves = op.saves
    edge = x._grad_fn
    if edge is None:
        edge = x
    node = Node()  # make_node, inlined
    node.seq = next_seq()
    node.op = op
    node.inputs = (x,)
    node.next = (edge,)
    node.needs = _NEEDS1
    node.aux = ()
    node.pre_hooks = None
    node.released = False
    node.meta = None
    node.named = op.node_cls
    if saves & SAVES_INPUTS:
        vl = x._vcl
        node.saved = (data,)
        node.versions = VERSIONS_0 if vl is None or vl[0] == 0 else (vl[0],)
    else:
        node.saved = node.versions = None
    t = _new(Tensor)  # _make, inlined
    t._data = out
    t.requires_grad = True
    t._grad_fn = node
    t._grad = None
    t._hooks = None
    if saves & SAVES_OUTPUT:
        node.out = out
        t._vcl = node.out_vc = [0]
    else:
        node.out = node.out_vc = None
        t._vcl = None
    if op.namer is not None:
        cls = op.namer(node)
        if cls is not None:
            node.named = cls
    if anomaly_state[0]:
        record_trace(node)
    if _FWD[0] is not None:
        _FWD[0](op, (x,), t, ())
    return t


def apply2(op, a, b, params=()):
    """Run a two-input op; either input may be a Python scalar (a constant)."""
    ta = type(a) is Tensor or isinstance(a, Tensor)
    tb = type(b) is Tensor or isinstance(b, Tensor)
    da = a._data if ta else a
    db = b._data if tb else b
    d0 = da if ta else db
    if type(d0) is _ndarray:
        xp = numpy_ns
    else:
        xp = namespace_of(d0)
        if type(d0) is CArray:
            op = _cop(op)
    try:
        out = op.forward(xp, da, db, *params) if params else op.forward(xp, da, db)
    except (MemoryError, ValueError) as e:
        _allocation_failed(op, e)
        raise
    if op.returns_aux:
        out, aux = out
    else:
        aux = params
    if type(out) is _ndarray and type(da) is _ndarray and (
            not da.flags.c_contiguous or (type(db) is _ndarray and not db.flags.c_contiguous)
    ) and op.broadcasts and not op.own_layout:
        out = lay_out_elementwise(out, (da, db))  # (row-major operands: NumPy's is PyTorch's)
    if type(out) is not _ndarray:
        out = _as_array(out)
        if type(out) is CArray:
            op = _cop(op)
    ra = ta and a.requires_grad
    rb = tb and b.requires_grad
    if (ra or rb) and _STATE[0]:
        saves = op.saves
        ea = eb = None
        if ra:
            ea = a._grad_fn
            if ea is None:
                ea = a
        if rb:
            eb = b._grad_fn
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
            if not (ra and rb) and op.saved_for is not None:  # (a * b: b read for a's grad)
                va, vb = versions_read(op.saved_for, (va, vb), nxt) or (None, None)
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
        if not tb:  # a Python-number operand: PyTorch's overload for it (``x ** 2``, ``2 - x``)
            node.named = op.scalar_second_cls
        elif not ta:
            node.named = op.scalar_first_cls
        if anomaly_state[0]:
            record_trace(node)
        t = _new(Tensor)  # _make, inlined
        t._data = out
        t.requires_grad = True
        t._grad_fn = node
        t._grad = None
        t._hooks = None
        if saves & SAVES_OUTPUT:
            t._vcl = node.out_vc = [0]
        else:
            t._vcl = None
        if _FWD[0] is not None:
            _FWD[0](op, (a, b), t, aux)
        return t
    t = _make(out, False, None)
    if _FWD[0] is not None:
        _FWD[0](op, (a, b), t, aux)
    return t


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
    for d in datas:
        if type(d) is CArray:
            op = _cop(op)
            break
    try:
        out = op.forward(_ns(first), *datas, *params)
    except (MemoryError, ValueError) as e:
        _allocation_failed(op, e)
        raise
    if op.returns_aux:
        out, aux = out
    else:
        aux = params
    if op in _ELEMENTWISE and type(out) is _ndarray:
        operands = datas if op is not E.WHERE else [params[0], *datas]  # (the condition first)
        for d in operands:
            if type(d) is _ndarray and not d.flags.c_contiguous:
                out = lay_out_elementwise(out, operands)
                break
    if type(out) is not _ndarray:
        out = _as_array(out)
        if type(out) is CArray:
            op = _cop(op)
    if any_grad and _STATE[0]:
        saves = op.saves
        nxt = tuple(_edge(t) if isinstance(t, Tensor) and t.requires_grad else None
                    for t in inputs)
        versions = None
        if saves & SAVES_INPUTS:
            versions = tuple(t._vc[0] if isinstance(t, Tensor) else None for t in inputs)
            if op.saved_for is not None:
                versions = versions_read(op.saved_for, versions, nxt)
        node = make_node(op, tuple(inputs), nxt, tuple(datas) if saves & SAVES_INPUTS else None,
                         out if saves & SAVES_OUTPUT else None, aux, versions,
                         tuple(n is not None for n in nxt))
        if anomaly_state[0]:
            record_trace(node)
        t = _make(out, True, node)
        if saves & SAVES_OUTPUT:
            node.out_vc = t._vc
    else:
        t = _make(out, False, None)
    if _FWD[0] is not None:
        _FWD[0](op, tuple(inputs), t, aux)
    return t


def _as_array(out):
    """NumPy returns scalars from 0-d computations; Tensors always hold arrays."""
    if isinstance(out, np.generic):
        return np.asarray(out)
    return out



# A Python number as a 0-d array of the other operand's floating dtype, per dtype and value.
# NumPy (2.x) spends ~0.6-0.9 us per ufunc call converting a Python number operand (its weak
# promotion), and under 0.1 us for a 0-d array of the array's own dtype; the result is the
# same bits (the number is rounded to the dtype in both cases). Zero (0.0 and -0.0 are equal
# keys but not the same operand), non-finite numbers, and integers NumPy would round on the way
# are not cached: ``scalar_array`` returns them as they are.
SCALAR_ARRAYS = {np.dtype(t): {} for t in (np.float32, np.float64)}  # (float16: HALF_SCALAR)
_F16 = np.dtype(np.float16)
_SCALAR_CACHE_MAX = 512
_SCALAR_OPS = frozenset((E.ADD, E.SUB, E.MUL, E.DIV))  # forward and rule take it as is


def scalar_array(cache, dtype, s):
    """``s`` as a read-only 0-d array of ``dtype`` (cached in ``cache``, the dict of
    ``SCALAR_ARRAYS`` for that dtype), or ``s`` itself where that is not the same operand."""
    if not s or s != s or (type(s) is int and not -2 ** 53 < s < 2 ** 53):
        return check_int_scalar(s)  # (beyond int64/uint64: PyTorch's OverflowError)
    with np.errstate(all="ignore"):  # an overflow (inf) goes the Python number's way
        z = np.array(s, dtype)
    if not np.isfinite(z):
        return s
    z.flags.writeable = False
    if len(cache) >= _SCALAR_CACHE_MAX:
        cache.clear()
    cache[s] = z
    return z


def apply_scalar(op, a, s):
    """``a op s`` for a floating Tensor and a Python number: apply2 without the type checks
    (the most common op shape in user code, so it gets its own lean path). ``op`` must be
    elementwise: the node's ``needs`` tells the engine that no broadcast check is needed."""
    try:
        da = a._data
        if type(da) is _ndarray:
            if op in _SCALAR_OPS:
                cache = SCALAR_ARRAYS.get(da.dtype)
                if cache is not None:
                    z = cache.get(s)
                    if z is None:
                        z = scalar_array(cache, da.dtype, s)
                    return scalar_result(op, a, s, da, op.forward(numpy_ns, da, z), z)
                if da.dtype == _F16:  # float16 * / number: in float32, as PyTorch
                    # (see HALF_SCALAR)
                    op = E.HALF_SCALAR.get(op, op)
            if type(s) is int:
                check_int_scalar(s)
            return scalar_result(op, a, s, da, op.forward(numpy_ns, da, s))
        check_int_scalar(s)
        if type(da) is CArray:
            op = _cop(op)
        return scalar_result(op, a, s, da, op.forward(namespace_of(da), da, s))
    except (MemoryError, ValueError) as e:
        _allocation_failed(op, e)
        raise


def scalar_result(op, a, s, da, out, z=None):
    """The Tensor for ``out = a op s`` (``da``: ``a``'s array), recorded when needed. ``z``:
    ``s`` as the forward took it (``scalar_array``), what the rule is given; None: ``s``."""
    if type(out) is not _ndarray:
        out = _as_array(out)
        if type(out) is CArray:
            op = _cop(op)
    if a.requires_grad and _STATE[0]:
        saves = op.saves
        edge = a._grad_fn
        if edge is None:
            edge = a
        node = Node()  # make_node, inlined
        node.seq = next_seq()
        node.op = op
        node.inputs = (a, s)
        node.next = (edge, None)
        node.needs = NEEDS_SCALAR_SECOND
        node.aux = ()
        node.pre_hooks = None
        node.released = False
        node.meta = None
        node.out_vc = None
        node.named = op.scalar_second_cls  # (the number is always the second operand here)
        if saves & SAVES_INPUTS:
            if z is None:
                z = s
            if saves & SCALAR_KEEPS_NUMBER_ONLY:  # x * 2, x / 2: the rule reads only the 2
                node.saved = (None, z)
                node.versions = None
            else:
                vl = a._vcl
                node.saved = (da, z)
                node.versions = VERSIONS_0_NONE if vl is None or vl[0] == 0 else (vl[0], None)
        else:
            node.saved = node.versions = None
        t = _new(Tensor)  # _make, inlined
        t._data = out
        t.requires_grad = True
        t._grad_fn = node
        t._grad = None
        t._hooks = None
        if saves & SAVES_OUTPUT:
            node.out = out
            t._vcl = node.out_vc = [0]
        else:
            node.out = None
            t._vcl = None
        if anomaly_state[0]:
            record_trace(node)
        if _FWD[0] is not None:
            _FWD[0](op, (a, s), t, ())
        return t
    t = _make(out, False, None)
    if _FWD[0] is not None:
        _FWD[0](op, (a, s), t, ())
    return t



def _writes_through(view, node):
    """Whether ``view`` (made by the view op ``node``) shares memory with its input: advanced
    indexing also records GETITEM but copies. Unknown (released graph, device arrays): True."""
    ins = node.inputs
    if not ins or type(view._data) is not _ndarray or type(ins[0]._data) is not _ndarray:
        return True
    return np.may_share_memory(view._data, ins[0]._data)


def check_inference_write(t, name):
    """PyTorch refuses in-place writes to an inference tensor (made under ``inference_mode``)
    outside ``inference_mode``."""
    if _INFERENCE and not _STATE[1] and t.is_inference():
        raise RuntimeError(
            f"Inplace update to inference tensor outside InferenceMode is not allowed "
            f"({name}). You can make a clone to get a normal tensor before doing inplace "
            f"update, or do the update inside `with inference_mode():`.")


def write_error(t, name):
    """The error for a write NumPy refused as read-only (None when ``t`` is writeable): an
    ``expand``ed tensor, whose elements share memory, gets PyTorch's RuntimeError."""
    d = t._data
    if getattr(getattr(d, "flags", None), "writeable", True):
        return None
    if any(s == 0 and n > 1 for s, n in zip(d.strides, d.shape)):
        return RuntimeError(
            f"{name}: unsupported operation: more than one element of the written-to tensor "
            f"refers to a single memory location (shape {tuple(d.shape)}, strides in elements "
            f"{tuple(s // d.itemsize for s in d.strides)}: an expand()ed or broadcast view). "
            f"Please clone() the tensor before performing the operation.")
    return RuntimeError(f"{name}: the tensor's memory is read-only (shape {tuple(d.shape)}); "
                        f"clone() it before writing into it")


def assign(t, arr, name):
    """Write ``arr`` into ``t``'s storage, refusing float-into-integer and complex-into-real
    as PyTorch does."""
    check_inference_write(t, name)
    dst = t._data
    if arr.dtype != dst.dtype:
        if (dst.dtype.kind in "iub" and arr.dtype.kind == "f"
                or arr.dtype.kind == "c" and dst.dtype.kind != "c"):
            raise RuntimeError(
                f"{name}: result type {arr.dtype} can't be cast to the desired output type "
                f"{dst.dtype}"
            )
    try:
        dst[...] = arr
    except ValueError:
        err = write_error(t, name)
        if err is None:
            raise
        raise err from None
    t._vc[0] += 1



def check_broadcast(a, b, opname):
    sa, sb = a.shape, b.shape
    last = max(len(sa), len(sb)) - 1
    for i, (x, y) in enumerate(zip(reversed(sa), reversed(sb))):
        if x != y and x != 1 and y != 1:
            # PyTorch's sentence first (tests match it, kornia's among them), then the shapes
            raise RuntimeError(
                f"{opname}: The size of tensor a ({x}) must match the size of tensor b ({y}) at "
                f"non-singleton dimension {last - i}: the shapes {tuple(sa)} and {tuple(sb)} "
                f"cannot be broadcast together. Make the sizes equal or 1, e.g. with "
                f"unsqueeze()/reshape()."
            ) from None  # callers check inside ``except`` of NumPy's error: show this one only



def inplace(self, op, other=None, params=(), name=None):
    """Apply ``op`` to ``self`` (and ``other``) and write the result into self's storage: the
    one in-place primitive behind ``x.add_(y)``, ``x += y``, ``x.exp_()`` and the generated
    in-place faces. Under grad mode the node of the out-of-place op becomes self's ``grad_fn``."""
    if _FWD[0] is not None:  # a forward AD level is open: the tangent too (forward_ad)
        return _FWD[1](inplace, self, op, other, params, name)
    rg = self.requires_grad or (isinstance(other, Tensor) and other.requires_grad)
    name = name or op.name.lower() + "_"
    check_inference_write(self, name)
    if self._data.dtype == _F16 and (type(other) is float or type(other) is int):
        op = E.HALF_SCALAR.get(op, op)  # x *= number in float32, as PyTorch (see HALF_SCALAR)
    if type(other) is int and self._data.dtype.kind in "iu":
        info = np.iinfo(self._data.dtype)
        if not info.min <= other <= info.max and -2 ** 63 <= other < 2 ** 64:
            # PyTorch casts the scalar to the tensor's dtype (uint8 -= 2 wraps); NumPy raises
            other = int(np.asarray(other % 2 ** 64, dtype=np.uint64).astype(self._data.dtype))
    if rg and _STATE[0]:
        if self._grad_fn is None and self.requires_grad:
            raise RuntimeError(
                f"a leaf Variable that requires grad is being used in an in-place operation "
                f"({name}). Wrap the update in `with gradkit.no_grad():` (as optimizers do) "
                f"or use the out-of-place form."
            )
        if getattr(self, "_view_base", None) is not None:
            _check_function_view_write(self)
        root, chain = view_chain(self)
        if chain:
            _check_view_write(root, chain, name)
        keep = self._data.copy() if op.saves & SAVES_INPUTS else self._data
        old = _make(keep, self.requires_grad, self._grad_fn)
        old._vc = [self._vc[0]]
        if other is None:
            res = apply1(op, old, params)
        else:
            try:
                other = _scalar_or_tensor(other)
            except TypeError:
                return _tensor_like_operand(self, other, name)
            try:
                res = apply2(op, old, other, params)
            except ValueError:
                check_broadcast(self, other, name)
                raise
        if tuple(res.shape) != tuple(self.shape):
            raise RuntimeError(
                f"{name}: output with shape {tuple(self.shape)} doesn't match the broadcast "
                f"shape {tuple(res.shape)}"
            )
        output_written(root if chain else self, name)
        assign(self, res._data, name)
        if chain:
            rebase_view(self, root, chain, res)
            refresh_views(root)
            return self
        self._grad_fn = res._grad_fn
        self.requires_grad = True
        refresh_views(self)
        return self
    # no graph: compute and write in place
    if type(self._data) is not _ndarray and type(self._data) is CArray:
        op = _cop(op)
    if other is None:
        out = op.forward(_ns(self._data), self._data, *params)
    else:
        try:
            o = _scalar_or_tensor(other)
        except TypeError:
            return _tensor_like_operand(self, other, name)
        od = o._data if isinstance(o, Tensor) else o
        if type(od) is CArray:
            op = _cop(op)
        try:
            out = op.forward(_ns(self._data), self._data, od, *params)
        except ValueError:
            if isinstance(o, Tensor):
                check_broadcast(self, o, name)
            raise
    if op.returns_aux:
        out = out[0]
    if out.shape != self._data.shape:
        raise RuntimeError(
            f"{name}: output with shape {tuple(self.shape)} doesn't match the broadcast shape "
            f"{tuple(out.shape)}"
        )
    assign(self, out, name)
    return self


def _tensor_like_operand(self, other, name):
    """``x.mul_(y)``/``x += y`` with an operand that is no Tensor or number: a tensor-like's
    ``__torch_function__`` gets the call as ``Tensor.<name>``, as in PyTorch; anything else
    raises the conversion's TypeError (re-raised here, inside its ``except``)."""
    r = _tf.dispatch_operand(name, (self, other))
    if r is _tf.NOT_DISPATCHED:
        raise
    return r


# ------------------------------------------------------------------ in-place changes of views
def view_chain(t):
    """``(root, nodes)``: when ``t`` is a view whose writes reach another tensor's storage (a
    basic index, reshape or permute recorded with grad), the tensor at the end of the chain of
    views and the view nodes from ``t`` up to it; else ``(t, [])``."""
    chain = []
    if t._grad_fn is None and not t.requires_grad:
        return untracked_view_chain(t, _VIEW_BASES)
    while True:
        node = t._grad_fn
        if node is None or node.op not in _VIEW_OPS_SET:
            if node is not None and node.op is SELECT and node.next[0].op is _SPLIT:
                chain.append(node)  # a piece of split/chunk/unbind: the write is refused
                ins = node.next[0].inputs
                return (ins[0] if ins else t), chain
            if node is not None and node.op in _PART_VIEWS:
                raise RuntimeError(
                    f"an in-place write into {node.op.name.lower()}'s view of a complex tensor "
                    f"under autograd is not supported by gradkit yet (PyTorch rebases the "
                    f"complex tensor's history); write out of place, e.g. "
                    f"gradkit.complex(z.real * 2, z.imag), or under gradkit.no_grad()")
            break
        ins = node.inputs
        if not ins or not _writes_through(t, node):  # released, or an advanced-index copy
            break
        chain.append(node)
        t = ins[0]
    return t, chain


def _check_function_view_write(t):
    """PyTorch's refusal of an in-place write, under grad mode, into a custom Function's output
    that is a view (forward returned ``x.view(...)`` or a reshape of a temporary): the view's
    in-place rebasing would override the Function's backward."""
    node = t._grad_fn
    i = 0
    if node is not None and node.op is SELECT:
        node, i = node.next[0], node.aux
    if node is not None and node.op.forward is None and node.op is not SELECT:
        raise RuntimeError(
            f"Output {i} of {node.op.name} is a view and is being modified inplace. This view "
            f"was created inside a custom Function (or because an input was returned as-is) and "
            f"the autograd logic to handle view+inplace would override the custom backward "
            f"associated with the custom Function, leading to incorrect gradients. This "
            f"behavior is forbidden. You can fix this by cloning the output of the custom "
            f"Function.")


def _check_view_write(root, chain, name):
    if root._grad_fn is None and root.requires_grad:
        raise RuntimeError(
            f"{name}: a view of a leaf Variable that requires grad is being used in an in-place "
            f"operation. Modify the leaf under `with gradkit.no_grad():`, or clone() it first."
        )
    for node in chain:
        shown = getattr(node.named, "__name__", "")
        if shown in _MULTI_VIEW_NODES:
            which = f"output {node.aux}" if node.op is SELECT else "an output"
            raise RuntimeError(
                f"{name}: {which} of {shown} is a view and is being modified inplace. This "
                f"view is the output of a function that returns multiple views (split, chunk, "
                f"unbind); such functions do not allow the output views to be modified inplace. "
                f"Replace the inplace operation by an out-of-place one, or clone() the piece.")
    if any(node.op is _EXPAND for node in chain):
        raise RuntimeError(
            f"{name}: unsupported operation: more than one element of the written-to tensor "
            f"refers to a single memory location (an expand()ed view). Please clone() the "
            f"tensor before performing the operation."
        )


def rebase_view(view, root, chain, res):
    """``view`` (the head of ``chain``) was overwritten in place with ``res``, its data already
    in the shared storage: ``root`` becomes ``CopySlices(root_old, res)`` and every view of the
    chain a fresh view of it, so gradients reach both the result and the rest of the root, as
    PyTorch's CopySlices."""
    views = tuple((node.op, node.aux) for node in reversed(chain))  # root -> view
    data = root._data
    mask = namespace_of(data).zeros_like(data, dtype=bool)
    region = mask
    for op, view_aux in views:
        region = op.forward(numpy_ns if type(region) is _ndarray else namespace_of(region),
                            region, *view_aux)
    region[...] = True
    new = apply2(_VIEW_SCATTER, _make(data, root.requires_grad, root._grad_fn), res,
                 (views, mask))
    root._grad_fn = new._grad_fn
    root.requires_grad = True
    # the tensors whose grad_fn the chain's nodes are: the view, then each intermediate base
    tensors = [view] + [node.inputs[0] for node in chain[:-1]]
    t = root
    for node, tensor in zip(reversed(chain), reversed(tensors)):
        tensor._grad_fn = apply1(node.op, t, node.aux)._grad_fn
        tensor.requires_grad = True
        t = tensor


# id(view) -> its base, for every registered view alive: a view keeps its base alive (PyTorch's
# ``view._base``) from here, not from the storage's version counter, which the base holds too:
# there the reference was a cycle (base -> counter -> base), and the base's whole graph (saved
# activations included) outlived the step until the cycle collector ran.
_VIEW_BASES = {}


def register_view(view, base, op, aux):
    """Remember that ``view`` is ``op(base, *aux)`` sharing ``base``'s storage, so that an
    in-place change recorded on the storage later gives it a node of the new history, as
    PyTorch regenerates a view's ``grad_fn`` from its base's version. Kept on the storage's
    version counter (``[version, views, prune_at]``); dead views are pruned as it grows."""
    if type(view._data) is _ndarray and not np.may_share_memory(view._data, base._data):
        return  # advanced indexing copies
    vl = view._vcl
    if len(vl) == 1:
        vl.append([])
        vl.append(64)
    views = vl[1]
    key = id(view)
    _VIEW_BASES[key] = base
    views.append((weakref.ref(view, lambda _r, k=key, d=_VIEW_BASES: d.pop(k, None)), op, aux))
    if len(views) >= vl[2]:
        views[:] = [e for e in views if e[0]() is not None]
        vl[2] = max(64, 2 * len(views))


def refresh_views(t):
    """After an in-place change recorded on ``t`` (its ``grad_fn`` replaced), give every live
    view of the same storage whose node no longer starts from its base's current history a fresh
    view node of it, bases before their views (the order they were made)."""
    vl = t._vcl
    if vl is None or len(vl) < 2:
        return
    for ref, op, aux in tuple(vl[1]):
        v = ref()
        if v is None:
            continue
        base = _VIEW_BASES[id(v)]
        node = v._grad_fn
        if node is None:
            if not base.requires_grad or base.grad_fn is None:
                continue
        elif node.op is SELECT and node.next[0].op is _SPLIT:  # a piece of split/unbind
            if node.next[0].next[0] is _edge(base):
                continue
        elif node.op is not op or node.aux is not aux:
            continue  # v was given another history since (e.g. an in-place op of its own)
        elif not node.next or node.next[0] is _edge(base):
            continue
        edge = _edge(base)  # (NEEDS_ONE only with an edge: the engine's shortcut reads it)
        fresh = make_node(op, (base,), (edge,), None, None, aux, None,
                          _NEEDS1 if edge is not None else (True,))
        if anomaly_state[0]:
            record_trace(fresh)
        v.grad_fn = fresh
        v.requires_grad = True


# ------------------------------------------------------------------ several outputs
def apply_multi(op, inputs, params=()):
    """Run a multi-output op and record one ``MultiNode``.

    The op's forward returns ``(outputs, (static, saved))``: ``static`` becomes the node's ``aux``,
    ``saved`` is appended to the saved input arrays (freed by the engine after backward).
    ``inputs`` are Tensors or None (an absent optional input). Returns a tuple of Tensors.
    """
    datas = tuple(t._data if t is not None else None for t in inputs)
    for d in datas:
        if type(d) is CArray:
            op = _cop(op)
            break
    outs, (aux, saved) = op.forward(namespace_of(datas[0]), *datas, *params)
    needs = tuple(t is not None and t.requires_grad for t in inputs)
    if not (grad_mode.STATE[0] and any(needs)):
        res = tuple(_make(o, False, None) for o in outs)
    else:
        nxt = tuple(_edge(t) if n else None for t, n in zip(inputs, needs))
        versions = tuple(t._vc[0] if t is not None else None for t in inputs)
        if op.saved_for is not None:
            versions = versions_read(op.saved_for, versions, nxt)
        node = MultiNode(op, tuple(inputs), nxt, datas + (saved,), None, aux, versions, needs)
        node.n_out = len(outs)
        node.out_meta = [(o.shape, o.dtype, namespace_of(o)) for o in outs]
        res = tuple(_make(o, True, select_node(node, i)) for i, o in enumerate(outs))
    if _FWD[0] is not None:
        _FWD[0](op, tuple(inputs), res, aux)
    return res


def apply_split(x, d, bounds, name, unbind=False):
    """The pieces of ``x`` along dim ``d`` (``bounds``: each piece's ``(start, stop)``; with
    ``unbind`` each index instead, the dim dropped): views of ``x``, recorded as ONE node
    ``name`` (PyTorch's SplitBackward0, SplitWithSizesBackward0, UnbindBackward0) whose backward
    joins the pieces' gradients, so a backward costs one input-sized array, not one per piece.
    NumPy data only (callers fall back to per-piece views otherwise)."""
    lead = (slice(None),) * d
    if unbind:
        views = [lead + (i,) for i in bounds]  # the index a view is rebuilt with
        idxs = [v + (Ellipsis,) for v in views]
    else:
        views = idxs = [lead + (slice(a, b),) for a, b in bounds]
    data = x._data
    outs, (aux, _) = _SPLIT.forward(numpy_ns, data, d, unbind, idxs)
    in_shape = data.shape
    root = _view_root(x)
    vc = x._vc
    res = []
    if x.requires_grad and _STATE[0]:
        edge = x._grad_fn
        if edge is None:
            edge = x
        node = MultiNode(_SPLIT, (x,), (edge,), None, None, aux, None, _NEEDS1)
        node.named = node_class(name, None, True)
        node.n_out = len(outs)
        node.out_meta = [(o.shape, o.dtype, numpy_ns) for o in outs]
        if anomaly_state[0]:
            record_trace(node)
        shown = node_class(name)
        for i, o in enumerate(outs):
            sel = make_node(SELECT, (), (node,), None, None, i, None, _NEEDS1)
            sel.named = shown
            t = _make(o, True, sel)
            t._view_base = root
            t._vcl = vc
            if edge is not x:  # (a view of a leaf keeps its node: the leaf is never rebased)
                register_view(t, x, S.GETITEM, (views[i], in_shape))
            res.append(t)
        return tuple(res)
    track = _STATE[0] and not x.requires_grad
    for i, o in enumerate(outs):
        t = _make(o, False, None)
        t._view_base = root
        t._vcl = vc
        if track:
            register_view(t, x, S.GETITEM, (views[i], in_shape))
        res.append(t)
    return tuple(res)


def function_node(op, inputs, next_, aux, n_out=None):
    """The node of one application of a custom autograd Function: a Node (one output) or a
    MultiNode (``n_out`` outputs, each reached through ``select_node``)."""
    if n_out is None:
        node = make_node(op, inputs, next_, None, None, aux, None, tuple(n is not None
                                                                          for n in next_))
    else:
        node = MultiNode(op, inputs, next_, None, None, aux, None)
        node.n_out = n_out
        node.out_meta = []
    if anomaly_state[0]:
        record_trace(node)
    return node


def select_node(node, i):
    """The ``grad_fn`` of output ``i`` of a multi-output node: reads as that node (its name and
    ``next_functions``), as PyTorch's outputs share one node."""
    sel = make_node(SELECT, (), (node,), None, None, i, None, (True,))
    sel.named = node_class(node.name())
    return sel


# (forward AD: view tangents, in-place writes)
configure(fw_apply1=apply1, fw_apply2=apply2, fw_view_ops=_VIEW_OPS_SET)
