"""nn.parallel.scatter_gather (imported by Captum's layer attributions; PyTorch's CPU build can
import it but neither scatter nor gather CPU tensors): scatter over one device returns the
inputs, gather joins chunks along ``dim`` as ``cat`` does."""

import numpy as np

import gradkit as gk
from gradkit.nn.parallel import scatter_gather as G


def test_gather_and_single_device_scatter_as_torch():
    x = np.arange(12.0, dtype=np.float32).reshape(3, 4)
    for dim in (0, 1):
        got = G.gather([gk.tensor(x), gk.tensor(x + 1)], "cpu", dim=dim)
        np.testing.assert_array_equal(got.numpy(), np.concatenate([x, x + 1], axis=dim))
    got = G.gather([(gk.tensor(x), {"a": gk.tensor(1.0)})] * 2, "cpu")
    assert tuple(got[0].shape) == (6, 4) and tuple(got[1]["a"].shape) == (2,)
    parts = G.scatter((gk.tensor(x), 7, [gk.tensor(x)]), [0])
    assert len(parts) == 1 and parts[0][1] == 7
    np.testing.assert_array_equal(parts[0][0].numpy(), x)
    np.testing.assert_array_equal(parts[0][2][0].numpy(), x)
    a, k = G.scatter_kwargs((gk.tensor(x),), {"s": 2}, [0])
    assert len(a) == len(k) == 1 and k[0] == {"s": 2}
