"""layer_norm's backward on NumPy arrays (ops/normalization.py, ``_layer_norm_b_numpy``): every
combination of weight/bias and of which inputs want a gradient, against PyTorch."""

import numpy as np
import pytest

import gradkit as gk
import gradkit.nn.functional as F


@pytest.mark.parametrize("dtype,tol", [("float64", 1e-12), ("float32", 2e-5)])
@pytest.mark.parametrize("affine", ["none", "weight", "both"])
@pytest.mark.parametrize("wants", ["all", "input", "params"])
def test_layer_norm_grads_match_torch(torch, dtype, tol, affine, wants):
    rng = np.random.default_rng(0)
    x = (rng.standard_normal((3, 5, 12)) * 2 + 1).astype(dtype)
    w = rng.standard_normal(12).astype(dtype) if affine != "none" else None
    b = rng.standard_normal(12).astype(dtype) if affine == "both" else None
    g = rng.standard_normal(x.shape).astype(dtype)
    x_grad = wants != "params"
    p_grad = wants != "input"

    def run(lib, T):
        xt = T(x, requires_grad=x_grad)
        wt = None if w is None else T(w, requires_grad=p_grad)
        bt = None if b is None else T(b, requires_grad=p_grad)
        out = lib.nn.functional.layer_norm(xt, (12,), wt, bt, 1e-5)
        if not out.requires_grad:
            return out, []
        out.backward(T(g))
        return out, [t.grad for t in (xt, wt, bt) if t is not None and t.requires_grad]

    out, grads = run(gk, gk.tensor)
    tout, tgrads = run(torch, torch.tensor)
    np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy(), rtol=tol, atol=tol)
    assert len(grads) == len(tgrads)
    for a, b_ in zip(grads, tgrads):
        np.testing.assert_allclose(a.numpy(), b_.numpy(), rtol=tol, atol=tol)


def test_layer_norm_grad_of_a_non_contiguous_gradient(torch):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((4, 6, 8))
    w, b = rng.standard_normal(8), rng.standard_normal(8)
    g6 = rng.standard_normal((6, 4, 8))
    g = g6.transpose(1, 0, 2)
    xs = [gk.tensor(a, requires_grad=True) for a in (x, w, b)]
    ts = [torch.tensor(a, requires_grad=True) for a in (x, w, b)]
    gt = gk.tensor(g6).transpose(0, 1)  # a transposed view
    assert not gt.is_contiguous()
    F.layer_norm(xs[0], (8,), xs[1], xs[2]).backward(gt)
    torch.nn.functional.layer_norm(ts[0], (8,), ts[1], ts[2]).backward(torch.tensor(g))
    for a, b_ in zip(xs, ts):
        np.testing.assert_allclose(a.grad.numpy(), b_.grad.numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("layer", ["layer_norm", "group_norm", "instance_norm", "InstanceNorm2d"])
@pytest.mark.parametrize("inplace", ["relu_", "mul_", "leaky_relu"])
def test_an_in_place_op_on_an_unscaled_norm_output_leaves_its_gradient_right(torch, layer,
                                                                               inplace):
    # InstanceNorm2d then ReLU(inplace=True) (CycleGAN's blocks): the output without affine was
    # the array backward saved, so the in-place op changed the gradient silently
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 4, 5, 5)).astype(np.float32)
    g = rng.standard_normal(x.shape).astype(np.float32)

    def run(lib):
        xt = lib.tensor(x, requires_grad=True)
        fn = lib.nn.functional
        y = {"layer_norm": lambda: fn.layer_norm(xt, (5, 5)),
             "group_norm": lambda: fn.group_norm(xt, 2),
             "instance_norm": lambda: fn.instance_norm(xt),
             "InstanceNorm2d": lambda: lib.nn.InstanceNorm2d(4)(xt)}[layer]()
        if inplace == "leaky_relu":
            fn.leaky_relu(y, 0.2, inplace=True)
        else:
            getattr(y, inplace)(*((2.0,) if inplace == "mul_" else ()))
        y.backward(lib.tensor(g))
        return y.detach().numpy(), xt.grad.numpy()

    for ours, theirs in zip(run(gk), run(torch)):
        np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-5)
