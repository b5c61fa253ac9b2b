"""torch.fx errors against PyTorch: each mistake raises the exception type PyTorch raises (so
an ``except`` written for PyTorch catches it), with a message naming what was wrong."""

import pytest

import gradkit as gk

torch = pytest.importorskip("torch")

LIBS = [gk, torch]
IDS = ["gradkit", "torch"]


def _graph(lib):
    g = lib.fx.Graph()
    x = g.placeholder("x")
    g.output(g.call_method("relu", (x,)))
    return g


class _Other:
    pass


def _cases(lib):
    fx = lib.fx
    g = _graph(lib)
    foreign = lib.fx.Graph().placeholder("y")

    class MadeInForward(lib.nn.Module):
        def forward(self, x):
            return lib.nn.Linear(2, 2)(x)

    class OddArgument(lib.nn.Module):
        def forward(self, x):
            return x + _Other()

    return [
        (lambda: g.create_node("bad", "t"), AssertionError, "bad"),
        (lambda: g.call_module(3), AssertionError, "str"),
        (lambda: g.call_function("notcallable"), ValueError, ""),
        (lambda: g.inserting_after(foreign), AssertionError, ""),
        (lambda: g.erase_node(foreign), RuntimeError, "wrong graph"),
        (lambda: fx.GraphModule({}, fx.symbolic_trace(lib.nn.Linear(2, 2)).graph),
         RuntimeError, "weight"),
        (lambda: fx.GraphModule(3, g), RuntimeError, "Unsupported type"),
        (lambda: fx.symbolic_trace(MadeInForward()), NameError, "not installed as a submodule"),
        (lambda: fx.symbolic_trace(OddArgument()), NotImplementedError, "argument of type"),
        (lambda: fx.symbolic_trace(3), AssertionError, ""),
        (lambda: fx.Interpreter(fx.symbolic_trace(lib.nn.ReLU())).run(), RuntimeError,
         "Expected positional argument for parameter input"),
    ]


@pytest.mark.parametrize("lib", LIBS, ids=IDS)
@pytest.mark.parametrize("case", range(11))
def test_error_types_match_pytorch(lib, case):
    fn, exc, match = _cases(lib)[case]
    with pytest.raises(exc, match=match):
        fn()


@pytest.mark.parametrize("lib", LIBS, ids=IDS)
def test_erasing_twice_warns(lib):
    g = lib.fx.Graph()
    r = g.call_function(lib.relu, (g.placeholder("a"),))
    g.erase_node(r)
    with pytest.warns(UserWarning, match="already erased"):
        g.erase_node(r)


def test_gradkit_messages_say_what_was_received():
    with pytest.raises(TypeError, match="expected an nn.Module or a function, got int"):
        gk.fx.symbolic_trace(3)
    with pytest.raises(TypeError, match="call_module target must be a str, got int 3"):
        _graph(gk).call_module(3)
    with pytest.raises(ValueError, match="op must be one of .* got 'bad'"):
        _graph(gk).create_node("bad", "t")
