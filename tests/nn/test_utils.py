"""nn.utils: clip_grad_norm_, clip_grad_value_, parameters_to_vector, vector_to_parameters."""

import math

import numpy as np
import pytest

import gradkit as gk
from gradkit import nn
from gradkit.nn.utils import (
    clip_grad_norm_,
    clip_grad_value_,
    parameters_to_vector,
    vector_to_parameters,
)


def _twin(torch, seed=0):
    rng = np.random.default_rng(seed)
    shapes = [(3, 4), (4,), (2, 2, 2)]
    gs = [nn.Parameter(gk.zeros(*s)) for s in shapes]
    ts = [torch.nn.Parameter(torch.zeros(*s)) for s in shapes]
    for g, t in zip(gs, ts):
        arr = (rng.standard_normal(g.shape) * 3).astype(np.float32)
        g.grad = gk.tensor(arr)
        t.grad = torch.from_numpy(arr.copy())
    return gs, ts


@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, math.inf])
@pytest.mark.parametrize("max_norm", [0.5, 1e6])
def test_clip_grad_norm_matches_torch(torch, norm_type, max_norm):
    gs, ts = _twin(torch)
    total_g = clip_grad_norm_(gs, max_norm, norm_type=norm_type)
    total_t = torch.nn.utils.clip_grad_norm_(ts, max_norm, norm_type=norm_type)
    assert isinstance(total_g, gk.Tensor) and total_g.ndim == 0
    np.testing.assert_allclose(float(total_g), float(total_t), rtol=1e-5)
    for g, t in zip(gs, ts):
        np.testing.assert_allclose(g.grad.numpy(), t.grad.numpy(), rtol=1e-5, atol=1e-7)


def test_clip_grad_norm_skips_missing_and_single_tensor():
    p = nn.Parameter(gk.ones(3))
    q = nn.Parameter(gk.ones(2))
    p.grad = gk.tensor([3.0, 4.0, 0.0])
    total = clip_grad_norm_(p, 1.0)
    assert float(total) == pytest.approx(5.0)
    np.testing.assert_allclose(p.grad.numpy(), [0.6, 0.8, 0.0], rtol=1e-5)
    assert float(clip_grad_norm_([q], 1.0)) == 0.0


def test_clip_grad_norm_nonfinite():
    p = nn.Parameter(gk.ones(2))
    p.grad = gk.tensor([float("nan"), 1.0])
    with pytest.raises(RuntimeError, match="non-finite"):
        clip_grad_norm_([p], 1.0, error_if_nonfinite=True)


def test_clip_grad_value(torch):
    gs, ts = _twin(torch, 1)
    clip_grad_value_(gs, 0.7)
    torch.nn.utils.clip_grad_value_(ts, 0.7)
    for g, t in zip(gs, ts):
        np.testing.assert_array_equal(g.grad.numpy(), t.grad.numpy())


def test_parameter_vector_round_trip():
    m = nn.Sequential(nn.Linear(3, 4), nn.Linear(4, 2))
    vec = parameters_to_vector(m.parameters())
    assert vec.shape == (3 * 4 + 4 + 4 * 2 + 2,)
    m2 = nn.Sequential(nn.Linear(3, 4), nn.Linear(4, 2))
    vector_to_parameters(vec.detach(), m2.parameters())
    for p, q in zip(m.parameters(), m2.parameters()):
        np.testing.assert_array_equal(p.detach().numpy(), q.detach().numpy())
    vec.sum().backward()  # differentiable
    assert all(float(p.grad.sum()) == p.numel() for p in m.parameters())
    with pytest.raises(RuntimeError, match="invalid for input of size"):  # as torch's view_as
        vector_to_parameters(gk.zeros(3), m2.parameters())
    with pytest.raises(TypeError, match="Tensor"):
        vector_to_parameters(np.zeros(3), m2.parameters())


