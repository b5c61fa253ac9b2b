"""The ``__torch_function__`` protocol: Tensor subclasses and tensor-like objects that take over
gradkit's functions, methods and operators (PyTorch's "extending torch" protocol).

The cost on plain Tensors is kept off the per-op path:

- a Tensor method or operator is only dispatched for a Tensor subclass: when a subclass whose
  ``__torch_function__`` is not disabled is created (``Tensor.__init_subclass__``), dispatching
  methods are installed on that subclass; ``Tensor``'s own methods are left as they are;
- a function face (``gradkit.add``, ``F.linear``, ``gradkit.linalg.det``, ...) tests one flag,
  ``ACTIVE[0]``, which turns on the first time a subclass is made, a mode entered, or an object
  with ``__torch_function__`` that is no Tensor (a "tensor-like") reaches a function; a
  tensor-like seen first by a function that fails on it is dispatched from that failure
  (``dispatch_failed``), so the successful path of a plain call pays nothing more.
"""

from __future__ import annotations

import sys

from .._options import allocation_error
from ..autograd import grad_mode as _grad_mode
from ..autograd.graph import rename
from .tensor import _STATE_SLOTS, Tensor, retyped

__all__ = ["ACTIVE", "NOT_DISPATCHED", "BaseTorchFunctionMode", "DisableTorchFunction",
           "DisableTorchFunctionSubclass", "TorchFunctionMode", "as_subclass", "call_handlers",
           "convert",
           "disabled_torch_function_impl", "dispatch", "dispatch_face", "dispatch_failed",
           "dispatch_operand",
           "get_default_nowrap_functions", "has_torch_function", "is_tensor_like",
           "tensor_like_failed", "wrap_function"]

# whether any function face must look at its arguments (see the module docstring)
ACTIVE = [False]
# 0: dispatch on; 1: subclasses' handlers off (modes still run); 2: everything off
_DISABLED = [0]
# the TorchFunctionMode stack, innermost last
_MODES: list = []
NOT_DISPATCHED = object()  # a face's ``dispatch`` found nothing to call: run the op itself


def disabled_torch_function_impl(func, types, args=(), kwargs=None):
    """Set as a class's ``__torch_function__`` (``Parameter``'s): its instances are not
    dispatched, and ops on them give plain Tensors (PyTorch's ``_disabled_torch_function_impl``)."""
    return NotImplemented


def _handler_of(t):
    """The ``__torch_function__`` of type ``t``, or None where it has none or it is disabled."""
    tf = getattr(t, "__torch_function__", None)
    if tf is None or getattr(tf, "__func__", tf) is disabled_torch_function_impl:
        return None
    return tf


_PLAIN_TYPES = frozenset((Tensor, int, float, bool, complex, str, type(None), slice,
                          type(Ellipsis)))


def _overloaded(values, found):
    """Append to ``found`` the arguments of ``values`` (sequences looked into, one level) whose
    type overrides ``__torch_function__``: one per type, a subclass before its superclasses,
    otherwise left to right (PyTorch's order)."""
    for v in values:
        t = type(v)
        if t in _PLAIN_TYPES:
            continue
        if t is list or t is tuple:
            _overloaded(v, found)
            continue
        if _handler_of(t) is None or any(type(a) is t for a in found):
            continue
        at = len(found)
        for i, a in enumerate(found):
            if issubclass(t, type(a)):
                at = i
                break
        found.insert(at, v)
    return found


def has_torch_function(relevant_args) -> bool:
    """Whether any of ``relevant_args`` (Tensors, tensor-likes, sequences of them) overrides
    ``__torch_function__`` and dispatch is not disabled (a mode counts too)."""
    if _DISABLED[0] == 2:
        return False
    return bool(_MODES) or (not _DISABLED[0] and bool(_overloaded(relevant_args, [])))


def dispatch(func, args, kwargs):
    """Call the ``__torch_function__`` of the innermost mode, then of the overloaded arguments in
    ``args``/``kwargs``, until one does not return NotImplemented; NOT_DISPATCHED where none
    applies; TypeError naming the types where all declined."""
    state = _DISABLED[0]
    if state == 2:
        return NOT_DISPATCHED
    found = [] if state else _overloaded(args, [])
    if kwargs and not state:
        _overloaded(kwargs.values(), found)
    return call_handlers(func, found, args, kwargs)


