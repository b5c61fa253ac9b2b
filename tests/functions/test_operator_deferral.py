"""Tensor operators give way to the other operand's reflected method when they cannot read it
(``t * x`` as ``x.__rmul__(t)``), as PyTorch's do: zuko's ODE solver multiplies a step size by a
tuple subclass of tensors that defines ``__rmul__``."""

import operator

import pytest

import gradkit as gk

# (operator, the reflected method Python calls when the Tensor's returns NotImplemented)
OPERATORS = [
    (operator.add, "__radd__"), (operator.sub, "__rsub__"), (operator.mul, "__rmul__"),
    (operator.truediv, "__rtruediv__"), (operator.floordiv, "__rfloordiv__"),
    (operator.mod, "__rmod__"), (operator.pow, "__rpow__"), (operator.matmul, "__rmatmul__"),
    (operator.and_, "__rand__"), (operator.or_, "__ror__"), (operator.xor, "__rxor__"),
    (operator.lshift, "__rlshift__"), (operator.rshift, "__rrshift__"),
    (operator.lt, "__gt__"), (operator.le, "__ge__"), (operator.gt, "__lt__"),
    (operator.ge, "__le__"), (operator.eq, "__eq__"), (operator.ne, "__ne__"),
]


def _operand(reflected, base=object, value=()):
    def method(self, other):
        return ("reflected", type(other).__name__)

    cls = type("Operand", (base,), {reflected: method})
    return cls(value) if base is not object else cls()


def _outcome(fn):
    try:
        r = fn()
    except TypeError:
        return "TypeError"
    return r if isinstance(r, tuple) else type(r).__name__


@pytest.mark.parametrize("op,reflected", OPERATORS, ids=[r for _, r in OPERATORS])
@pytest.mark.parametrize("base", [object, tuple, list])
def test_operators_defer_like_torch(op, reflected, base):
    torch = pytest.importorskip("torch")
    value = (1.0, 2.0) if base is not object else ()
    for lib in (gk, torch):
        x = lib.ones(2, dtype=lib.int64 if "shift" in reflected or reflected in
                     ("__rand__", "__ror__", "__rxor__") else lib.float32)
        y = _operand(reflected, base, value)
        got = _outcome(lambda x=x, y=y: op(x, y))
        if lib is gk:
            ours = got
        else:
            assert ours == got == ("reflected", "Tensor")


@pytest.mark.parametrize("operand", [[1.0, 2.0], (1.0, 2.0), "a", None, object()])
def test_unreadable_operands_still_raise_type_error(operand):
    # (``t * [1.0, 2.0]`` goes back to Python, which repeats a list by an integer tensor only:
    # PyTorch's message)
    times = "only integer tensors" if isinstance(operand, (list, tuple)) else \
        "operand must be a Tensor or a number"
    with pytest.raises(TypeError, match=times):
        gk.ones(2) * operand
    with pytest.raises(TypeError, match="operand must be a Tensor or a number"):
        gk.ones(2) < operand if operand is not None else gk.ones(2) < None


def test_tuple_subclass_without_reflected_method_is_not_read_as_a_tensor():
    # PyTorch never reads a sequence as an operator's operand; a namedtuple or Size neither
    torch = pytest.importorskip("torch")
    for lib in (gk, torch):
        with pytest.raises(TypeError):
            lib.ones(2) + lib.Size([1, 2])


def _number_operand(reflected):
    """A ``numbers.Number`` of a library's own (a SymPy ``Integer``) with a reflected method."""
    import numbers

    def method(self, other):
        return ("reflected", type(other).__name__)

    return type("Symbolic", (numbers.Number,), {reflected: method, "__hash__": None})()


@pytest.mark.parametrize("op,reflected", OPERATORS[:7], ids=[r for _, r in OPERATORS[:7]])
def test_operators_defer_to_foreign_numbers_like_torch(op, reflected):
    # pykan's symbolic_formula computes ``c * sympy_fun(a * x + b) + d`` with 0-d tensors
    # a..d: PyTorch reads no number but Python's (and NumPy's) own, so ``c * Integer(0)``
    # is SymPy's; gradkit took the SymPy number into a tensor it could not print or add to
    torch = pytest.importorskip("torch")
    for shape in ((), (2,)):
        ours = _outcome(lambda shape=shape: op(gk.ones(shape), _number_operand(reflected)))
        theirs = _outcome(lambda shape=shape: op(torch.ones(shape), _number_operand(reflected)))
        assert ours == theirs == ("reflected", "Tensor")


@pytest.mark.parametrize("fn", ["add", "mul", "sub", "div", "pow", "__mul__", "__add__",
                                "__pow__", "__lt__"])
def test_fraction_and_decimal_operands_like_torch(fn):
    import decimal
    import fractions

    torch = pytest.importorskip("torch")
    for v in (fractions.Fraction(1, 2), decimal.Decimal("1.5")):
        got = []
        for lib in (gk, torch):
            x = lib.tensor([2.0, 3.0])
            try:
                r = getattr(x, fn)(v) if fn.startswith("__") else getattr(lib, fn)(x, v)
            except TypeError:
                got.append("TypeError")
                continue
            got.append(r if r is NotImplemented else r.tolist())
        assert got[0] == got[1], (fn, v)
