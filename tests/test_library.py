"""gradkit.library (torch.library.custom_op and register_autograd) against torch."""

import numpy as np
import pytest

import gradkit as gk
import gradkit.library as glib

torch = pytest.importorskip("torch")


def _define(lib, mod, name):
    @lib.custom_op(f"gradkit_tests::{name}", mutates_args=())
    def scaled_sin(x: mod.Tensor, w: mod.Tensor) -> mod.Tensor:
        return x.sin() * w

    def setup_context(ctx, inputs, output):
        ctx.save_for_backward(*inputs)

    def backward(ctx, g):
        x, w = ctx.saved_tensors
        return g * x.cos() * w, g * x.sin()

    return scaled_sin, setup_context, backward


def test_custom_op_runs_and_its_registered_gradient_matches_torch():
    rng = np.random.default_rng(0)
    x0, w0 = rng.standard_normal(5).astype(np.float32), rng.standard_normal(5).astype(np.float32)
    grads = []
    for lib, mod, name in ((glib, gk, "sin_gk"), (torch.library, torch, "sin_torch")):
        op, setup, backward = _define(lib, mod, name)
        x = mod.tensor(x0, requires_grad=True)
        w = mod.tensor(w0, requires_grad=True)
        with pytest.raises(RuntimeError, match="no autograd formula"):
            op(x, w).sum().backward()
        lib.register_autograd(f"gradkit_tests::{name}", backward, setup_context=setup)
        out = op(x, w)
        out.sum().backward()
        grads.append((out.detach().numpy(), x.grad.numpy(), w.grad.numpy()))
        assert repr(op) == f"<CustomOpDef(gradkit_tests::{name})>"
    for ours, theirs in zip(*grads):
        np.testing.assert_allclose(ours, theirs, rtol=1e-6)


def test_custom_op_without_grad_and_fake_registration():
    op, _, _ = _define(glib, gk, "sin_nograd")
    glib.register_fake("gradkit_tests::sin_nograd", lambda x, w: gk.empty_like(x))
    np.testing.assert_allclose(op(gk.ones(2), gk.ones(2)).numpy(), np.sin(np.ones(2, np.float32)))
    with pytest.raises(ValueError, match="no operator named"):
        glib.register_autograd("gradkit_tests::missing", lambda ctx, g: g)
    with pytest.raises(ValueError, match="namespace::op_name"):
        glib.custom_op("no_namespace", lambda x: x, mutates_args=())
