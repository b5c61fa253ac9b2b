"""Batch, group and instance norm of a float16/bfloat16 input with float32 parameters or running
statistics (PyTorch's CPU mixed-type kernels, what a CNN meets under bfloat16 autocast: a
bfloat16 convolution output into a float32 BatchNorm), and half-precision running statistics.

PyTorch computes these in float32 with the parameters as they are and gives float32 parameter
gradients; gradkit rounded the parameters to the input's dtype first, so the output used rounded
weights and the weights' gradients came back rounded to bfloat16 (3 digits)."""

import numpy as np
import pytest

import gradkit as gk
import gradkit.nn.functional as F

pytest.importorskip("ml_dtypes")

CASES = {
    "batch_norm": lambda m, x, w, b, rm, rv: m.batch_norm(x, rm, rv, w, b, training=True),
    "batch_norm_eval": lambda m, x, w, b, rm, rv: m.batch_norm(x, rm, rv, w, b, training=False),
    "batch_norm_eval_no_affine": lambda m, x, w, b, rm, rv: m.batch_norm(x, rm, rv),
    "group_norm": lambda m, x, w, b, rm, rv: m.group_norm(x, 4, w, b),
    "group_norm_weight_only": lambda m, x, w, b, rm, rv: m.group_norm(x, 2, w),
    "instance_norm": lambda m, x, w, b, rm, rv: m.instance_norm(x, rm, rv, w, b),
}
# (instance_norm without weight or bias is left out: PyTorch rounds its statistics to the half
# type before applying them, gradkit applies them in float32; README, "bfloat16 and autocast")


def _run(lib, functional, dtype, case, shape):
    rng = np.random.default_rng(3)
    x = lib.tensor((rng.standard_normal(shape) * 2 + 0.5).astype(np.float32)).to(
        getattr(lib, dtype)).requires_grad_()
    w = lib.tensor(rng.standard_normal(8).astype(np.float32), requires_grad=True)
    b = lib.tensor(rng.standard_normal(8).astype(np.float32), requires_grad=True)
    rm = lib.tensor((rng.random(8) * 0.3).astype(np.float32))
    rv = lib.tensor((rng.random(8) + 0.5).astype(np.float32))
    gy = lib.tensor(rng.standard_normal(shape).astype(np.float32)).to(getattr(lib, dtype))
    y = CASES[case](functional, x, w, b, rm, rv)
    y.backward(gy)
    grads = [None if t.grad is None else t.grad.double().numpy() for t in (w, b)]
    return (str(y.dtype).rsplit(".", 1)[-1], y.double().detach().numpy(),
            x.grad.double().numpy(), grads, rm.double().numpy(), rv.double().numpy())


@pytest.mark.parametrize("dtype", ["bfloat16", "float16"])
@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("shape", [(16, 8, 4, 4), (5, 8, 3)])
def test_mixed_type_norms_as_torch(torch, dtype, case, shape):
    gdt, gy, gdx, gparams, grm, grv = _run(gk, F, dtype, case, shape)
    tdt, ty, tdx, tparams, trm, trv = _run(torch, torch.nn.functional, dtype, case, shape)
    assert gdt == tdt == dtype
    # the output equal but for a rare last-bit flip (where PyTorch's float32 statistics sum in
    # another order), the input's gradient within one step of its dtype (its backward's sums)
    step = 2.0 ** -7 if dtype == "bfloat16" else 2.0 ** -10
    np.testing.assert_allclose(gy, ty, rtol=step, atol=0)
    assert np.mean(gy != ty) <= 0.01
    np.testing.assert_allclose(gdx, tdx, rtol=step, atol=step * np.abs(tdx).max())
    for g, t in zip(gparams, tparams):
        assert (g is None) == (t is None)
        if t is not None:  # float32 gradients, not rounded to the input's dtype
            np.testing.assert_allclose(g, t, rtol=2e-5, atol=2e-5 * np.abs(t).max())
    np.testing.assert_allclose(grm, trm, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(grv, trv, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("module", ["batch_norm", "instance_norm"])
def test_float16_running_statistics_rounded_once_as_torch(torch, module):
    """float16 running statistics take PyTorch's update, computed wide and rounded once (gradkit
    rounded ``running * (1 - momentum)`` and the sum separately)."""
    out = []
    for lib in (gk, torch):
        rng = np.random.default_rng(5)
        x = lib.tensor((rng.standard_normal((16, 8, 4, 4)) * 3 + 1).astype(np.float32)).half()
        rm = lib.tensor((rng.random(8) * 0.3).astype(np.float32)).half()
        rv = lib.tensor((rng.random(8) + 0.5).astype(np.float32)).half()
        fn = lib.nn.functional
        if module == "batch_norm":
            fn.batch_norm(x, rm, rv, lib.ones(8).half(), lib.zeros(8).half(), training=True,
                          momentum=0.3)
        else:
            fn.instance_norm(x, rm, rv, momentum=0.3)
        out.append((rm.double().numpy(), rv.double().numpy()))
    np.testing.assert_array_equal(out[0][0], out[1][0])
    np.testing.assert_array_equal(out[0][1], out[1][1])
