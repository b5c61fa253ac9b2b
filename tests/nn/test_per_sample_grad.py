"""nn.utils._per_sample_grad.call_for_per_sample_grads: per-sample gradients against torch's."""

import numpy as np
import pytest

import gradkit as gk
from gradkit.nn.utils._per_sample_grad import call_for_per_sample_grads

torch = pytest.importorskip("torch")
from torch.nn.utils._per_sample_grad import (  # noqa: E402
    call_for_per_sample_grads as torch_call_for_per_sample_grads,
)


def _pair(make):
    gk.manual_seed(0)
    ours = make(gk.nn)
    theirs = make(torch.nn)
    with torch.no_grad():
        for (_, p), (_, q) in zip(ours.named_parameters(), theirs.named_parameters()):
            q.copy_(torch.from_numpy(p.detach().numpy().copy()))
    return ours, theirs


@pytest.mark.parametrize("reduction", ["sum", "mean"])
@pytest.mark.parametrize("make", [
    lambda nn: nn.Sequential(nn.Linear(4, 3), nn.Tanh(), nn.Linear(3, 2)),
    lambda nn: nn.Sequential(nn.Conv1d(2, 3, 3), nn.ReLU(), nn.Flatten(), nn.Linear(9, 2)),
    lambda nn: nn.Sequential(nn.LayerNorm(5), nn.Linear(5, 2)),
], ids=["mlp", "conv", "layernorm"])
def test_grad_sample_matches_torch_and_grad_stays_none(make, reduction):
    ours, theirs = _pair(make)
    x = np.random.default_rng(1).standard_normal((4, 2, 5) if "Conv1d" in repr(ours)
                                                  else (4, 5 if "LayerNorm" in repr(ours) else 4))
    x = x.astype(np.float32)
    xo, xt = gk.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out_o = call_for_per_sample_grads(ours, loss_reduction=reduction)(xo)
    out_t = torch_call_for_per_sample_grads(theirs, loss_reduction=reduction)(xt)
    np.testing.assert_allclose(out_o.detach().numpy(), out_t.detach().numpy(), rtol=1e-5, atol=1e-6)
    out_o.pow(2).mean().backward()
    out_t.pow(2).mean().backward()
    for (n, p), (_, q) in zip(ours.named_parameters(), theirs.named_parameters()):
        assert p.grad is None and q.grad is None, n
        assert tuple(p.grad_sample.shape) == tuple(q.grad_sample.shape), n
        np.testing.assert_allclose(p.grad_sample.numpy(), q.grad_sample.numpy(), rtol=1e-4,
                                   atol=1e-6, err_msg=n)
    np.testing.assert_allclose(xo.grad.numpy(), xt.grad.numpy(), rtol=1e-4, atol=1e-6)


def test_per_sample_runs_leave_the_random_stream_as_torch():
    ours, theirs = _pair(lambda nn: nn.Linear(3, 2))
    gk.manual_seed(5)
    torch.manual_seed(5)
    call_for_per_sample_grads(ours)(gk.randn(4, 3)).sum().backward()
    torch_call_for_per_sample_grads(theirs)(torch.randn(4, 3)).sum().backward()
    np.testing.assert_allclose(ours.weight.grad_sample.numpy(), theirs.weight.grad_sample.numpy(),
                               rtol=1e-5, atol=1e-6)
    assert gk.rand(3).tolist() == pytest.approx(torch.rand(3).tolist())


def test_refusals_are_runtime_errors_as_torch():
    m = gk.nn.Linear(2, 2)
    with pytest.raises(RuntimeError, match="loss_reduction"):
        call_for_per_sample_grads(m, loss_reduction="max")
    with pytest.raises(RuntimeError, match="nn.Module"):
        call_for_per_sample_grads(lambda x: x)
    with pytest.raises(RuntimeError, match="batch sizes 2 and 3"):
        call_for_per_sample_grads(gk.nn.Bilinear(2, 2, 1))(gk.ones(2, 2), gk.ones(3, 2))
    call_for_per_sample_grads(m)(gk.ones(3, 2)).sum().backward()
    with pytest.raises(RuntimeError, match="grad_sample"):
        call_for_per_sample_grads(m)
