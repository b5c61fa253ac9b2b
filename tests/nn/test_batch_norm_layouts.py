"""F.batch_norm with an infinite or NaN weight or statistic, against PyTorch's CPU kernels: the
fused kernel (input contiguous or channels-last, every parameter and running statistic
contiguous) computes ``x * alpha + (bias - mean * alpha)``, any other layout the element-wise
``(x - mean) * invstd * weight + bias``; the two place inf and NaN differently."""


import numpy as np
import pytest

import gradkit as gk

torch = pytest.importorskip("torch")

SPECIALS = (np.inf, -np.inf, np.nan, 1e30, -1e30)


def _make(lib, a, layout):
    if layout == "strided":  # a [::2] view along dim 0
        return lib.tensor(np.ascontiguousarray(np.repeat(a, 2, axis=0)))[::2]
    if layout == "transposed":
        return lib.tensor(np.ascontiguousarray(np.swapaxes(a, 0, -1))).transpose(0, -1)
    return lib.tensor(a)


@pytest.mark.parametrize("training", [False, True])
@pytest.mark.parametrize("which", ["input", "running_mean", "running_var", "weight", "bias",
                                   None])
@pytest.mark.parametrize("shape", [(4, 3), (2, 3, 5), (2, 3, 2, 2)])
def test_batch_norm_special_values_follow_the_layout(training, which, shape):
    rng = np.random.default_rng(len(shape) * 7 + training)
    c = shape[1]
    for trial in range(6):
        arrays = {"input": rng.standard_normal(shape),
                  "running_mean": rng.standard_normal(c), "running_var": rng.random(c) + 0.5,
                  "weight": rng.standard_normal(c), "bias": rng.standard_normal(c)}
        # one or two special values in the weight (and a statistic, in evaluation mode)
        arrays["weight"][trial % c] = SPECIALS[trial % len(SPECIALS)]
        if not training and trial % 2:
            arrays["running_mean"][(trial + 1) % c] = SPECIALS[(trial + 2) % len(SPECIALS)]
        res = []
        for lib in (torch, gk):
            t = {k: _make(lib, v, ("transposed" if k == "input" else "strided")
                          if k == which else "c") for k, v in arrays.items()}
            y = lib.nn.functional.batch_norm(t["input"], t["running_mean"], t["running_var"],
                                             t["weight"], t["bias"], training=training,
                                             momentum=0.0)
            res.append(y.numpy())
        want, got = res
        np.testing.assert_array_equal(np.isnan(got), np.isnan(want), err_msg=str(trial))
        np.testing.assert_allclose(got[~np.isnan(want)], want[~np.isnan(want)], rtol=1e-12,
                                   atol=1e-12, err_msg=str(trial))