def test_vector_to_parameters_shares_the_vector_as_torch(torch):
    # torch sets param.data to views of vec: the parameters share its memory and dtype, a longer
    # vector is accepted, a shorter one raises view_as's RuntimeError
    for lib in (gk, torch):
        m = lib.nn.Linear(2, 3)
        vec = lib.arange(12, dtype=lib.float64)
        lib.nn.utils.vector_to_parameters(vec, m.parameters())
        assert m.weight.dtype == lib.float64 and m.bias.tolist() == [6.0, 7.0, 8.0]
        assert isinstance(m.weight, lib.nn.Parameter) and m.weight.requires_grad
        vec[0] = 100.0
        assert m.weight[0, 0].item() == 100.0
        with pytest.raises(RuntimeError):
            lib.nn.utils.vector_to_parameters(lib.zeros(8), m.parameters())
        with pytest.raises(TypeError, match="^expected .*Tensor, but got: list$"):
            lib.nn.utils.vector_to_parameters([0.0] * 9, m.parameters())


@pytest.mark.parametrize("max_norm", [0.5, 1e6])
def test_clip_grads_with_norm_matches_torch(torch, max_norm):
    from gradkit.nn.utils import clip_grads_with_norm_, get_total_norm

    gs, ts = _twin(torch)
    total_g = get_total_norm([p.grad for p in gs])
    total_t = torch.nn.utils.get_total_norm([p.grad for p in ts])
    assert clip_grads_with_norm_(gs, max_norm, total_g) is None
    torch.nn.utils.clip_grads_with_norm_(ts, max_norm, total_t)
    for g, t in zip(gs, ts):
        np.testing.assert_allclose(g.grad.numpy(), t.grad.numpy(), rtol=1e-5, atol=1e-7)


def test_skip_init_builds_without_drawing_random_numbers(torch):
    for lib in (gk, torch):
        lib.manual_seed(0)
        expected = lib.rand(3)
        lib.manual_seed(0)
        m = lib.nn.utils.skip_init(lib.nn.Linear, 4, 2, bias=False)
        assert type(m) is lib.nn.Linear and tuple(m.weight.shape) == (2, 4)
        assert m.bias is None and isinstance(m.weight, lib.nn.Parameter)
        assert m.weight.device.type == "cpu" and m.weight.requires_grad
        assert lib.rand(3).tolist() == expected.tolist()  # the stream was not advanced
        with pytest.raises(RuntimeError, match="Module must support a 'device' arg"):
            lib.nn.utils.skip_init(lib.nn.ReLU)
        with pytest.raises(TypeError):
            lib.nn.utils.skip_init(3)


def test_convert_conv_weight_memory_format_as_torch(torch):
    """nn.utils.convert_conv{2,3}d_weight_memory_format: the convolution weights (nested ones
    too) take the format's strides, keep their values, stay Parameters; others are untouched."""
    def build(lib):
        lib.manual_seed(0)
        return lib.nn.Sequential(lib.nn.Conv2d(2, 3, 3), lib.nn.ReLU(),
                                 lib.nn.Sequential(lib.nn.ConvTranspose2d(3, 2, 2)),
                                 lib.nn.Conv3d(2, 2, 2), lib.nn.Linear(2, 2))

    for lib in (gk, torch):
        m = build(lib)
        before = [p.detach().clone() for p in m.parameters()]
        assert lib.nn.utils.convert_conv2d_weight_memory_format(m, lib.channels_last) is m
        lib.nn.utils.convert_conv3d_weight_memory_format(m, lib.channels_last_3d)
        for p, b in zip(m.parameters(), before):
            assert lib.equal(p, b) and p.requires_grad
            assert type(p).__name__ == "Parameter"
    ours, theirs = build(gk), build(torch)
    gk.nn.utils.convert_conv2d_weight_memory_format(ours, gk.channels_last)
    gk.nn.utils.convert_conv3d_weight_memory_format(ours, gk.channels_last_3d)
    torch.nn.utils.convert_conv2d_weight_memory_format(theirs, torch.channels_last)
    torch.nn.utils.convert_conv3d_weight_memory_format(theirs, torch.channels_last_3d)
    assert [p.stride() for p in ours.parameters()] == [p.stride() for p in theirs.parameters()]
