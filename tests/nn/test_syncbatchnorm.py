"""SyncBatchNorm outside a process group: PyTorch's constructor (its keyword-only ``bias``)
and its local batch norm, against PyTorch."""

import numpy as np
import pytest

import gradkit as gk


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("train", [True, False])
def test_sync_batchnorm_bias_keyword(torch, bias, train):
    """SyncBatchNorm(bias=False) has no bias parameter and normalises as PyTorch's (the
    keyword was refused with a TypeError)."""
    x = np.random.default_rng(0).standard_normal((4, 3, 2))

    def run(lib):
        m = lib.nn.SyncBatchNorm(3, bias=bias).double().train(train)
        with lib.no_grad():
            m.weight.copy_(lib.tensor([0.5, 2.0, -1.0]))
        y = m(lib.tensor(x))
        return (m.bias is None, sorted(m.state_dict()), y.detach().numpy(),
                m.running_mean.numpy())
    got, want = run(gk), run(torch)
    assert got[:2] == want[:2]
    for g, w in zip(got[2:], want[2:]):
        np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-12)
