"""constant_pad_nd and F.pad: the fuzzer's findings (tests/fuzz), each against PyTorch."""

import numpy as np
import pytest

import gradkit as gk
import gradkit.nn.functional as GF

torch = pytest.importorskip("torch")
TF = torch.nn.functional


def same_error(fn, *arrays):
    """``fn(lib, *tensors)`` raises in PyTorch and gradkit the same exception type."""
    with pytest.raises(Exception) as te:
        fn(torch, *[torch.tensor(a) for a in arrays])
    with pytest.raises(type(te.value)):
        fn(gk, *[gk.tensor(a) for a in arrays])


@pytest.mark.parametrize("shape, pad", [((), [1, 2]), ((), [-1, 1, 0, 2]),
                                        ((2, 3, 0), [-1, 1, 0, 2]), ((2, 3), [-2, -2]),
                                        ((3,), [1, 2, 3])])
@pytest.mark.parametrize("face", ["constant_pad_nd", "pad"])
def test_bad_pad_raises_like_torch(shape, pad, face):
    x = np.random.default_rng(0).standard_normal(shape)
    if face == "pad":
        same_error(lambda m, t: (TF if m is torch else GF).pad(t, pad), x)
    else:
        same_error(lambda m, t: m.constant_pad_nd(t, pad), x)


@pytest.mark.parametrize("dtype, value", [("int64", float("nan")), ("int64", 1e30),
                                          ("uint8", 300), ("float16", 1e6)])
def test_constant_pad_nd_value_out_of_range(dtype, value):
    same_error(lambda m, t: m.constant_pad_nd(t, [1, 2], value), np.zeros((2, 3), dtype))


@pytest.mark.parametrize("dtype, value", [("int64", 2.5), ("uint8", -1), ("bool", 2.5)])
def test_constant_pad_nd_value_in_range(dtype, value):
    a = np.ones((2, 3), dtype)
    g = gk.constant_pad_nd(gk.tensor(a), [1, 2], value)
    t = torch.constant_pad_nd(torch.tensor(a), [1, 2], value)
    np.testing.assert_array_equal(g.numpy(), t.numpy())


def test_constant_pad_nd_of_a_list_is_a_type_error():
    with pytest.raises(TypeError):
        torch.constant_pad_nd([[1.0, 2.0]], [1, 2])
    with pytest.raises(TypeError, match="must be Tensor"):
        gk.constant_pad_nd([[1.0, 2.0]], [1, 2])


@pytest.mark.parametrize("mode, shape, pad", [("circular", (2, 3, 5), (7, 0)),
                                              ("reflect", (1, 2, 3, 5), (1, 1)),
                                              ("replicate", (2, 3, 5), (-4, -1))])
def test_pad_modes_raise_like_torch(mode, shape, pad):
    x = np.random.default_rng(0).standard_normal(shape)
    same_error(lambda m, t: (TF if m is torch else GF).pad(t, pad, mode=mode), x)