def dispatch_operand(method, args):
    """A plain Tensor's operator given an operand it cannot convert (``t + linop``, ``t @ linop``):
    where one of ``args`` is a tensor-like (``__torch_function__`` but no Tensor), PyTorch hands
    the call to its ``__torch_function__`` as ``Tensor.<method>`` (``Tensor.add`` for ``+``), and
    so does this; NOT_DISPATCHED where none is (the caller raises its own TypeError). Reached
    only from the failure, so plain operators pay nothing for it."""
    func = getattr(Tensor, method, None)
    if func is None or not any(not isinstance(a, Tensor) and _handler_of(type(a)) is not None
                               for a in args):
        return NOT_DISPATCHED
    return dispatch(func, args, None)


def call_handlers(func, found, args, kwargs):
    """``dispatch`` with the overloaded arguments ``found`` (see ``_overloaded``)."""
    if not found and not _MODES or _DISABLED[0] == 2:
        return NOT_DISPATCHED
    if _DISABLED[0]:
        found = []
    types = tuple(type(a) for a in found)
    if kwargs is None:
        kwargs = {}
    if _MODES:
        mode = _MODES.pop()  # a mode runs with itself off (its own calls go to the op)
        try:
            r = mode.__torch_function__(func, types, args, kwargs)
        finally:
            _MODES.append(mode)
        if r is not NotImplemented:
            return r
    for a in found:
        r = type(a).__torch_function__(func, types, args, kwargs)
        if r is not NotImplemented:
            return r
    name = getattr(func, "__name__", repr(func))
    raise TypeError(f"no implementation found for '{name}' on types that implement "
                    f"__torch_function__: {list(types)}; each returned NotImplemented "
                    f"(handle this function in one of their __torch_function__ methods)")


def _given(params, values, defaults):
    """The positional arguments and keywords a caller most likely gave: positionals up to the
    last that differs from its default, keyword-only ones that differ from theirs."""
    args, kwargs = [], {}
    last = 0
    for i, (p, kind) in enumerate(params):
        if kind == "pos" and values[i] is not defaults.get(p, NOT_DISPATCHED):
            last = i + 1
    for i, (p, kind) in enumerate(params):
        v = values[i]
        if kind == "pos":
            if i < last:
                args.append(v)
        elif kind == "star":
            args.extend(v)
        elif kind == "starstar":
            kwargs.update(v)
        elif v is not defaults.get(p, NOT_DISPATCHED):
            kwargs[p] = v
    return tuple(args), kwargs


# (code object, offset of a call in it, id of a face's parameters) -> the call's plan
_CALL_PLANS: dict = {}


def _read_call(code, offset):
    """How the call at ``offset`` of ``code`` passes its arguments: ``(positional count,
    keyword names)``, or None where the bytecode does not say (``f(*args, **kw)``)."""
    import bisect
    import dis

    ins = list(dis.get_instructions(code))
    # (the frame's offset may point into the call's inline cache, after the instruction)
    at = bisect.bisect_right([i.offset for i in ins], offset) - 1
    if at < 0 or ins[at].opname not in ("CALL", "CALL_KW"):
        return None
    argc = ins[at].arg
    names: tuple = ()
    for back in ins[max(at - 3, 0):at][::-1]:
        if back.opname == "KW_NAMES":  # Python 3.11/3.12
            names = back.argval if isinstance(back.argval, tuple) else code.co_consts[back.arg]
            break
        if ins[at].opname == "CALL_KW" and back.opname == "LOAD_CONST":  # Python 3.13+
            names = back.argval
            break
    if not isinstance(names, tuple) or len(names) > argc or \
            (ins[at].opname == "CALL_KW" and not names):
        return None
    return argc - len(names), names


def _plan(params, defaults, shape):
    """``(positional count, ((keyword, index), ...), ((index, default), ...) of the
    parameters not given)`` for a call of ``shape`` to a face of ``params``; None where the
    call cannot be one to such a face."""
    if shape is None:
        return None
    npos, names = shape
    index = {}
    n_positional = 0
    for i, (p, kind) in enumerate(params):
        if kind in ("star", "starstar"):
            return None
        n_positional += kind == "pos"
        index[p] = i
    if npos > n_positional or any(n not in index or index[n] < npos for n in names):
        return None
    rest = tuple((i, defaults.get(p, NOT_DISPATCHED)) for i, (p, _) in
                 enumerate(params[npos:], npos) if p not in names)
    return npos, tuple((n, index[n]) for n in names), rest


