"""Batch norm: F.batch_norm and BatchNorm1d/2d against PyTorch (train and eval, running
statistics, num_batches_tracked), central differences, second order."""

import numpy as np
import pytest
from oracle import check_grad

import gradkit as gk
import gradkit.nn.functional as F
from gradkit import nn


def _copy_from_torch(m, tm):
    m.load_state_dict({k: v.detach().numpy() for k, v in tm.state_dict().items()})


@pytest.mark.parametrize("momentum", [0.1, 0.5, None])
@pytest.mark.parametrize("affine", [True, False])
@pytest.mark.parametrize("track", [True, False])
@pytest.mark.parametrize(("name", "shape"), [("BatchNorm2d", (4, 3, 5, 6)),
                                             ("BatchNorm1d", (6, 3)),
                                             ("BatchNorm1d", (4, 3, 7))], ids=str)
def test_module_train_then_eval_matches_torch(torch, rng, name, shape, momentum, affine, track):
    kw = {"momentum": momentum, "affine": affine, "track_running_stats": track, "eps": 1e-3}
    m = getattr(nn, name)(3, **kw).double()
    tm = getattr(torch.nn, name)(3, **kw).double()
    assert list(m.state_dict().keys()) == list(tm.state_dict().keys())
    assert repr(m) == repr(tm)
    if affine:  # non-trivial affine parameters
        with torch.no_grad():
            tm.weight.copy_(torch.tensor(rng.standard_normal(3)))
            tm.bias.copy_(torch.tensor(rng.standard_normal(3)))
    _copy_from_torch(m, tm)
    for mode in ("train", "train", "train", "eval"):
        getattr(m, mode)()
        getattr(tm, mode)()
        x = rng.standard_normal(shape) * 3 + 1
        gx = gk.tensor(x, requires_grad=True)
        tx = torch.tensor(x, requires_grad=True)
        y, ty = m(gx), tm(tx)
        np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-10,
                                   atol=1e-10)
        u = rng.standard_normal(shape)
        (y * gk.tensor(u)).sum().backward()
        (ty * torch.tensor(u)).sum().backward()
        np.testing.assert_allclose(gx.grad.numpy(), tx.grad.numpy(), rtol=1e-9, atol=1e-9)
        if affine:
            for p, tp in ((m.weight, tm.weight), (m.bias, tm.bias)):
                np.testing.assert_allclose(p.grad.numpy(), tp.grad.numpy(), rtol=1e-9, atol=1e-9)
                p.grad = None
                tp.grad = None
        for k, v in tm.state_dict().items():
            np.testing.assert_allclose(m.state_dict()[k].numpy(), v.numpy(), rtol=1e-12,
                                       atol=1e-12, err_msg=k)


def test_float32_buffers_and_num_batches_tracked(torch):
    m = nn.BatchNorm2d(4)
    assert m.running_mean.dtype == gk.float32 and m.num_batches_tracked.dtype == gk.int64
    for _ in range(3):
        y = m(gk.randn(8, 4, 3, 3))
    assert y.dtype == gk.float32 and m.running_var.dtype == gk.float32
    assert int(m.num_batches_tracked.item()) == 3
    m.eval()
    m(gk.randn(8, 4, 3, 3))
    assert int(m.num_batches_tracked.item()) == 3
    m.reset_running_stats()
    assert int(m.num_batches_tracked.item()) == 0
    np.testing.assert_array_equal(m.running_var.numpy(), np.ones(4, np.float32))


@pytest.mark.parametrize("training", [True, False])
def test_functional_matches_torch(torch, rng, training):
    x = rng.standard_normal((5, 3, 4))
    args = [rng.standard_normal(3), rng.uniform(0.5, 2, 3), rng.standard_normal(3),
            rng.standard_normal(3)]
    g = [gk.tensor(a) for a in args]
    t = [torch.tensor(a) for a in args]
    y = F.batch_norm(gk.tensor(x), *g, training=training, momentum=0.2, eps=1e-4)
    ty = torch.nn.functional.batch_norm(torch.tensor(x), *t, training=training, momentum=0.2,
                                        eps=1e-4)
    np.testing.assert_allclose(y.numpy(), ty.numpy(), atol=1e-12)
    np.testing.assert_allclose(g[0].numpy(), t[0].numpy(), atol=1e-12)
    np.testing.assert_allclose(g[1].numpy(), t[1].numpy(), atol=1e-12)


@pytest.mark.parametrize("training", [True, False])
def test_gradcheck_and_second_order(rng, training):
    x = gk.tensor(rng.standard_normal((4, 3, 2, 3)), requires_grad=True)
    w = gk.tensor(rng.standard_normal(3), requires_grad=True)
    b = gk.tensor(rng.standard_normal(3), requires_grad=True)
    rm, rv = gk.tensor(rng.standard_normal(3)), gk.tensor(rng.uniform(0.5, 2, 3))

    def fn(x, w, b):
        return F.batch_norm(x, None if training else rm, None if training else rv, w, b,
                            training=training)

    check_grad(fn, [x, w, b])

    def second(x, w, b):
        with gk.enable_grad():
            gx, gw = gk.autograd.grad((fn(x, w, b) ** 3).sum(), [x, w], create_graph=True)
        return (gx * gx).sum() + (gw * gw).sum()

    check_grad(second, [x, w, b])


