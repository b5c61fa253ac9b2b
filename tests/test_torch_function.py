"""The ``__torch_function__`` protocol against PyTorch: Tensor subclasses (logging, metadata),
tensor-likes that are no Tensor, the order handlers are asked in, NotImplemented, as_subclass,
disabling dispatch, modes, and gradkit.overrides."""

import functools

import numpy as np
import pytest

import gradkit as gk

torch = pytest.importorskip("torch")

LIBS = [gk, torch]


@pytest.fixture(autouse=True)
def _dispatch_flag_restored():
    """The subclasses made here turn gradkit's dispatch flag on for good; put it back after
    each test, so the rest of a test session runs the plain path it runs in programs that
    make no subclass."""
    from gradkit._tensor import torch_function as tf

    before = tf.ACTIVE[0]
    yield
    tf.ACTIVE[0] = before


def _logging_class(lib):
    class LoggingTensor(lib.Tensor):
        calls = []

        @classmethod
        def __torch_function__(cls, func, types, args=(), kwargs=None):
            cls.calls.append(func.__name__)
            return super().__torch_function__(func, types, args, kwargs or {})

    return LoggingTensor


def _data():
    return np.arange(1.0, 7.0, dtype=np.float32).reshape(2, 3)


# (label, op on (lib, x: the subclass, p: a plain tensor))
OPS = [
    ("relu", lambda lib, x, p: lib.relu(x)),
    ("sum method", lambda lib, x, p: x.sum()),
    ("sum dim", lambda lib, x, p: lib.sum(x, dim=0)),
    ("x + p", lambda lib, x, p: x + p),
    ("p + x", lambda lib, x, p: p + x),
    ("2 * x", lambda lib, x, p: 2 * x),
    ("x * 2", lambda lib, x, p: x * 2),
    ("x - p", lambda lib, x, p: x - p),
    ("-x", lambda lib, x, p: -x),
    ("x @ p.T", lambda lib, x, p: x @ p.T),
    ("F.linear", lambda lib, x, p: lib.nn.functional.linear(x, p)),
    ("F.relu", lambda lib, x, p: lib.nn.functional.relu(x)),
    ("cat", lambda lib, x, p: lib.cat([p, x])),
    ("clone", lambda lib, x, p: x.clone()),
    ("getitem", lambda lib, x, p: x[0]),
    ("softmax", lambda lib, x, p: lib.softmax(x, 0)),
    ("torch.add", lambda lib, x, p: lib.add(p, x)),
    ("add_", lambda lib, x, p: x.clone().add_(1)),
    ("linalg.norm", lambda lib, x, p: lib.linalg.norm(x)),
]


@pytest.mark.parametrize("label,op", OPS, ids=[o[0] for o in OPS])
def test_logging_subclass_sees_ops_and_keeps_its_class(label, op):
    got = []
    for lib in LIBS:
        cls = _logging_class(lib)
        x = lib.tensor(_data()).as_subclass(cls)
        p = lib.tensor(_data() + 1)
        cls.calls.clear()
        r = op(lib, x, p)
        got.append((type(r).__name__, list(cls.calls), np.asarray(r.detach().numpy()
                                                                  if hasattr(r, "numpy") else r)))
    (tg, cg, vg), (tt, ct, vt) = got
    assert tg == tt
    assert cg[:1] == ct[:1]  # the first call the handler sees: the op the user called
    np.testing.assert_allclose(vg, vt, rtol=1e-6)


def test_property_access_dispatches_as_its_getter():
    for lib in LIBS:
        cls = _logging_class(lib)
        x = lib.tensor(_data()).as_subclass(cls)
        cls.calls.clear()
        assert tuple(x.shape) == (2, 3)
        assert cls.calls == ["__get__"]


def test_plain_tensor_ops_are_not_dispatched_and_stay_plain():
    for lib in LIBS:
        cls = _logging_class(lib)
        p = lib.tensor(_data())
        cls.calls.clear()
        r = lib.relu(p) + p.sum()
        assert type(r) is lib.Tensor and cls.calls == []


def test_repr_names_the_subclass():
    outs = []
    for lib in LIBS:
        cls = _logging_class(lib)
        outs.append(repr(lib.tensor([[1.0, 2.0], [3.0, 4.0]]).as_subclass(cls)))
    assert outs[0] == outs[1]
    assert outs[0].startswith("LoggingTensor([[1., 2.],\n")