def _given_as_called(params, values, defaults, frame):
    """The positional arguments and keywords exactly as the caller (``frame``) wrote them, so
    a handler sees ``softmax(x, dim=-1)`` as PyTorch's does; None where that cannot be read
    back with certainty (then ``_given``'s guess is used)."""
    key = (frame.f_code, frame.f_lasti, id(params))
    plan = _CALL_PLANS.get(key, NOT_DISPATCHED)
    if plan is NOT_DISPATCHED:
        if len(_CALL_PLANS) > 4096:
            _CALL_PLANS.clear()
        plan = _CALL_PLANS[key] = _plan(params, defaults,
                                        _read_call(frame.f_code, frame.f_lasti))
    if plan is None:
        return None
    npos, kw, rest = plan
    for i, default in rest:  # what was not given holds its default
        if values[i] is not default:
            return None
    return tuple(values[:npos]), {n: values[i] for n, i in kw}


def dispatch_face(face, params, values, defaults):
    """``dispatch`` from a generated function face: ``params`` are ``(name, kind)`` of its
    parameters, ``values`` their values in the call, ``defaults`` name -> default. The
    handlers get the arguments as the caller wrote them (read from its call's bytecode), or
    ``_given``'s guess where that cannot be read."""
    got = _given_as_called(params, values, defaults, sys._getframe(2))
    args, kwargs = got if got is not None else _given(params, values, defaults)
    if len(args) == 2 and type(args[1]) in (list, tuple) and not _MODES and \
            getattr(face, "__name__", None) in _UNPACKS_ONE_LIST:
        args = (args[0], *args[1])
    return dispatch(face, args, kwargs)


# faces whose PyTorch (Python) function unpacks a single list of operands before it dispatches
# to the tensor-likes in it (no mode being active): ``einsum(eq, [a, b])`` reaches
# ``__torch_function__`` as ``einsum(eq, a, b)`` (opt_einsum's torch backend calls it so)
_UNPACKS_ONE_LIST = frozenset({"einsum"})


def dispatch_failed(face, params, values, defaults) -> bool:
    """A function face failed on its arguments with dispatch off: whether one of them is a
    tensor-like (``__torch_function__`` but no Tensor); then dispatch is turned on, and the
    face dispatches the call (outside its ``except``, so the error is not chained)."""
    args, kwargs = _given(params, values, defaults)
    return tensor_like_failed(args, kwargs)


def tensor_like_failed(args, kwargs) -> bool:
    """``dispatch_failed`` for a face that has the call's ``args`` and ``kwargs`` as given."""
    if ACTIVE[0] or _DISABLED[0]:
        return False
    found = _overloaded(args, [])
    if kwargs:
        _overloaded(kwargs.values(), found)
    if not found:
        return False
    ACTIVE[0] = True
    return True


def face_failed(name, err, args, kwargs) -> bool:
    """In the ``except`` of a function face ``name`` that called its implementation with
    ``args``/``kwargs``: True where a tensor-like argument is to dispatch the call
    (``tensor_like_failed``); PyTorch's RuntimeError raised where the call failed to allocate
    memory (``allocation_error``); False where the face is to re-raise ``err``."""
    if tensor_like_failed(args, kwargs):
        return True
    e = allocation_error(name + "()", err)
    if e is not None:
        raise e from None
    return False


def wrap_function(f):
    """``f`` as a function face that dispatches (for functions written by hand: ``F.*``,
    ``gradkit.linalg.*``, ``gradkit.fft.*``); the handler sees the returned function."""
    import functools

    @functools.wraps(f)
    def face(*args, **kwargs):
        if ACTIVE[0]:
            r = dispatch(face, args, kwargs)
            if r is not NOT_DISPATCHED:
                return r
        try:
            return f(*args, **kwargs)
        except Exception as e:
            if not face_failed(f.__name__, e, args, kwargs):
                raise
        return dispatch(face, args, kwargs)

    face.__torch_function_face__ = True
    return face


# ------------------------------------------------------------------ disabling, modes
class DisableTorchFunctionSubclass:
    """Within it, Tensor subclasses' and tensor-likes' ``__torch_function__`` are not called
    (modes still are); what ``Tensor.__torch_function__`` runs the op under."""

    _level = 1

    def __enter__(self):
        self._prev = _DISABLED[0]
        _DISABLED[0] = max(self._prev, self._level)
        return self

    def __exit__(self, *exc):
        _DISABLED[0] = self._prev
        return False


