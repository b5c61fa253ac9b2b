"""A call's arguments reach ``__torch_function__`` (and so fx's graph) as the caller wrote them,
against PyTorch: ``torch.sum(x, dim=1, keepdim=True)`` keeps its keywords, ``torch.cat(ts,
dim=0)`` keeps a keyword equal to the default, a positional argument stays positional."""

import pytest

import gradkit as gk

torch = pytest.importorskip("torch")


def _model(lib):
    class M(lib.nn.Module):
        def forward(self, x):
            a = lib.sum(x, dim=1, keepdim=True) + lib.sum(x, 1, True)
            b = lib.cat([x, x], dim=0).sum(0) + lib.cat([x, x], 0).mean(dim=0)
            c = lib.clamp(x, min=0.0) + lib.clamp(x, -1.0, max=1.0)
            d = lib.transpose(x, dim0=0, dim1=1).t() + lib.nn.functional.relu(x, inplace=False)
            e = lib.flatten(x, start_dim=0).reshape(x.shape)
            return a + b + c + d + e + lib.nn.functional.softmax(x, dim=-1)
    return M()


def _calls(gm):
    return [(n.op, n.name, n.args.__repr__(), sorted(n.kwargs)) for n in gm.graph.nodes
            if n.op in ("call_function", "call_method") and n.name != "softmax"]


def test_keywords_recorded_as_written():
    ours = gk.fx.symbolic_trace(_model(gk))
    theirs = torch.fx.symbolic_trace(_model(torch))
    assert _calls(ours) == _calls(theirs)
    ours_lines = [ln for ln in ours.code.splitlines() if "softmax" not in ln]
    theirs_lines = [ln for ln in theirs.code.splitlines() if "softmax" not in ln]
    assert ours_lines == theirs_lines
    x = gk.randn(3, 3)
    assert gk.allclose(ours(x), _model(gk)(x))


def test_mode_sees_the_call_as_written():
    seen = {}
    for lib in (gk, torch):
        calls = []

        class Spy(lib.overrides.TorchFunctionMode):
            def __torch_function__(self, func, types, args=(), kwargs=None, calls=calls):
                calls.append((len(args), sorted(kwargs or {})))
                return func(*args, **(kwargs or {}))

        x = lib.ones(2, 3)
        with Spy():
            lib.sum(x, dim=1)
            lib.sum(x, 1, keepdim=False)
            lib.cat([x, x], dim=0)
            lib.cat([x, x])
            args, kwargs = (x,), {"dim": 0}
            lib.sum(*args, **kwargs)
        seen[lib] = calls[:4]
    assert seen[gk] == seen[torch]
