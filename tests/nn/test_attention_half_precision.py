"""bfloat16 and float16 scaled_dot_product_attention against PyTorch's CPU flash kernel, which
computes in float32 and rounds the unnormalised attention weights to the input's dtype before
multiplying them with V."""

import numpy as np
import pytest

import gradkit as gk

torch = pytest.importorskip("torch")
pytest.importorskip("ml_dtypes")


@pytest.mark.parametrize("dtype", ["bfloat16", "float16"])
@pytest.mark.parametrize("q_len,kv_len,causal", [(7, 7, True), (7, 7, False), (1, 5, False)])
def test_half_attention_equals_torch_bit_for_bit_on_short_sequences(q_len, kv_len, causal, dtype):
    torch.manual_seed(0)
    q, k, v = (torch.randn(2, 4, n, 8).to(getattr(torch, dtype)) for n in (q_len, kv_len, kv_len))
    theirs = torch.nn.functional.scaled_dot_product_attention(q, k, v, is_causal=causal)
    ours = gk.nn.functional.scaled_dot_product_attention(
        *(gk.tensor(t.float().numpy()).to(getattr(gk, dtype)) for t in (q, k, v)),
        is_causal=causal)
    assert ours.dtype == getattr(gk, dtype)
    np.testing.assert_array_equal(ours.float().numpy(), theirs.float().numpy())


@pytest.mark.parametrize("dtype", ["bfloat16", "float16"])
def test_half_attention_gradients_keep_the_dtype_and_stay_within_a_step_of_torch(dtype):
    torch.manual_seed(1)
    q, k, v = (torch.randn(1, 2, 6, 8).to(getattr(torch, dtype)).requires_grad_() for _ in range(3))
    torch.nn.functional.scaled_dot_product_attention(q, k, v).float().square().sum().backward()
    ours = [gk.tensor(t.detach().float().numpy()).to(getattr(gk, dtype)).requires_grad_()
            for t in (q, k, v)]
    gk.nn.functional.scaled_dot_product_attention(*ours).float().square().sum().backward()
    for a, b in zip(ours, (q, k, v)):
        assert a.grad.dtype == getattr(gk, dtype)
        np.testing.assert_allclose(a.grad.float().numpy(), b.grad.float().numpy(), rtol=2e-2,
                                   atol=2e-2)