class DisableTorchFunction(DisableTorchFunctionSubclass):
    """Within it, no ``__torch_function__`` is called, of modes neither."""

    _level = 2


class TorchFunctionMode:
    """A context manager whose ``__torch_function__(self, func, types, args=(), kwargs=None)``
    sees every gradkit function and Tensor method called within it (PyTorch's
    ``torch.overrides.TorchFunctionMode``); within its handler the mode itself is off."""

    def __torch_function__(self, func, types, args=(), kwargs=None):
        raise NotImplementedError

    def __enter__(self):
        ACTIVE[0] = True
        if not _MODES:
            _route_tensor_methods(True)
        _MODES.append(self)
        return self

    def __exit__(self, *exc):
        if self in _MODES:
            _MODES.reverse()
            _MODES.remove(self)
            _MODES.reverse()
            if not _MODES:
                _route_tensor_methods(False)
        return False

    @classmethod
    def push(cls, *args, **kwargs):
        mode = cls(*args, **kwargs)
        mode.__enter__()
        return mode


class BaseTorchFunctionMode(TorchFunctionMode):
    """A TorchFunctionMode whose handler calls the function (PyTorch's
    ``torch.overrides.BaseTorchFunctionMode``): a subclass overrides ``__torch_function__``,
    changes ``func`` or its arguments, and hands on to ``super().__torch_function__``."""

    def __torch_function__(self, func, types, args=(), kwargs=None):
        return func(*args, **(kwargs or {}))


def is_tensor_like(inp) -> bool:
    """Whether ``inp`` is a Tensor or an object whose type defines ``__torch_function__``."""
    return isinstance(inp, Tensor) or hasattr(type(inp), "__torch_function__")


# ------------------------------------------------------------------ Tensor's side
def _property_getter(name):
    return Tensor.__dict__[name].__get__


def get_default_nowrap_functions() -> set:
    """The functions whose results ``Tensor.__torch_function__`` returns as they are, not turned
    into the subclass (the ``grad`` and ``_base`` getters)."""
    return {_property_getter("grad"), _property_getter("_base")}


def convert(ret, cls):
    """``ret`` with its Tensors made ``cls`` objects (tuples and lists looked into), as PyTorch's
    default ``__torch_function__`` returns results."""
    if cls is Tensor:
        return ret
    if isinstance(ret, Tensor):
        if not isinstance(ret, cls):
            # a result in the graph becomes an alias of it (AliasBackward0, as PyTorch's)
            ret = as_subclass(ret, cls) if ret._grad_fn is not None else retyped(ret, cls)
        return ret
    if isinstance(ret, (tuple, list)):
        items = [convert(r, cls) for r in ret]
        if hasattr(ret, "_fields"):  # a named tuple (values, indices)
            return type(ret)(*items)
        return type(ret)(items)
    return ret


_REQUIRES_GRAD = Tensor.__dict__["requires_grad"].__get__


def as_subclass(self, cls):
    """This tensor as a ``cls`` object (``cls`` a subclass of Tensor): the same data and version
    counter; where it requires grad, an alias in the graph (gradients reach ``self``)."""
    if not (isinstance(cls, type) and issubclass(cls, Tensor)):
        raise TypeError(f"as_subclass(): argument 'cls' must be a subclass of Tensor, not "
                        f"{cls!r}")
    # the slot itself: a subclass's handler sees no ``requires_grad`` read (as PyTorch's C++
    # as_subclass), so a handler that calls as_subclass does not call itself again
    if _REQUIRES_GRAD(self, Tensor) and _grad_mode.STATE[0]:
        with DisableTorchFunction():
            return retyped(rename(Tensor.view_as(self, self), "AliasBackward0"), cls)
    self._vc  # noqa: B018 (makes the shared version counter, so both see writes)
    src = object.__new__(Tensor)
    for name in _STATE_SLOTS:
        slot = Tensor.__dict__[name]
        try:
            slot.__set__(src, slot.__get__(self, Tensor))
        except AttributeError:
            pass
    src._grad = None
    src._hooks = None
    return retyped(src, cls)