def _metadata_class(lib):
    class MetadataTensor(lib.Tensor):
        @staticmethod
        def __new__(cls, data, metadata=None):
            t = lib.as_tensor(data).as_subclass(cls)
            t.metadata = metadata or {}
            return t

        @classmethod
        def __torch_function__(cls, func, types, args=(), kwargs=None):
            meta = {}
            for a in args:
                if isinstance(a, MetadataTensor):
                    meta.update(getattr(a, "metadata", {}))
            out = super().__torch_function__(func, types, args, kwargs or {})
            if isinstance(out, MetadataTensor):
                out.metadata = meta
            return out

    return MetadataTensor


def test_metadata_subclass_with_new_and_gradients():
    got = []
    for lib in LIBS:
        cls = _metadata_class(lib)
        m = cls([[1.0, 2.0], [3.0, 4.0]], metadata={"unit": "m"})
        r = m @ m
        g = cls([1.0, 2.0, 3.0], metadata={"src": "g"}).requires_grad_()
        loss = (g ** 2).sum()
        loss.backward()
        got.append((type(r).__name__, r.metadata, r.tolist(), type(loss).__name__,
                    g.grad.tolist(), type(g.grad).__name__, g.is_leaf))
    assert got[0] == got[1]


class _ScalarTensorBase:
    """PyTorch's documented tensor-like: no Tensor, a HANDLED_FUNCTIONS table."""


def _scalar_tensor(lib):
    handled = {}

    class ScalarTensor:
        def __init__(self, n, value):
            self._N, self._value = n, value

        def tensor(self):
            return self._value * lib.eye(self._N)

        @classmethod
        def __torch_function__(cls, func, types, args=(), kwargs=None):
            if func not in handled:
                return NotImplemented
            return handled[func](*args, **(kwargs or {}))

    def implements(f):
        def deco(g):
            functools.update_wrapper(g, f)
            handled[f] = g
            return g
        return deco

    @implements(lib.mean)
    def mean(input):
        return float(input._value) / input._N

    @implements(lib.add)
    def add(input, other):
        if isinstance(other, ScalarTensor):
            return ScalarTensor(input._N, input._value + other._value)
        return lib.add(input.tensor(), other)

    return ScalarTensor


def test_tensor_like_that_is_no_tensor():
    got = []
    for lib in LIBS:
        st = _scalar_tensor(lib)
        s = st(2, 3)
        with pytest.raises(TypeError, match="ScalarTensor"):
            lib.mul(s, 3)  # unhandled: every handler returned NotImplemented
        r = lib.add(s, lib.tensor([[1.0, 1.0], [1.0, 1.0]]))
        got.append((lib.mean(st(5, 2)), lib.add(s, s)._value, r.tolist(),
                    lib.overrides.is_tensor_like(s), lib.overrides.has_torch_function((s,))))
    assert got[0] == got[1]


def _handler_order(lib):
    order = []

    class A(lib.Tensor):
        @classmethod
        def __torch_function__(cls, func, types, args=(), kwargs=None):
            order.append("A")
            return super().__torch_function__(func, types, args, kwargs or {})

    class B(A):
        @classmethod
        def __torch_function__(cls, func, types, args=(), kwargs=None):
            order.append("B")
            return NotImplemented

    a = lib.tensor([1.0, 2.0]).as_subclass(A)
    b = lib.tensor([3.0, 4.0]).as_subclass(B)
    # B first (a subclass before its superclass); A's default handler then declines, as B is
    # no superclass of A, so every handler declined
    with pytest.raises(TypeError, match="B"):
        lib.add(a, b)
    r = lib.add(a, lib.tensor([1.0, 1.0]).as_subclass(A))
    return order, type(r).__name__, r.tolist()


def test_subclass_handler_asked_before_its_superclass_then_notimplemented():
    got = _handler_order(gk)
    assert got == _handler_order(torch)
    assert got[0][:3] == ["B", "A", "A"]  # (then A again: r.tolist() is a method call)


def test_all_notimplemented_raises_typeerror_naming_the_types():
    for lib in LIBS:
        class Refuses(lib.Tensor):
            @classmethod
            def __torch_function__(cls, func, types, args=(), kwargs=None):
                return NotImplemented

        x = lib.tensor([1.0]).as_subclass(Refuses)
        with pytest.raises(TypeError, match="Refuses"):
            lib.exp(x)


