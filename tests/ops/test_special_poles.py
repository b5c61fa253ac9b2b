"""polygamma at and near its poles (the negative integers) as PyTorch computes it: trigamma's
reflection term ``pi^2 / sin(pi x)^2`` is rounded in the input's precision (float32 for
float32, float16, bfloat16 and integer inputs), so at a pole the finite result is PyTorch's
(1.7e16 at x = -3 in float32, where float64 gives 7.3e31)."""

import numpy as np
import pytest

import gradkit as gk

VALUES = [-3.0, -5.0, -2.0, -1.0, 0.3, -0.7, 2.5, -70000.0]


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "bfloat16", "int32"])
def test_trigamma_at_poles_as_torch(torch, dtype):
    v = VALUES if dtype != "int32" else [int(a) for a in VALUES if a == int(a)]
    t = torch.polygamma(1, torch.tensor(v, dtype=getattr(torch, dtype)))
    g = gk.polygamma(1, gk.tensor(v, dtype=getattr(gk, dtype)))
    assert str(g.dtype).split(".")[-1] == str(t.dtype).split(".")[-1]
    np.testing.assert_allclose(g.float().numpy(), t.float().numpy(), rtol=1e-5)
