"""``torch.jit.script``/``trace`` of a module: a scripted copy sharing parameters and buffers
(as PyTorch's), so the module it came from stays an ordinary ``nn.Module``; and
``torch.ops``/``torch.utils._python_dispatch``, which FLOP counters import."""

import pytest

import gradkit as gk
from gradkit.compat import jit


@pytest.fixture(autouse=True)
def _quiet(monkeypatch):
    monkeypatch.setattr(jit, "_NOTED", {"torch.jit.script", "torch.jit.trace"})


def test_script_returns_a_copy_that_shares_parameters_and_buffers():
    m = gk.nn.Sequential(gk.nn.Linear(3, 4), gk.nn.BatchNorm1d(4))
    s = jit.script(m)
    assert s is not m and s[0] is not m[0]
    assert s[0].weight is m[0].weight and s[1].running_mean is m[1].running_mean
    assert isinstance(s, jit.ScriptModule) and isinstance(s[1], jit.ScriptModule)
    assert not isinstance(m, jit.ScriptModule) and not isinstance(m[0], jit.ScriptModule)
    assert (s.original_name, s[0].original_name) == ("Sequential", "Linear")
    assert not hasattr(m, "original_name")
    s(gk.randn(5, 3))  # a training step through the copy updates the shared buffers
    assert int(m[1].num_batches_tracked) == 1
    calls = []
    m.register_forward_hook(lambda *a: calls.append(1))
    s(gk.randn(2, 3))
    assert calls == []  # the original's hooks are its own
    t = jit.trace(m, gk.zeros(2, 3))
    assert t[0].weight is m[0].weight and isinstance(t, jit.ScriptModule)


def test_script_copy_keeps_a_shared_submodule_shared():
    lin = gk.nn.Linear(2, 2)
    s = jit.script(gk.nn.Sequential(lin, gk.nn.ReLU(), lin))
    assert s[0] is s[2] and s[0] is not lin


def test_torch_ops_namespace_names_aten_operators():
    import gradkit.ops as ops

    aten = ops.aten
    assert aten is ops.aten and aten.mm is aten.mm and aten.mm.default is aten.mm.default
    table = {aten.mm: "mm", aten.convolution: "conv", aten._convolution: "conv"}
    assert table[aten.mm] == "mm" and str(aten.mm.default) == "aten.mm.default"
    a = gk.randn(2, 3)
    b = gk.randn(3, 2)
    assert gk.equal(aten.mm(a, b), gk.mm(a, b)) and gk.equal(aten.mm.default(a, b), a @ b)
    with pytest.raises(NotImplementedError, match="aten::convolution_backward"):
        aten.convolution_backward(a)
    assert repr(ops.not_a_namespace) == "<module 'torch.ops.not_a_namespace'>"  # (as PyTorch)
    with pytest.raises(OSError, match="Could not load this library"):
        ops.load_library("no_such_library.so")
    with pytest.raises(RuntimeError, match="load_library"):
        ops.load_library(__file__)  # (an existing file: refused, not loaded)


def test_dispatch_mode_subclasses_but_refuses_to_enter():
    from gradkit.utils._python_dispatch import TorchDispatchMode

    class Counter(TorchDispatchMode):
        def __torch_dispatch__(self, func, types, args=(), kwargs=None):
            return func(*args, **(kwargs or {}))

    c = Counter()
    with pytest.raises(RuntimeError, match="Counter .*dispatch mode.*forward hooks"):
        with c:
            pass