def _make_subclass(cls, data, require_grad=False, *args, **kwargs):
    """``Tensor._make_subclass(cls, data, require_grad)``: a ``cls`` leaf sharing ``data``'s
    storage, detached from its graph."""
    with DisableTorchFunction():
        t = as_subclass(Tensor.detach(data), cls)
        if require_grad:
            Tensor.requires_grad_(t, True)
    return t


def _default_torch_function(cls, func, types, args=(), kwargs=None):
    """Tensor's ``__torch_function__``: run ``func`` with subclass dispatch off and return its
    Tensors as ``cls`` objects (NotImplemented where another argument type is no superclass of
    ``cls``)."""
    if kwargs is None:
        kwargs = {}
    if not all(issubclass(cls, t) for t in types):
        return NotImplemented
    with DisableTorchFunctionSubclass():
        ret = func(*args, **kwargs)
        if func in get_default_nowrap_functions():
            return ret
        return convert(ret, cls)


# Tensor attributes never dispatched: construction, the protocol itself, pickling and copying
# (which keep the class themselves), NumPy's hooks, and private state
_NOT_DISPATCHED = frozenset({
    "__init__", "__new__", "__init_subclass__", "__torch_function__", "__getattribute__",
    "__setattr__", "__delattr__", "__reduce_ex__", "__reduce__", "__getstate__",
    "__setstate__", "__deepcopy__", "__array__", "__array_wrap__", "__array_priority__",
    "__dlpack__", "__dlpack_device__", "__slots__", "__weakref__", "__hash__", "__class__",
    "__dict__", "__doc__", "__module__", "__dir__", "__sizeof__", "__subclasshook__",
    "__qualname__", "as_subclass", "_make_subclass", "__annotations__",
})
# operators PyTorch dispatches as the named method: x + y as Tensor.add, 2 * x as Tensor.mul
_OPERATOR_METHODS = {
    "__add__": "add", "__radd__": "add", "__iadd__": "add_", "__mul__": "mul",
    "__rmul__": "mul", "__imul__": "mul_", "__sub__": "sub", "__isub__": "sub_",
    "__truediv__": "div", "__itruediv__": "div_", "__matmul__": "matmul", "__neg__": "neg",
}
# reflected operators: with a Tensor on the left they are the forward operator's call
_REFLECTED = {"__rsub__": "sub", "__rtruediv__": "div", "__rmatmul__": "matmul",
              "__rpow__": "pow", "__rfloordiv__": "floor_divide", "__rmod__": "remainder"}


def _method_face(base, func):
    def face(self, *args, **kwargs):
        r = dispatch(func, (self,) + args, kwargs)
        if r is NOT_DISPATCHED:
            return base(self, *args, **kwargs)
        return r

    face.__name__ = getattr(base, "__name__", "face")
    face.__qualname__ = f"Tensor.{face.__name__}"
    face.__doc__ = getattr(base, "__doc__", None)
    face.__torch_function_face__ = True
    return face


def _commuting_face(base, func):
    """``__radd__``/``__rmul__``: ``2 + x`` and ``t + x`` are ``Tensor.add`` of the two."""
    def face(self, other):
        args = (other, self) if isinstance(other, Tensor) else (self, other)
        r = dispatch(func, args, None)
        if r is NOT_DISPATCHED:
            return base(self, other)
        return r

    face.__name__ = base.__name__
    face.__torch_function_face__ = True
    return face


def _reflected_face(base, forward):
    """``t - x`` (a Tensor on the left, this subclass on the right) is ``Tensor.sub(t, x)``;
    ``2 - x`` is ``Tensor.__rsub__(x, 2)``."""
    def face(self, other):
        if isinstance(other, Tensor):
            r = dispatch(forward, (other, self), None)
        else:
            r = dispatch(base, (self, other), None)
        if r is NOT_DISPATCHED:
            return base(self, other)
        return r

    face.__name__ = base.__name__
    face.__torch_function_face__ = True
    return face


def _property_face(prop):
    getter = prop.__get__

    def fget(self):
        r = dispatch(getter, (self,), None)
        if r is NOT_DISPATCHED:
            return prop.fget(self)
        return r

    return property(fget, prop.fset, prop.fdel, prop.__doc__)


_MEMBER = type(Tensor.__dict__["requires_grad"])  # a slot's descriptor


def _slot_face(slot):
    """A Tensor slot read by handlers as a property (``requires_grad``): its getter dispatched
    (PyTorch's handlers see ``Tensor.requires_grad.__get__``), its setter as it is."""
    getter = slot.__get__

    def fget(self):
        r = dispatch(getter, (self,), None)
        if r is NOT_DISPATCHED:
            return getter(self)
        return r

    return property(fget, slot.__set__, slot.__delete__, slot.__doc__)


