"""InstanceNorm1d/2d/3d, F.instance_norm; LocalResponseNorm, F.local_response_norm."""

import numpy as np
import pytest
from oracle import check_grad, compare_layer, t64

import gradkit as gk
import gradkit.nn.functional as F
from gradkit import nn


def _perturb(m, seed=11):
    gen = np.random.default_rng(seed)
    with gk.no_grad():
        for p in m.parameters():
            p.add_(gk.tensor(gen.standard_normal(tuple(p.shape)).astype(np.float32)))


@pytest.mark.parametrize("name,shape", [("InstanceNorm1d", (2, 3, 7)),
                                        ("InstanceNorm1d", (3, 7)),
                                        ("InstanceNorm2d", (2, 3, 4, 5)),
                                        ("InstanceNorm2d", (3, 4, 5)),
                                        ("InstanceNorm3d", (2, 3, 2, 3, 4))])
@pytest.mark.parametrize("affine,track,bias", [(False, False, True), (True, False, True),
                                               (True, True, True), (False, True, True),
                                               (True, False, False)])
def test_instance_norm_matches_torch(torch, name, shape, affine, track, bias):
    g = getattr(nn, name)(3, affine=affine, track_running_stats=track, bias=bias)
    t = getattr(torch.nn, name)(3, affine=affine, track_running_stats=track, bias=bias)
    assert repr(g) == repr(t)
    assert list(g.state_dict()) == list(t.state_dict())
    _perturb(g)
    rng = np.random.default_rng(0)
    for _step in range(2):  # train twice (running statistics move), then eval
        x = (rng.standard_normal(shape) * 2 + 1).astype(np.float32)
        compare_layer(torch, g, t, [x], atol=1e-4, train=True)
        for k, v in t.state_dict().items():
            np.testing.assert_allclose(g.state_dict()[k].detach().numpy(), v.detach().numpy(),
                                       atol=1e-5, err_msg=k)
        for m in (g, t):
            m.zero_grad()
    x = (rng.standard_normal(shape) * 2 + 1).astype(np.float32)
    g_sd = {k: v.detach().numpy().copy() for k, v in g.state_dict().items()}
    out_g = g.eval()(gk.tensor(x))
    out_t = t.eval()(torch.tensor(x)).detach()
    np.testing.assert_allclose(out_g.detach().numpy(), out_t.numpy(), atol=1e-4)
    for k, v in g.state_dict().items():  # eval leaves the buffers alone
        np.testing.assert_array_equal(v.detach().numpy(), g_sd[k])


def test_instance_norm_float64_gradients():
    rng = np.random.default_rng(1)
    x, w, b = t64(rng, 2, 3, 4, 2), t64(rng, 3), t64(rng, 3)
    check_grad(lambda x, w, b: F.instance_norm(x, weight=w, bias=b), [x, w, b])
    rm = gk.tensor(rng.standard_normal(3))
    rv = gk.tensor(rng.uniform(0.5, 2, 3))
    check_grad(lambda x, w, b: F.instance_norm(x, rm, rv, w, b, use_input_stats=False),
               [x, w, b])


def test_instance_norm_errors():
    with pytest.raises(ValueError, match=r"InstanceNorm2d\(num_features=3\) expects input of "
                                         r"shape \(N, 3, H, W\) or \(3, H, W\), got \(2, 4\)"):
        nn.InstanceNorm2d(3)(gk.randn(2, 4))
    with pytest.raises(ValueError, match=r"InstanceNorm1d\(num_features=3\) expects input of "
                                         r"shape \(N, 3, L\) or \(3, L\), got \(2, 4, 5\)"):
        nn.InstanceNorm1d(3, affine=True)(gk.randn(2, 4, 5))
    with pytest.raises(ValueError, match=r"instance_norm\(\): Expected more than 1 spatial "
                                         r"element.*\(2, 3, 1\)"):
        F.instance_norm(gk.randn(2, 3, 1))
    # PyTorch: RuntimeError, checked before the input's shape
    with pytest.raises(RuntimeError, match="Expected running_mean and running_var to be "
                                           "defined when use_input_stats is false"):
        F.instance_norm(gk.randn(2, 3, 4), use_input_stats=False)


@pytest.mark.parametrize("size,shape", [(2, (2, 5, 7)), (3, (2, 6, 3, 4)), (4, (1, 5, 2, 2, 3))])
def test_local_response_norm_matches_torch(torch, size, shape):
    g = nn.LocalResponseNorm(size, alpha=0.3, beta=0.6, k=1.5)
    t = torch.nn.LocalResponseNorm(size, alpha=0.3, beta=0.6, k=1.5)
    assert repr(g) == repr(t)
    x = np.random.default_rng(2).standard_normal(shape).astype(np.float32)
    compare_layer(torch, g, t, [x])
    check_grad(lambda x: F.local_response_norm(x, size, 0.3, 0.6, 1.5),
               [t64(np.random.default_rng(3), *shape[:2], 3)])
    with pytest.raises(ValueError, match=r"LocalResponseNorm\(2, alpha=0.0001.*\(N, C, \*\).*"
                                         r"shape \(4, 5\)"):
        nn.LocalResponseNorm(2)(gk.randn(4, 5))


