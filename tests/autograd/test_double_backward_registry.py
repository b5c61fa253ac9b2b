"""Gradients taken with ``create_graph=True`` stay in the graph where PyTorch's do.

For every differentiable sample of the op registry (``tests/functions/samples``): the first
gradient of a random projection, taken with ``create_graph=True`` in gradkit and in torch, has
the same ``requires_grad`` (a ``grad_fn`` where torch has one: ``relu``'s gradient is
``ThresholdBackwardBackward0`` of its output), and differentiating it again gives torch's second
derivative (zeros for piecewise-linear ops), with ``allow_unused`` where torch's is unused.
"""

from __future__ import annotations

import numpy as np
import pytest
from functions.samples import SAMPLES
from functions.test_registry import _differentiable, _flat, _gk_face, _run, _torch_face

import gradkit as gk

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning", "ignore::FutureWarning",
                                        "ignore::RuntimeWarning")


# sample id -> why gradkit still differs from torch here (strict: fixing one fails the test)
KNOWN = {
    "addmm-2": "with beta=0 gradkit does not record the input (its gradient is None where "
               "torch's is zeros)",
    "addr-1": "with beta=0 gradkit does not record the input (its gradient is None where "
              "torch's is zeros)",
}


def _first(lib, face, sample, u):
    out, leaves, _ = _run(lib, face, sample, grad=True)
    out = _flat(lib, out)
    grads = lib.autograd.grad(out, leaves, lib.tensor(u), allow_unused=True, create_graph=True)
    return leaves, grads


def _second(lib, leaves, grads, vs):
    """d/d leaves of sum_i <grads_i, v_i> over the grads that require grad."""
    terms = [(g * lib.tensor(v)).sum() for g, v in zip(grads, vs)
             if g is not None and g.requires_grad]
    if not terms:
        return None
    total = terms[0]
    for t in terms[1:]:
        total = total + t
    return lib.autograd.grad(total, leaves, allow_unused=True)


@pytest.mark.parametrize("sample", [
    pytest.param(s, id=s.id, marks=[pytest.mark.xfail(strict=True, reason=KNOWN[s.id])]
                 if s.id in KNOWN else [])
    for s in SAMPLES if _differentiable(s) and "grad_torch" not in s.xfail])
def test_create_graph_gradient_is_connected_like_torch(torch, sample):
    g_out, _, _ = _run(gk, _gk_face(sample), sample)
    u = np.random.default_rng(1).standard_normal(tuple(_flat(gk, g_out).shape))
    gl, gg = _first(gk, _gk_face(sample), sample, u)
    tl, tg = _first(torch, _torch_face(torch, sample), sample, u)
    for i, (a, b) in enumerate(zip(gg, tg)):
        assert (a is None) == (b is None), f"gradient {i}: {a is None} vs torch {b is None}"
        if b is not None:
            assert a.requires_grad == b.requires_grad, (
                f"gradient {i}: requires_grad {a.requires_grad}, torch {b.requires_grad} "
                f"({type(b.grad_fn).__name__})")
            assert (a.grad_fn is None) == (b.grad_fn is None), f"gradient {i}: grad_fn"
    rng = np.random.default_rng(2)
    vs = [None if b is None else rng.standard_normal(tuple(b.shape)) for b in tg]
    try:
        t2 = _second(torch, tl, tg, vs)
    except (NotImplementedError, RuntimeError) as e:  # torch has no second derivative here
        assert "not implemented" in str(e)
        return
    g2 = _second(gk, gl, gg, vs)
    assert (g2 is None) == (t2 is None)
    if t2 is None:
        return
    for i, (a, b) in enumerate(zip(g2, t2)):
        a = np.zeros(gl[i].shape) if a is None else a.numpy()
        b = np.zeros(tuple(tl[i].shape)) if b is None else (b + 0).detach().numpy()
        np.testing.assert_allclose(a, b, rtol=1e-7, atol=max(sample.atol, 1e-9),
                                   err_msg=f"second derivative of input {i}")
