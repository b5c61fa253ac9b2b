"""Padding layers: ZeroPad, ConstantPad, ReflectionPad, ReplicationPad, CircularPad (1d/2d/3d)."""

import numpy as np
import pytest
from oracle import check_grad, compare_layer, same_as_torch, t64

import gradkit as gk
from gradkit import nn

_CASES = [
    ("ZeroPad1d", 2, (2, 3, 5)), ("ZeroPad1d", (1, 3), (3, 5)),
    ("ZeroPad2d", (1, 2, 0, 3), (2, 3, 4, 5)), ("ZeroPad2d", 1, (3, 4)),
    ("ZeroPad3d", 1, (1, 2, 3, 3, 3)),
    ("ReflectionPad1d", (2, 3), (2, 3, 5)), ("ReflectionPad1d", 1, (3, 5)),
    ("ReflectionPad2d", (1, 2, 3, 0), (2, 3, 4, 5)), ("ReflectionPad2d", 2, (3, 4, 5)),
    ("ReflectionPad3d", 1, (1, 2, 3, 3, 3)),
    ("ReplicationPad1d", (3, 1), (2, 3, 5)), ("ReplicationPad2d", (1, 2, 6, 0), (2, 3, 4, 5)),
    ("ReplicationPad2d", 2, (3, 4, 5)), ("ReplicationPad3d", (1, 0, 2, 1, 0, 2), (1, 2, 3, 3, 3)),
    ("CircularPad1d", (2, 5), (2, 3, 5)), ("CircularPad2d", (1, 2, 3, 0), (2, 3, 4, 5)),
    ("CircularPad3d", 1, (2, 3, 3, 3)),
]


@pytest.mark.parametrize("name,padding,shape", _CASES, ids=str)
def test_padding_matches_torch(torch, name, padding, shape):
    g, t = getattr(nn, name)(padding), getattr(torch.nn, name)(padding)
    assert g.padding == t.padding
    assert repr(g) == repr(t)
    assert g.state_dict().keys() == t.state_dict().keys()
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    compare_layer(torch, g, t, [x])


@pytest.mark.parametrize("name,padding,value,shape", [
    ("ConstantPad1d", 2, 3.5, (2, 3, 5)), ("ConstantPad2d", (1, 0, 2, 3), -1.0, (2, 4, 5)),
    ("ConstantPad3d", (1, 1, 0, 2, 1, 0), 0.5, (2, 3, 3, 3)),
    ("ConstantPad2d", (-1, 2, 0, -2), 1.0, (1, 4, 5))])
def test_constant_padding_matches_torch(torch, name, padding, value, shape):
    g, t = getattr(nn, name)(padding, value), getattr(torch.nn, name)(padding, value)
    assert repr(g) == repr(t)
    x = np.random.default_rng(1).standard_normal(shape).astype(np.float32)
    compare_layer(torch, g, t, [x])


@pytest.mark.parametrize("name", ["ReflectionPad2d", "ReplicationPad2d", "CircularPad2d",
                                  "ZeroPad2d"])
def test_padding_float64_gradients(name):
    x = t64(np.random.default_rng(2), 2, 2, 4, 5)
    m = getattr(nn, name)((3, 1, 2, 3))
    check_grad(m, [x])

    def grad_of(x):  # second order
        with gk.enable_grad():
            (g,) = gk.autograd.grad((m(x) ** 3).sum(), [x], create_graph=True)
        return g * 1.0

    check_grad(grad_of, [x])


@pytest.mark.parametrize("make,shape", [
    (lambda L: L.nn.ReflectionPad2d(1), (4, 4)),
    (lambda L: L.nn.ReflectionPad1d(3), (1, 2, 3)),
    (lambda L: L.nn.CircularPad1d(4), (1, 2, 3)),
    (lambda L: L.nn.CircularPad2d(1), (3, 3)),
    (lambda L: L.nn.ZeroPad2d(1), (4,)),
    (lambda L: L.nn.ReplicationPad2d((1, 2)), (1, 1, 2, 2)),  # pads the last dim only
    (lambda L: L.nn.ReflectionPad2d((1, 0, 1)), (1, 1, 2, 3)),
    (lambda L: L.nn.ReplicationPad2d((1, 1, 0, 0)), (1, 2, 0, 3)),
], ids=str)
def test_padding_errors(torch, make, shape):
    # the layers keep the padding tuple as given and F.pad checks it at the forward, with
    # PyTorch's types (the circular layers check the rank first: ValueError)
    same_as_torch(torch, lambda L: make(L)(L.ones(shape)))


# F.pad itself: the non-constant modes are one resample gather per axis (backward sums sorted
# runs, no np.add.at) and follow torch where one side pads and the other crops
@pytest.mark.parametrize("mode,pad,shape", [
    ("reflect", (3, -2), (2, 3, 5)), ("reflect", (-1, 2, 2, -1), (1, 2, 4, 5)),
    ("replicate", (-5, 1), (2, 3, 5)), ("replicate", (4, -3, 0, 2), (1, 1, 4)),
    ("circular", (3, -2), (2, 3, 5)), ("circular", (-1, 2, 1, 1, 1, -1), (1, 2, 3, 3, 3)),
    ("reflect", (2, 1, 0, 3), (3, 4, 5))], ids=str)