def test_instance_norm_empty_batch_matches_torch(torch):
    g = nn.InstanceNorm2d(3, track_running_stats=True)  # (torch's affine=True path raises)
    t = torch.nn.InstanceNorm2d(3, track_running_stats=True)
    x = gk.randn(0, 3, 4, 5, requires_grad=True)
    y = g(x)
    assert tuple(y.shape) == tuple(t(torch.zeros(0, 3, 4, 5)).shape)
    y.sum().backward()
    assert x.grad.shape == (0, 3, 4, 5)
    for k, v in t.state_dict().items():  # NaN running statistics, as torch's
        np.testing.assert_array_equal(g.state_dict()[k].numpy(), v.numpy(), err_msg=k)


def test_half_statistics_in_float32_as_torch():
    """A float16 row holding 65504: PyTorch's kernel computes the statistics in float32 (the
    variance overflowed float16 and the output was 0); float16's tolerance (one unit)."""
    torch = pytest.importorskip("torch")
    x = np.array([[[1.4248, 2.3203], [65504.0, -3.6562]]], dtype=np.float16)
    w, b = np.array([-0.8794, 0.5], dtype=np.float16), np.array([-0.2563, 1.0], dtype=np.float16)
    got = gk.nn.functional.instance_norm(gk.tensor(x), weight=gk.tensor(w), bias=gk.tensor(b))
    want = torch.nn.functional.instance_norm(torch.tensor(x), weight=torch.tensor(w),
                                             bias=torch.tensor(b))
    assert got.dtype == gk.float16
    np.testing.assert_allclose(got.float().numpy(), want.float().numpy(), rtol=1e-3, atol=1e-3)


# an empty input (no samples, channels or positions): PyTorch's batch norm of it checks no
# channel counts and gives input * weight[0] + bias[0]; its running statistics stay unless the
# batch is empty (gradkit refused the counts, a spatial size 0, and wrote NaN statistics)
EMPTY_CASES = {
    "no_channels_weight_of_3": ((2, 0, 5), 3, 3, None),
    "no_positions_weight_of_3": ((2, 2, 0), 3, 3, None),
    "no_positions_stats": ((2, 3, 0), 3, 3, 3),
    "no_channels_stats_of_3": ((2, 0, 5), 3, None, 3),
    "no_channels_weight_empty": ((2, 0, 5), 0, 0, None),
    "no_samples_weight": ((0, 3, 5), 3, None, None),
    "no_samples_stats": ((0, 3, 5), None, None, 3),
    "no_positions_stats_of_5": ((2, 3, 0), None, None, 5),
}


@pytest.mark.parametrize("name", sorted(EMPTY_CASES))
def test_instance_norm_of_an_empty_input_as_torch(torch, name):
    shape, nw, nb, ns = EMPTY_CASES[name]
    out = {}
    for m in (torch, gk):
        x = m.zeros(shape, requires_grad=True)
        w = None if nw is None else m.arange(1.0, nw + 1, dtype=m.float64).requires_grad_()
        b = None if nb is None else m.ones(nb, requires_grad=True)
        rm, rv = (None, None) if ns is None else (m.ones(ns), m.full((ns,), 2.0))
        try:
            y = m.nn.functional.instance_norm(x, rm, rv, weight=w, bias=b)
        except Exception as e:  # noqa: BLE001 (compared by type below)
            out[m] = type(e).__name__
            continue
        y.sum().backward()
        out[m] = (tuple(y.shape), str(y.dtype).split(".")[-1], type(y.grad_fn).__name__,
                  tuple(x.grad.shape), None if w is None else w.grad.tolist(),
                  None if b is None else b.grad.tolist(),
                  None if rm is None else [np.nan_to_num(s.numpy(), nan=-7.0).tolist()
                                           for s in (rm, rv)])
    assert out[gk] == out[torch]
@pytest.mark.filterwarnings("ignore")
@pytest.mark.parametrize("shape", [(3, 2, 0), (2, 2, 0, 3), (0, 2, 3)])
@pytest.mark.parametrize("affine", [False, True])
@pytest.mark.parametrize("track", [False, True])
def test_instance_norm_of_empty_samples_in_training_as_torch(torch, shape, affine, track):
    # PyTorch refuses exactly one spatial element; samples of none pass (an empty result, the
    # running statistics left as they are); gradkit raised its ValueError for them
    from oracle import same_as_torch

    def run(L):
        cls = L.nn.InstanceNorm1d if len(shape) == 3 else L.nn.InstanceNorm2d
        m = cls(2, affine=affine, track_running_stats=track, momentum=0.5).train()
        if track:
            m.running_mean.fill_(1.0)
            m.running_var.fill_(3.0)
        x = L.ones(shape, requires_grad=True)
        y = m(x)
        y.sum().backward()
        return (y, x.grad) + ((m.running_mean, m.running_var) if track else ())

    same_as_torch(torch, run)


def test_overridden_check_input_dim_is_honoured(torch, rng):
    def build(nn_):
        class Checked(nn_.InstanceNorm1d):
            def _check_input_dim(self, input):
                if input.dim() != 3:
                    raise ValueError("batched input only")

        return Checked(3, affine=True)

    m, tm = build(nn), build(torch.nn)
    x = rng.standard_normal((2, 3, 7)).astype(np.float32)
    np.testing.assert_allclose(m(gk.tensor(x)).detach().numpy(),
                               tm(torch.tensor(x)).detach().numpy(), rtol=1e-5, atol=1e-5)
    for lib, mod in ((gk, m), (torch, tm)):
        with pytest.raises(ValueError, match="batched input only"):
            mod(lib.zeros(3, 7))
    assert m._get_no_batch_dim() == tm._get_no_batch_dim() == 2