def test_as_subclass_shares_data_and_graph():
    got = []
    for lib in LIBS:
        cls = _logging_class(lib)
        base = lib.tensor([1.0, 2.0], requires_grad=True)
        x = base.as_subclass(cls)
        (x * 3).sum().backward()
        plain = x.as_subclass(lib.Tensor)
        got.append((type(x).__name__, x.is_leaf, base.grad.tolist(), type(plain).__name__,
                    isinstance(x, lib.Tensor)))
        with pytest.raises(TypeError):
            base.as_subclass(int)
    assert got[0] == got[1]


def test_disable_torch_function_subclass_and_parameter():
    got = []
    for lib in LIBS:
        cls = _logging_class(lib)
        x = lib.tensor(_data()).as_subclass(cls)
        cls.calls.clear()
        with lib._C.DisableTorchFunctionSubclass():
            r = lib.relu(x)
        with lib._C.DisableTorchFunction():
            r2 = x.sum()
        w = lib.nn.Parameter(lib.ones(2))
        got.append((type(r).__name__, type(r2).__name__, list(cls.calls),
                    type(w * 2).__name__))
    assert got[0] == got[1]


def _mode_scenario(lib):
    seen = []

    class Mode(lib.overrides.TorchFunctionMode):
        def __torch_function__(self, func, types, args=(), kwargs=None):
            seen.append(func.__name__)
            return func(*args, **(kwargs or {}))

    x = lib.tensor([1.0, -2.0])
    with Mode():
        r = lib.relu(x)
        r2 = lib.nn.functional.gelu(x)
    after = lib.exp(x)
    return seen, r.tolist(), type(after).__name__, np.round(r2.tolist(), 5).tolist()


def test_function_mode_sees_calls_and_runs_with_itself_off():
    assert _mode_scenario(gk) == _mode_scenario(torch)


def _helpers_scenario(lib):
    cls = _logging_class(lib)
    x = lib.tensor([1.0, 2.0]).as_subclass(cls)
    p = lib.tensor([1.0])
    ov = lib.overrides
    assert ov.has_torch_function((x,)) and not ov.has_torch_function((p, 1.0))
    assert ov.has_torch_function_unary(x) and ov.has_torch_function_variadic(p, x)
    assert ov.is_tensor_like(p) and not ov.is_tensor_like(1.0)

    def my_op(a):
        if ov.has_torch_function_unary(a):
            return ov.handle_torch_function(my_op, (a,), a)
        return a + 1

    cls.calls.clear()
    r = my_op(x)
    assert cls.calls[0] == "my_op" and type(r).__name__ == "LoggingTensor"
    assert lib.Tensor.grad.__get__ in ov.get_default_nowrap_functions()
    return r.tolist()


def test_overrides_helpers():
    assert _helpers_scenario(gk) == _helpers_scenario(torch)


def _make_subclass_scenario(lib):
    class Sub(lib.Tensor):
        @staticmethod
        def __new__(cls, data):
            return lib.Tensor._make_subclass(cls, data, True)

    s = Sub(lib.tensor([1.0, 2.0]))
    return type(s).__name__, s.requires_grad, s.is_leaf, s.tolist()


def test_make_subclass():
    assert _make_subclass_scenario(gk) == _make_subclass_scenario(torch)


def _module_scenario(lib):
    cls = _logging_class(lib)
    x = lib.tensor(_data()).as_subclass(cls)
    lin = lib.nn.Linear(3, 2)
    with lib.no_grad():
        lin.weight.fill_(0.5)
        lin.bias.fill_(0.1)
    cls.calls.clear()
    y = lin(x)
    m = lib.max(x.requires_grad_(), 1)
    return (type(y).__name__, cls.calls[:1], y.tolist(), type(m.values).__name__,
            type(m.values.grad_fn).__name__, type(lin.weight * 2).__name__)


def test_module_call_and_graph_results_of_a_subclass():
    assert _module_scenario(gk) == _module_scenario(torch)


def test_subclass_copies_and_pickles_with_its_attributes():
    import copy
    import pickle

    global TaggedTensor  # (a module attribute: pickle finds the class by name)

    class TaggedTensor(gk.Tensor):
        pass

    TaggedTensor.__qualname__ = "TaggedTensor"
    x = gk.tensor([1.0, 2.0]).as_subclass(TaggedTensor)
    x.tag = "t"
    for y in (copy.deepcopy(x), pickle.loads(pickle.dumps(x))):
        assert type(y) is TaggedTensor and y.tag == "t" and y.tolist() == [1.0, 2.0]
        y[0] = 5.0
        assert x.tolist() == [1.0, 2.0]


