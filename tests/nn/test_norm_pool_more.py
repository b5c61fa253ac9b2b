"""More normalisation and pooling checks against PyTorch (edge cases found by side-by-side runs)."""

import numpy as np
import pytest

import gradkit as gk
import gradkit.nn.functional as F
from gradkit import nn


@pytest.mark.parametrize("shape", [(1, 6), (1, 6, 1), (1, 6, 1, 1)])
def test_group_norm_one_value_per_group_raises_like_torch(torch, shape):
    # torch: GroupNorm(6, 6) on a single sample with one value per group has nothing to
    # normalise over and raises "Expected more than 1 value per channel when training".
    x = np.ones(shape, dtype=np.float32)
    with pytest.raises(ValueError):
        torch.nn.GroupNorm(6, 6)(torch.tensor(x))
    with pytest.raises(ValueError, match="more than 1 value"):
        nn.GroupNorm(6, 6)(gk.tensor(x))
    with pytest.raises(ValueError, match="more than 1 value"):
        F.group_norm(gk.tensor(x), 6)


def test_group_norm_two_samples_one_value_per_group_matches_torch(torch):
    # torch's check multiplies the batch in: two samples of one value per group do not raise.
    x = np.random.default_rng(0).standard_normal((2, 6, 1)).astype(np.float32)
    t = torch.nn.GroupNorm(6, 6)(torch.tensor(x)).detach().numpy()
    g = nn.GroupNorm(6, 6)(gk.tensor(x)).detach().numpy()
    np.testing.assert_allclose(g, t, atol=1e-5)  # both 0 up to torch float32 rounding


@pytest.mark.parametrize("nd", [1, 2, 3])
@pytest.mark.parametrize("args", [(3, 2, 1), (2, 2, 1), (3, 1, 1), (2, 2, 1, 1, True)])
def test_max_pool_all_neg_inf_window_picks_input_not_padding(torch, nd, args):
    # torch: a window of -inf values picks its first element inside the input; gradkit picked
    # the padding (which is filled with -inf), giving negative indices and a lost gradient.
    x = np.full((1, 2) + (5,) * nd, -np.inf)
    x[0, 1] = np.random.default_rng(0).standard_normal((5,) * nd)
    x[0, 1].flat[::3] = -np.inf
    tx = torch.tensor(x, requires_grad=True)
    gx = gk.tensor(x, requires_grad=True)
    to, ti = getattr(torch.nn.functional, f"max_pool{nd}d")(tx, *args, return_indices=True)
    go, gi = getattr(F, f"max_pool{nd}d")(gx, *args, return_indices=True)
    np.testing.assert_array_equal(gi.numpy(), ti.numpy())
    np.testing.assert_array_equal(go.detach().numpy(), to.detach().numpy())
    w = np.random.default_rng(1).standard_normal(tuple(to.shape))
    to.backward(torch.tensor(w))
    go.backward(gk.tensor(w))
    np.testing.assert_allclose(gx.grad.numpy(), tx.grad.numpy(), atol=1e-12)