def test_functional_pad_mixed_signs_match_torch(torch, mode, pad, shape):
    import gradkit.nn.functional as F

    x = np.random.default_rng(4).standard_normal(shape)
    g, t = gk.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out_g = F.pad(g, pad, mode=mode)
    out_t = torch.nn.functional.pad(t, pad, mode=mode)
    np.testing.assert_array_equal(out_g.detach().numpy(), out_t.detach().numpy())
    assert out_g.grad_fn.op.name == "UpsampleAxis"  # not index_select (np.add.at)
    u = np.random.default_rng(5).standard_normal(tuple(out_t.shape))
    (out_g * gk.tensor(u)).sum().backward()
    (out_t * torch.tensor(u)).sum().backward()
    np.testing.assert_allclose(g.grad.numpy(), t.grad.numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
def test_functional_pad_float64_gradients(mode):
    import gradkit.nn.functional as F

    x = t64(np.random.default_rng(6), 2, 3, 4, 5)
    check_grad(lambda x: F.pad(x, (2, -1, 1, 3), mode=mode), [x])

    def grad_of(x):  # second order
        with gk.enable_grad():
            (g,) = gk.autograd.grad((F.pad(x, (3, 1, 2, 0), mode=mode) ** 3).sum(), [x],
                                    create_graph=True)
        return g * 1.0

    check_grad(grad_of, [x])


def test_functional_pad_errors_as_torch():
    import gradkit.nn.functional as F

    x = gk.randn(2, 3, 5)
    with pytest.raises(RuntimeError, match=r"pad: padding \(7, 0\) in circular mode wraps around "
                                         r"dimension 2 of input \(2, 3, 5\) more than once"):
        F.pad(x, (7, 0), mode="circular")
    with pytest.raises(NotImplementedError,
                       match=r"pad: mode 'reflect' with 2 padding values pads the last 1 "
                             r"dimension\(s\) of an input with 2 or 3 dimensions.*got a 4-D "
                             r"input of shape \(1, 2, 3, 5\)"):
        F.pad(gk.randn(1, 2, 3, 5), (1, 1), mode="reflect")
    with pytest.raises(RuntimeError, match=r"pad: padding \(-6, 1\) crops dimension 2 \(size 5\)"):
        F.pad(x, (-6, 1))
    with pytest.raises(RuntimeError, match=r"leaves no element"):
        F.pad(x, (-4, -1), mode="replicate")


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
def test_functional_pad_backward_scatters_without_add_at(monkeypatch, mode):
    import gradkit._backend as B
    import gradkit.nn.functional as F

    def no_add_at(*args, **kwargs):
        raise AssertionError("F.pad's backward went through np.add.at")

    monkeypatch.setattr(B, "_index_add_numpy", no_add_at)
    x = gk.randn(2, 3, 6, 7, requires_grad=True)
    F.pad(x, (2, 3, 1, 2), mode=mode).sum().backward()
    assert x.grad.shape == (2, 3, 6, 7)


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
@pytest.mark.parametrize("shape", [(5,), (2, 3, 4, 5), (2, 3, 4, 5, 6, 7)])
def test_functional_pad_unsupported_rank_raises_torchs_type(torch, mode, shape):
    import gradkit.nn.functional as F

    with pytest.raises(Exception) as theirs:
        torch.nn.functional.pad(torch.zeros(shape), (1, 1), mode=mode)
    with pytest.raises(Exception) as ours:
        F.pad(gk.zeros(shape), (1, 1), mode=mode)
    assert type(ours.value) is type(theirs.value)


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
@pytest.mark.parametrize("amount", [0, 1, 5])
@pytest.mark.parametrize("nd", [1, 2, 3])
def test_pad_of_a_bool_input_as_torch(torch, mode, amount, nd):
    # PyTorch's reflection/replication kernels have no bool version (NotImplementedError, after
    # the shape checks); gradkit padded bools. Circular padding is a copy: bools pass.
    from oracle import same_as_torch

    def run(L):
        x = L.arange(3 ** nd).reshape((1, 1) + (3,) * nd) % 2 == 0
        return L.nn.functional.pad(x, [amount] * (2 * nd), mode=mode)

    same_as_torch(torch, run)


def test_conv_padding_mode_of_a_bool_input_pads_first_as_torch(torch):
    # a module with padding_mode='reflect' pads before it convolves, even with padding='valid'
    import gradkit as gk

    for L in (torch, gk):
        m = L.nn.Conv3d(1, 2, (1, 3, 1), padding="valid", dilation=2, padding_mode="reflect")
        with pytest.raises(NotImplementedError, match="reflection_pad3d"):
            m(L.ones(1, 1, 5, 4, 5, dtype=L.bool))