def _mode_on_plain_methods(lib):
    seen = []

    class Mode(lib.overrides.TorchFunctionMode):
        def __torch_function__(self, func, types, args=(), kwargs=None):
            seen.append((func.__name__, func is lib.Tensor.add))
            return func(*args, **(kwargs or {}))

    x = lib.tensor([1.0, -2.0, 3.0])
    y = lib.tensor([0.5, 0.5, 0.5])
    with Mode():
        r = (x + y).sum()
        s = tuple(x.shape)
        q = x.clamp(min=0).tolist()
        x.add(y)
    after = x + y  # the mode is gone: nothing seen
    return seen, r.item(), s, q, after.tolist(), type(x).__add__ is lib.Tensor.__add__


def test_mode_sees_plain_tensor_methods_operators_and_properties():
    assert _mode_on_plain_methods(gk) == _mode_on_plain_methods(torch)


_FIRST_CALL = """
import gradkit as gk
from gradkit._tensor import torch_function as tf
assert not tf.ACTIVE[0]

class Like:
    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        if func is gk.mean:
            return "mean of a Like"
        return NotImplemented

print(gk.mean(Like()), gk.nn.functional.relu(gk.tensor([-1.0])).tolist())
try:
    gk.exp(Like())
except TypeError as e:
    print(type(e).__name__, e.__context__ is None, "Like" in str(e))
"""


def test_tensor_like_dispatched_on_first_call_without_a_subclass_anywhere():
    # in a fresh process: no Tensor subclass made yet, so dispatch is still off when the
    # tensor-like arrives (the face finds it from the error its call raised)
    import os
    import subprocess
    import sys

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = dict(os.environ, PYTHONPATH=root)
    out = subprocess.run([sys.executable, "-c", _FIRST_CALL], capture_output=True, text=True,
                         env=env, timeout=300, check=True).stdout.split("\n")
    assert out[0] == "mean of a Like [0.0]"
    assert out[1] == "TypeError True True"


def _modules_scenario(lib):
    cls = _logging_class(lib)
    lib.manual_seed(0)
    x = lib.tensor(np.random.default_rng(0).standard_normal((2, 3, 8, 8), dtype=np.float32))
    x = x.as_subclass(cls)
    nn = lib.nn
    got = []
    for m in (nn.Conv2d(3, 4, 3), nn.Conv2d(3, 2, 3, padding=1, padding_mode="reflect"),
              nn.MaxPool2d(2), nn.AvgPool2d(2), nn.Flatten(), nn.BatchNorm2d(3), nn.ReLU()):
        cls.calls.clear()
        r = m(x)
        got.append((type(r).__name__, cls.calls[:1] if type(m).__name__ != "BatchNorm2d"
                    else [], tuple(r.shape)))
    return got


def test_modules_keep_the_subclass_and_call_nn_functional():
    assert _modules_scenario(gk) == _modules_scenario(torch)


def _special_scenario(lib):
    seen = []

    class Sub(lib.Tensor):
        @classmethod
        def __torch_function__(cls, func, types, args=(), kwargs=None):
            seen.append(func)
            return super().__torch_function__(func, types, args, kwargs or {})

    x = lib.tensor([0.25, 0.5]).as_subclass(Sub)
    got = []
    for name in ("expit", "entr", "ndtr", "i1", "logit", "erfcx", "log_softmax", "xlog1py"):
        f = getattr(lib.special, name)
        seen.clear()
        r = f(x, 0) if name == "log_softmax" else f(x, x) if name == "xlog1py" else f(x)
        got.append((name, type(r).__name__, seen[:1] == [f], seen[:1] == [lib.sigmoid]))
    return got


def test_special_functions_reach_handlers_under_their_own_names():
    # torch.special.expit is no alias object of torch.sigmoid: a handler receives expit
    assert _special_scenario(gk) == _special_scenario(torch)
    assert gk.special.expit is not gk.sigmoid
    np.testing.assert_allclose(gk.special.expit(gk.tensor([0.3])).numpy(),
                               gk.sigmoid(gk.tensor([0.3])).numpy())


def _requires_grad_scenario(lib):
    cls = _logging_class(lib)
    x = lib.tensor([1.0, 2.0]).as_subclass(cls)
    cls.calls.clear()
    first = x.requires_grad
    calls = list(cls.calls)
    x.requires_grad = True  # (the setter is not dispatched)
    cls.calls.clear()
    y = (x * 2).sum()
    y.backward()
    return first, calls, list(cls.calls), x.requires_grad, x.grad.tolist()


