"""AdaptiveLogSoftmaxWithLoss against PyTorch: state_dict, output, loss, every gradient,
log_prob, predict; bad input."""

import numpy as np
import pytest
from oracle import check_grad

import gradkit as gk
from gradkit import nn


def _pair(torch, **kw):
    g = nn.AdaptiveLogSoftmaxWithLoss(**kw)
    t = torch.nn.AdaptiveLogSoftmaxWithLoss(**kw)
    assert list(g.state_dict()) == list(t.state_dict())
    assert repr(g) == repr(t)
    t.load_state_dict({k: torch.from_numpy(v.detach().numpy().copy())
                       for k, v in g.state_dict().items()})
    return g, t


@pytest.mark.parametrize("head_bias", [False, True])
@pytest.mark.parametrize("batched", [True, False])
def test_adaptive_softmax_matches_torch(torch, head_bias, batched):
    gk.manual_seed(0)
    g, t = _pair(torch, in_features=16, n_classes=50, cutoffs=[5, 20], div_value=2.0,
                 head_bias=head_bias)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((6, 16)).astype(np.float32)
    y = np.array([0, 7, 49, 3, 20, 19])
    if not batched:
        x, y = x[2], y[2]
    gx, tx = gk.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out_g, loss_g = g(gx, gk.tensor(y))
    out_t, loss_t = t(tx, torch.tensor(y))
    np.testing.assert_allclose(out_g.detach().numpy(), out_t.detach().numpy(), atol=1e-5)
    np.testing.assert_allclose(loss_g.item(), loss_t.item(), rtol=1e-5)
    (loss_g + out_g.sum() * 0.3).backward()
    (loss_t + out_t.sum() * 0.3).backward()
    np.testing.assert_allclose(gx.grad.numpy(), tx.grad.numpy(), atol=1e-5)
    tp = dict(t.named_parameters())
    for name, p in g.named_parameters():
        if tp[name].grad is None:  # a cluster no target falls in
            assert p.grad is None, name
            continue
        np.testing.assert_allclose(p.grad.numpy(), tp[name].grad.numpy(), atol=1e-5,
                                   err_msg=name)
    if batched:
        lp_g, lp_t = g.log_prob(gk.tensor(x)), t.log_prob(torch.tensor(x))
        np.testing.assert_allclose(lp_g.detach().numpy(), lp_t.detach().numpy(), atol=1e-5)
        np.testing.assert_allclose(np.exp(lp_g.detach().numpy()).sum(1), 1.0, rtol=1e-5)
        np.testing.assert_array_equal(g.predict(gk.tensor(x)).numpy(),
                                      t.predict(torch.tensor(x)).numpy())


def test_adaptive_softmax_float64_gradient_and_errors():
    gk.manual_seed(1)
    m = nn.AdaptiveLogSoftmaxWithLoss(6, 12, cutoffs=[3, 7], div_value=2.0).double()
    x = gk.tensor(np.random.default_rng(2).standard_normal((5, 6)), requires_grad=True)
    y = gk.tensor(np.array([0, 4, 11, 2, 8]))
    check_grad(lambda x, *ps: m(x, y).output, [x] + list(m.parameters()))
    with pytest.raises(ValueError, match="cutoffs should be a sequence of unique, positive "
                                         "integers.*got \\[7, 3\\]"):
        nn.AdaptiveLogSoftmaxWithLoss(6, 12, cutoffs=[7, 3])
    with pytest.raises(RuntimeError, match=r"target values should be in \[0, 11\].*\[0, 12\]"):
        m(x, gk.tensor(np.array([0, 4, 12, 2, 8])))
    with pytest.raises(RuntimeError, match=r"AdaptiveLogSoftmaxWithLoss\(in_features=6\) "
                                           r"expects input of shape \(4, 6\).*got input of "
                                           r"shape \(5, 6\)"):
        m(x, gk.tensor(np.array([0, 1, 2, 3])))
