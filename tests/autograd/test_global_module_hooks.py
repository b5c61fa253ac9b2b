"""``torch.nn.modules.module.register_module_*`` hooks (every module), against torch."""

from __future__ import annotations

import numpy as np
import pytest

import gradkit as gk

torch = pytest.importorskip("torch")


def _net(lib):
    lib.manual_seed(0)
    return lib.nn.Sequential(lib.nn.Linear(4, 3), lib.nn.Tanh(), lib.nn.Linear(3, 2))


def _shapes(gs):
    return tuple(None if g is None else tuple(g.shape) for g in gs)


def _run(lib, scale_pre=False):
    net = _net(lib)
    x = lib.tensor(np.linspace(-1, 1, 8, dtype=np.float32).reshape(2, 4),
                   requires_grad=True)
    seen = []
    mod = lib.nn.modules.module

    def pre(m, grad_output):
        seen.append(("pre", type(m).__name__, _shapes(grad_output)))
        if scale_pre and isinstance(m, lib.nn.Tanh):
            return tuple(g * 2 for g in grad_output)
        return None

    def post(m, grad_input, grad_output):
        seen.append(("post", type(m).__name__, _shapes(grad_input), _shapes(grad_output)))

    def fwd(m, args, out):
        seen.append(("fwd", type(m).__name__, tuple(out.shape)))

    def fwd_pre(m, args):
        seen.append(("fwd_pre", type(m).__name__))

    handles = [mod.register_module_full_backward_pre_hook(pre),
               mod.register_module_full_backward_hook(post),
               mod.register_module_forward_hook(fwd),
               mod.register_module_forward_pre_hook(fwd_pre)]
    try:
        net(x).sum().backward()
    finally:
        for h in handles:
            h.remove()
    after = len(seen)
    net(x).sum().backward()  # removed: nothing more is seen
    assert len(seen) == after
    return seen, x.grad.numpy()


@pytest.mark.parametrize("scale_pre", [False, True])
def test_global_module_hooks_run_as_torch(scale_pre):
    g_seen, g_grad = _run(gk, scale_pre)
    t_seen, t_grad = _run(torch, scale_pre)
    assert g_seen == t_seen
    np.testing.assert_allclose(g_grad, t_grad, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("lib", [gk, torch], ids=["gradkit", "torch"])
def test_global_backward_hooks_run_before_the_modules_own(lib):
    order = []
    lin = lib.nn.Linear(2, 2)
    lin.register_full_backward_hook(lambda m, gi, go: order.append("own"))
    lin.register_full_backward_pre_hook(lambda m, go: order.append("own_pre"))
    mod = lib.nn.modules.module
    h1 = mod.register_module_full_backward_hook(lambda m, gi, go: order.append("global"))
    h2 = mod.register_module_full_backward_pre_hook(
        lambda m, go: order.append("global_pre"))
    try:
        lin(lib.ones(1, 2, requires_grad=True)).sum().backward()
    finally:
        h1.remove()
        h2.remove()
    assert order == ["global_pre", "own_pre", "global", "own"], lib.__name__