def test_requires_grad_getter_is_dispatched():
    assert _requires_grad_scenario(gk) == _requires_grad_scenario(torch)


def test_requires_grad_getter_seen_by_a_mode():
    def run(lib):
        seen = []

        class Mode(lib.overrides.TorchFunctionMode):
            def __torch_function__(self, func, types, args=(), kwargs=None):
                seen.append(func == lib.Tensor.requires_grad.__get__)
                return func(*args, **(kwargs or {}))

        x = lib.ones(2)
        with Mode():
            flag = x.requires_grad
            x.requires_grad = True
        return flag, any(seen), x.requires_grad

    assert run(gk) == run(torch)


def test_overridable_functions_and_testing_overrides_cover_the_surface():
    import inspect

    ov = gk.overrides.get_overridable_functions()
    assert gk.add in ov[gk] and gk.nn.functional.linear in ov[gk.nn.functional]
    assert gk.linalg.det in ov[gk.linalg] and gk.special.expit in ov[gk.special]
    assert gk.fft.fft in ov[gk.fft] and gk.Tensor.add in ov[gk.Tensor]
    assert ov[gk.Tensor.__dict__["shape"]] == [gk.Tensor.shape.__get__]
    assert gk.Tensor.requires_grad.__get__ in ov[gk.Tensor.__dict__["requires_grad"]]
    # as large as PyTorch's for the namespaces it has
    tov = torch.overrides.get_overridable_functions()
    assert len(ov[gk.nn.functional]) >= 0.9 * len(tov[torch.nn.functional])
    assert len(ov[gk.linalg]) >= len(tov[torch.linalg])
    assert len(ov[gk.special]) >= len(tov[torch.special])
    tests = gk.overrides.get_testing_overrides()
    for f, ref in ((gk.add, torch.add), (gk.nn.functional.linear, torch.nn.functional.linear),
                   (gk.sum, torch.sum)):
        g_params = list(inspect.signature(tests[f]).parameters)
        t_params = list(inspect.signature(torch.overrides.get_testing_overrides()[ref]).parameters)
        assert g_params[:2] == t_params[:2], (f, g_params, t_params)
        assert tests[f](*([1] * len([p for p in inspect.signature(tests[f]).parameters.values()
                                      if p.default is inspect.Parameter.empty and
                                      p.kind is p.POSITIONAL_OR_KEYWORD]))) == -1
    assert inspect.signature(tests[gk.Tensor.shape.__get__]).parameters.keys() == {"self"}


@pytest.mark.parametrize("lib", LIBS, ids=["gradkit", "torch"])
def test_factories_hand_a_tensor_like_argument_to_its_handler(lib):
    """``torch.arange(n)`` with ``n`` a tensor-like (an fx Proxy for ``x.size(1)``) dispatches,
    on the first call as well as once dispatch is on."""
    class Size:
        @classmethod
        def __torch_function__(cls, func, types, args=(), kwargs=None):
            return ("handled", func.__name__, len(args))

    assert lib.arange(Size()) == ("handled", "arange", 1)
    assert lib.full((2,), Size()) == ("handled", "full", 2)
    assert lib.linspace(0, Size(), 3) == ("handled", "linspace", 3)
    assert lib.randint(Size(), (2,)) == ("handled", "randint", 2)
    assert lib.arange(3).tolist() == [0, 1, 2]


def _add_to_mul(lib):
    # the torch.compile function-modes recipe: a BaseTorchFunctionMode subclass that swaps the
    # function and hands on to super()
    class AddToMultiply(lib.overrides.BaseTorchFunctionMode):
        def __torch_function__(self, func, types, args=(), kwargs=None):
            if func == lib.Tensor.add:
                func = lib.mul
            return super().__torch_function__(func, types, args, kwargs)

    x = lib.tensor([[1.0, 2.0], [3.0, 4.0]])
    y = lib.tensor([[0.5, -1.0], [2.0, 0.25]])
    with AddToMultiply():
        inside = (x + y * x).tolist()
        also = lib.add(x, y).tolist()  # (a function, not the method: left as it is)
    return inside, also, (x + y).tolist()


def test_base_torch_function_mode_as_torch():
    assert _add_to_mul(gk) == _add_to_mul(torch)


