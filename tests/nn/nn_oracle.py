"""Compare a gradkit layer with its PyTorch twin: same weights, same inputs, outputs and every
gradient (inputs and parameters)."""

from __future__ import annotations

import numpy as np

import gradkit as gk


def copy_weights_to_torch(torch, g_mod, t_mod):
    """Load gradkit's state_dict into the torch module (so both hold the same weights)."""
    sd = {k: torch.from_numpy(np.array(v.numpy(), copy=True)) for k, v in
          g_mod.state_dict().items()}
    t_mod.load_state_dict(sd)


def compare_layer(torch, g_mod, t_mod, inputs, *, grad_inputs=None, atol=1e-5, rtol=1e-5,
                  seed=0, train=True):
    """Run both modules on ``inputs`` (NumPy arrays); compare outputs, input gradients and
    parameter gradients. Integer arrays are passed without grad."""
    copy_weights_to_torch(torch, g_mod, t_mod)
    g_mod.train(train)
    t_mod.train(train)
    if grad_inputs is None:
        grad_inputs = [a.dtype.kind == "f" for a in inputs]
    g_in = [gk.tensor(a, requires_grad=r) for a, r in zip(inputs, grad_inputs)]
    t_in = [torch.from_numpy(np.array(a, copy=True)).requires_grad_(r)
            for a, r in zip(inputs, grad_inputs)]
    out_g = g_mod(*g_in)
    out_t = t_mod(*t_in)
    # assert_allclose broadcasts a 0-d or size-1 side: compare the shapes first
    assert tuple(out_g.shape) == tuple(out_t.shape), (tuple(out_g.shape), tuple(out_t.shape))
    np.testing.assert_allclose(out_g.detach().numpy(), out_t.detach().numpy(), atol=atol,
                               rtol=rtol, err_msg="forward output")
    u = np.random.default_rng(seed).standard_normal(tuple(out_g.shape)).astype(
        out_g.detach().numpy().dtype)
    (out_g * gk.tensor(u)).sum().backward()
    (out_t * torch.from_numpy(u)).sum().backward()
    for i, (a, b) in enumerate(zip(g_in, t_in)):
        if a.requires_grad:
            np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), atol=atol, rtol=rtol,
                                       err_msg=f"gradient of input {i}")
    t_params = dict(t_mod.named_parameters())
    for name, p in g_mod.named_parameters():
        tp = t_params[name]
        if tp.grad is None:
            assert p.grad is None or float(p.grad.abs().sum()) == 0.0, name
            continue
        np.testing.assert_allclose(p.grad.numpy(), tp.grad.numpy(), atol=atol, rtol=rtol,
                                   err_msg=f"gradient of parameter {name}")
    return out_g, out_t