def test_errors():
    m = nn.BatchNorm2d(3)  # PyTorch: RuntimeError, "running_mean should contain 4 elements not 3"
    with pytest.raises(RuntimeError, match=r"BatchNorm2d\(num_features=3\) expects input of shape "
                                         r"\(N, 3, H, W\), got \(2, 4, 5, 5\)"):
        m(gk.randn(2, 4, 5, 5))
    with pytest.raises(ValueError, match=r"BatchNorm1d\(num_features=3\).*\(N, 3\) or "
                                         r"\(N, 3, L\), got \(2, 3, 4, 4\)"):
        nn.BatchNorm1d(3)(gk.randn(2, 3, 4, 4))
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        nn.BatchNorm1d(3)(gk.randn(1, 3))


def test_bias_false_matches_torch(torch, rng):
    m, tm = nn.BatchNorm2d(3, bias=False).double(), torch.nn.BatchNorm2d(3, bias=False).double()
    assert repr(m) == repr(tm)
    assert list(m.state_dict().keys()) == list(tm.state_dict().keys())
    x = rng.standard_normal((4, 3, 2, 2))
    np.testing.assert_allclose(m(gk.tensor(x)).detach().numpy(),
                               tm(torch.tensor(x)).detach().numpy(), atol=1e-12)


def test_batch_norm3d_lives_beside_1d_and_2d():
    from gradkit.nn.modules import batchnorm

    assert "BatchNorm3d" in batchnorm.__all__
    assert nn.BatchNorm3d is batchnorm.BatchNorm3d
    assert nn.BatchNorm3d.__module__ == "gradkit.nn.modules.batchnorm"


@pytest.mark.parametrize("training", [False, True])
@pytest.mark.parametrize("eps", [-3.5, 0.0])
def test_eps_is_checked_by_the_functional_only_as_torch(torch, training, eps):
    # torch.batch_norm takes a negative eps (NaN results) and checks the dtypes first, where
    # gradkit raised F.batch_norm's ValueError about eps before the dtype's error
    from oracle import same_as_torch

    def aten(m, dtype="float64"):
        x = m.arange(12, dtype=getattr(m, dtype)).reshape(4, 3)
        w, b, rm, rv = (m.full((3,), k, dtype=m.float64) for k in (1.5, 0.5, 0.0, 1.0))
        return m.batch_norm(x, w, b, rm, rv, training, 0.1, eps, False)

    def functional(m):
        x = m.arange(12, dtype=m.float64).reshape(4, 3)
        w, b, rm, rv = (m.full((3,), k, dtype=m.float64) for k in (1.5, 0.5, 0.0, 1.0))
        return m.nn.functional.batch_norm(x, rm, rv, w, b, training, 0.1, eps)

    same_as_torch(torch, aten)
    same_as_torch(torch, lambda m: aten(m, "int64"))
    same_as_torch(torch, functional)


def _any_rank_bn(nn_):
    class AnyRankBatchNorm2d(nn_.BatchNorm2d):
        def _check_input_dim(self, input):  # PyTorch's hook: accept 2-D to 5-D input
            if input.dim() < 2:
                raise ValueError("at least 2-D")

    return AnyRankBatchNorm2d(3)


@pytest.mark.parametrize("shape", [(5, 3), (4, 3, 6), (2, 3, 2, 3, 2)])
def test_overridden_check_input_dim_is_honoured(torch, rng, shape):
    m, tm = _any_rank_bn(nn), _any_rank_bn(torch.nn)
    x = rng.standard_normal(shape).astype(np.float32)
    y, ty = m(gk.tensor(x)), tm(torch.tensor(x))
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(m.running_var.numpy(), tm.running_var.numpy(), rtol=1e-5)
    with pytest.raises(ValueError, match="at least 2-D"):
        m(gk.zeros(3))
    with pytest.raises(ValueError, match=r"BatchNorm2d\(num_features=3\).*\(N, 3, H, W\)"):
        nn.BatchNorm2d(3)(gk.tensor(x))  # the layer's own check is unchanged


@pytest.mark.parametrize("cls,shape", [("BatchNorm1d", (2, 0)), ("BatchNorm1d", (0, 5)),
                                       ("BatchNorm1d", (2, 0, 3)), ("BatchNorm1d", (2, 5, 0)),
                                       ("BatchNorm2d", (2, 0, 3, 3)),
                                       ("BatchNorm2d", (2, 5, 0, 3))])
@pytest.mark.parametrize("train", [True, False])
def test_batchnorm_module_of_an_empty_input_of_other_channels_as_torch(torch, cls, shape, train):
    # PyTorch's batch_norm returns an empty input before it compares its channels with the
    # running statistics (num_batches_tracked still counts the call); gradkit's module
    # refused the channel count first
    res = []
    for L in (torch, gk):
        m = getattr(L.nn, cls)(3).double().train(train)
        x = L.zeros(shape, dtype=L.float64, requires_grad=True)
        y = m(x)
        y.sum().backward()
        res.append((tuple(y.shape), m.weight.grad.tolist(), m.running_mean.tolist(),
                    int(m.num_batches_tracked)))
    assert res[0] == res[1]