_SUBCLASS_FACES: dict = {}


def _subclass_faces() -> dict:
    """name -> the dispatching attribute a Tensor subclass gets (built once, on first need)."""
    if not _SUBCLASS_FACES:
        for name, attr in list(vars(Tensor).items()):
            if name in _NOT_DISPATCHED or (name.startswith("_") and not name.endswith("__")
                                           and name != "_base"):
                continue
            if isinstance(attr, property):
                if attr.fget is not None:
                    _SUBCLASS_FACES[name] = _property_face(attr)
            elif type(attr) is _MEMBER:  # (requires_grad: the one public slot)
                _SUBCLASS_FACES[name] = _slot_face(attr)
            elif callable(attr) and not isinstance(attr, (type, staticmethod, classmethod)):
                if name in ("__radd__", "__rmul__"):
                    face = _commuting_face(attr, getattr(Tensor, _OPERATOR_METHODS[name]))
                elif name in _REFLECTED:
                    face = _reflected_face(attr, getattr(Tensor, _REFLECTED[name]))
                else:
                    func = getattr(Tensor, _OPERATOR_METHODS[name]) \
                        if name in _OPERATOR_METHODS else attr
                    face = _method_face(attr, func)
                _SUBCLASS_FACES[name] = face
    return _SUBCLASS_FACES


def _install_faces(cls):
    """Give ``cls`` the dispatching methods, operators and properties it would inherit from
    Tensor itself (never over its own or an intermediate class's definitions)."""
    for name, face in _subclass_faces().items():
        for k in cls.__mro__:
            if name in k.__dict__:
                if k is Tensor:
                    setattr(cls, name, face)
                break


def _made_by_new(self, *args, **kwargs):
    """The ``__init__`` of a subclass whose ``__new__`` makes the tensor (it takes the
    subclass's own arguments, ``MetadataTensor(data, metadata=...)``, as PyTorch's does)."""


class _Routed:
    """A Tensor method while a mode is on: read on the class, the method itself
    (``Tensor.add``, so ``func is Tensor.add`` holds in a handler); on a tensor, its dispatching
    face."""

    __slots__ = ("base", "face")

    def __init__(self, base, face):
        self.base, self.face = base, face

    def __get__(self, obj, owner=None):
        if obj is None:
            return self.base
        return self.face.__get__(obj, owner)


class _RoutedProperty(_Routed):
    """A Tensor property while a mode is on (its getter dispatched, its setter as it is)."""

    __slots__ = ()

    def __set__(self, obj, value):
        self.base.__set__(obj, value)

    def __delete__(self, obj):
        self.base.__delete__(obj)


_ROUTED: dict = {}  # name -> Tensor's own attribute, while a mode routes plain Tensors' methods


def _route_tensor_methods(on):
    """While a TorchFunctionMode is on, plain Tensors' methods, operators and property getters
    dispatch too (Tensor's own attributes are put back when the last mode exits: plain
    Tensors pay nothing outside modes)."""
    if on and not _ROUTED:
        for name, face in _subclass_faces().items():
            base = Tensor.__dict__.get(name)
            if base is None:
                continue
            _ROUTED[name] = base
            kind = _RoutedProperty if isinstance(base, (property, _MEMBER)) else _Routed
            setattr(Tensor, name, kind(base, face))
    elif not on and _ROUTED:
        for name, base in _ROUTED.items():
            setattr(Tensor, name, base)
        _ROUTED.clear()


def _init_subclass(cls, **kwargs):
    super(Tensor, cls).__init_subclass__(**kwargs)
    for k in cls.__mro__:
        if k is Tensor:
            break
        if "__init__" in k.__dict__:
            break
        if "__new__" in k.__dict__:
            cls.__init__ = _made_by_new
            break
    if _handler_of(cls) is not None:
        ACTIVE[0] = True
        _install_faces(cls)


def install() -> None:
    """Attach the protocol to Tensor (called once at import)."""
    Tensor.__torch_function__ = classmethod(_default_torch_function)
    Tensor.__init_subclass__ = classmethod(_init_subclass)
    Tensor.as_subclass = as_subclass
    Tensor._make_subclass = staticmethod(_make_subclass)