def test_a_handler_that_calls_as_subclass_does_not_reenter_itself():
    """Pyro's provenance tensors strip their class with ``as_subclass`` inside their own
    ``__torch_function__``; gradkit's as_subclass read ``requires_grad`` through the dispatched
    getter, so the handler called itself without end (RecursionError)."""
    torch = pytest.importorskip("torch")
    def run(lib):
        calls = []

        class Labelled(lib.Tensor):
            @classmethod
            def __torch_function__(cls, func, types, args=(), kwargs=None):
                calls.append(getattr(func, "__name__", str(func)))
                plain = [a.as_subclass(lib.Tensor) if isinstance(a, Labelled) else a
                         for a in args]
                out = func(*plain, **(kwargs or {}))
                return out.as_subclass(Labelled) if isinstance(out, lib.Tensor) else out

        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = x.as_subclass(Labelled)
        z = (y * 3).sum()
        z.backward()
        return type(z).__name__, z.item(), x.grad.tolist(), y.requires_grad, len(calls)

    results = [run(gk), run(torch)]
    assert results[0] == results[1]


@pytest.mark.parametrize("lib", LIBS, ids=["gradkit", "torch"])
def test_plain_tensor_operators_hand_a_tensor_like_operand_to_its_handler(lib):
    """``t + op``, ``t @ op``, ``t.matmul(op)`` with ``op`` a tensor-like (linear_operator's
    LinearOperator): the operand's handler gets the call as ``Tensor.<method>``, the Tensor
    first; before, gradkit raised "operand must be a Tensor or a number"."""
    class Operator:
        @classmethod
        def __torch_function__(cls, func, types, args=(), kwargs=None):
            names = {lib.Tensor.add: "add", lib.Tensor.sub: "sub", lib.Tensor.mul: "mul",
                     lib.Tensor.matmul: "matmul", lib.Tensor.div: "div"}
            return (names.get(func, getattr(func, "__name__", "?")),
                    [type(a).__name__ for a in args])

    t, op = lib.ones(2), Operator()
    got = [t + op, t - op, t * op, t / op, t @ op, t.matmul(op), t.add(op), t.mul(op),
           t.__radd__(op), t.__rsub__(op)[1]]
    assert got == [("add", ["Tensor", "Operator"]), ("sub", ["Tensor", "Operator"]),
                   ("mul", ["Tensor", "Operator"]), ("div", ["Tensor", "Operator"]),
                   ("matmul", ["Tensor", "Operator"]), ("matmul", ["Tensor", "Operator"]),
                   ("add", ["Tensor", "Operator"]), ("mul", ["Tensor", "Operator"]),
                   ("add", ["Tensor", "Operator"]), ["Tensor", "Operator"]]
    with pytest.raises(TypeError):  # an operand that is neither: still PyTorch's TypeError
        t + object()
    with pytest.raises(TypeError):
        t @ object()


@pytest.mark.parametrize("lib", LIBS, ids=["gradkit", "torch"])
def test_comparisons_and_in_place_ops_hand_a_tensor_like_operand_to_its_handler(lib):
    """``t < op``, ``t == op``, ``t.mul_(op)``, ``t += op``: ``Tensor.lt``/``eq``/``mul_``/
    ``add_`` to the operand's handler, as PyTorch; before, gradkit raised TypeError (or
    compared by identity for ``==``)."""
    class Operator:
        @classmethod
        def __torch_function__(cls, func, types, args=(), kwargs=None):
            names = {lib.Tensor.lt: "lt", lib.Tensor.ge: "ge", lib.Tensor.eq: "eq",
                     lib.Tensor.ne: "ne", lib.Tensor.mul_: "mul_", lib.Tensor.add_: "add_",
                     lib.Tensor.sub_: "sub_"}
            return names.get(func, getattr(func, "__name__", "?"))

    op = Operator()
    t = lib.ones(2)
    w = lib.ones(2, requires_grad=True) * 2  # (the recording path of the in-place ops)
    got = [t < op, t >= op, t == op, t != op, t.mul_(op), w.add_(op), w.sub_(op)]
    t += op
    got.append(t)
    assert got == ["lt", "ge", "eq", "ne", "mul_", "add_", "sub_", "add_"]
    with pytest.raises(TypeError):  # an operand that is neither: still a TypeError
        _ = lib.ones(2) < object()
    with pytest.raises(TypeError):
        lib.ones(2).mul_(object())
    assert (lib.ones(2) == object()) is False  # (PyTorch's NotImplemented: identity)
