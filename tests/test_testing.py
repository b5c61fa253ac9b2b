"""gradkit.testing.assert_close and make_tensor against torch.testing: the same verdicts,
tolerances and message layout on the same data."""

import numpy as np
import pytest

import gradkit as gk
from gradkit.testing import assert_close, make_tensor

torch = pytest.importorskip("torch")


def _message(fn, *args, **kw):
    try:
        fn(*args, **kw)
    except AssertionError as e:
        return str(e)
    return None


CASES = [
    (np.array([1.0, 2.0, 3.0], np.float32), np.array([1.0, 2.5, 3.1], np.float32), {}),
    (np.array([1.0, 2.0]), np.array([1.0, 2.0 + 1e-8]), {}),       # float64 tolerance: close
    (np.array([1.0, 2.0]), np.array([1.0, 2.0 + 1e-6]), {}),       # not close in float64
    (np.array([1.0, 2.0], np.float32), np.array([1.0, 2.0 + 1e-6], np.float32), {}),
    (np.array([1, 2]), np.array([1, 3]), {}),
    (np.array([True, False]), np.array([True, True]), {}),
    (np.array([np.nan, 1.0]), np.array([np.nan, 1.0]), {}),
    (np.array([np.nan, 1.0]), np.array([np.nan, 1.0]), {"equal_nan": True}),
    (np.array([np.inf, 1.0]), np.array([np.inf, 1.0]), {}),
    (np.array([np.inf, 1.0]), np.array([-np.inf, 1.0]), {}),
    (np.array(1.0, np.float32), np.array(1.1, np.float32), {}),
    (np.array([[1.0, 5.0], [3.0, 0.0]]), np.array([[1.1, 5.0], [3.0, 1.0]]), {}),
    (np.array([1.0, 2.0]), np.array([1.05, 2.0]), {"rtol": 0.1, "atol": 0.0}),
    (np.array([1.0, 2.0]), np.array([1.05, 2.0]), {"rtol": 0.0, "atol": 0.01}),
    (np.array([1.0, 2.0], np.float16), np.array([1.0005, 2.0], np.float16), {}),
]


@pytest.mark.parametrize("a,e,kw", CASES)
def test_verdict_and_message_match_torch(a, e, kw):
    mine = _message(assert_close, gk.tensor(a), gk.tensor(e), **kw)
    theirs = _message(torch.testing.assert_close, torch.tensor(a), torch.tensor(e), **kw)
    assert mine == theirs


def test_attribute_mismatches_and_containers():
    pairs = [
        ((gk.zeros(2), gk.zeros(3)), (torch.zeros(2), torch.zeros(3)), {}),
        ((gk.tensor([1, 2]), gk.tensor([1.0, 2.0])),
         (torch.tensor([1, 2]), torch.tensor([1.0, 2.0])), {}),
        (([gk.zeros(2), gk.ones(2)], [gk.zeros(2), gk.zeros(2)]),
         ([torch.zeros(2), torch.ones(2)], [torch.zeros(2), torch.zeros(2)]), {}),
        (({"a": gk.ones(1)}, {"a": gk.zeros(1)}), ({"a": torch.ones(1)}, {"a": torch.zeros(1)}),
         {}),
        ((1.0, 1.1), (1.0, 1.1), {}),
        ((2, 2), (2, 2), {}),
        ((gk.zeros(2, 2), gk.ones(2, 2)), (torch.zeros(2, 2), torch.ones(2, 2)),
         {"msg": "custom"}),
    ]
    for (ga, ge), (ta, te), kw in pairs:
        mine = _message(assert_close, ga, ge, **kw)
        theirs = _message(torch.testing.assert_close, ta, te, **kw)
        mine = mine and mine.replace("gradkit.", "torch.")
        assert mine == theirs
    assert_close(gk.tensor([1, 2]), gk.tensor([1.0, 2.0]), check_dtype=False)
    with pytest.raises(AssertionError, match="stride"):
        assert_close(gk.zeros(2, 3), gk.zeros(3, 2).t(), check_stride=True)
    assert_close(gk.zeros(2, 3), gk.zeros(3, 2).t())
    with pytest.raises(AssertionError, match="^wrapped: Tensor-likes"):
        assert_close(gk.ones(2), gk.ones(2) * 2, msg=lambda m: "wrapped: " + m)
    with pytest.raises(TypeError, match="No comparison pair"):
        assert_close(gk.tensor([1.0]), 1.0)
    with pytest.raises(ValueError, match="no atol"):
        assert_close(gk.tensor([1.0]), gk.tensor([1.0]), rtol=1e-3)


def test_attribute_messages_print_as_torch_under_gradkit_run():
    # a program run with `gradkit run` prints the AssertionError: torch.Size / torch.int64 there
    from gradkit.compat.runner import torch_style

    torch_style(True)
    try:
        for (ga, ge), (ta, te) in [((gk.zeros(2, 3), gk.zeros(3, 2)),
                                    (torch.zeros(2, 3), torch.zeros(3, 2))),
                                   ((gk.tensor([1, 2]), gk.tensor([1.0, 2.0])),
                                    (torch.tensor([1, 2]), torch.tensor([1.0, 2.0])))]:
            assert _message(assert_close, ga, ge) == _message(torch.testing.assert_close, ta, te)
    finally:
        torch_style(False)


@pytest.mark.parametrize("dtype,lo,hi", [(gk.float32, -9, 9), (gk.float64, -9, 9),
                                         (gk.int64, -9, 9), (gk.uint8, 0, 9)])
def test_make_tensor_ranges_and_options(dtype, lo, hi):
    t = make_tensor(50, 4, dtype=dtype, device="cpu")
    assert tuple(t.shape) == (50, 4) and t.dtype == dtype
    v = t.numpy()
    assert v.min() >= lo and v.max() <= hi
    t = make_tensor((3, 4), dtype=dtype, low=2, high=5, noncontiguous=True, exclude_zero=True)
    assert tuple(t.shape) == (3, 4) and not t.is_contiguous()
    assert (t.numpy() >= 2).all() and (t.numpy() <= 5).all()
    z = make_tensor(200, dtype=dtype, low=-1, high=1, exclude_zero=True).numpy()
    assert (z != 0).all()


def test_make_tensor_grad_and_bool():
    t = make_tensor(3, dtype=gk.float32, requires_grad=True)
    assert t.requires_grad and t.is_leaf
    b = make_tensor(100, dtype=gk.bool)
    assert b.dtype == gk.bool and 0 < int(b.sum()) < 100
    with pytest.raises(ValueError, match="requires_grad"):
        make_tensor(3, dtype=gk.int64, requires_grad=True)
    with pytest.raises(ValueError, match="low must be less"):
        make_tensor(3, dtype=gk.float32, low=2, high=1)


@pytest.mark.parametrize("name", ["float32", "float64", "float16", "bfloat16", "complex64",
                                  "complex128", "int64", "uint8", "bool"])
@pytest.mark.parametrize("noncontiguous", [False, True])
def test_make_tensor_draws_pytorchs_values(name, noncontiguous):
    # the same values as torch.testing.make_tensor from the same seed (complex dtypes, which
    # raised, included), the generator left where PyTorch's leaves it
    torch = pytest.importorskip("torch")
    kinds = [{}] if name in ("int64", "uint8", "bool") else [{}, {"low": -1, "high": 1}]
    for kw in kinds:
        made = []
        for lib in (gk, torch):
            lib.manual_seed(0)
            t = lib.testing.make_tensor((2, 3), dtype=getattr(lib, name), device="cpu",
                                        noncontiguous=noncontiguous, **kw)
            made.append((t.to(lib.complex128).tolist(), t.is_contiguous(), lib.rand(1).item()))
        assert made[0] == made[1]


@pytest.mark.parametrize("dtype,rel", [("complex64", 1e-7), ("complex128", 5e-8)])
def test_assert_close_complex_defaults_are_pytorchs(dtype, rel):
    # complex tensors take their real dtype's default tolerances (complex64: rtol 1.3e-6,
    # atol 1e-5), not exact equality
    torch = pytest.importorskip("torch")
    a = np.array([1 + 2j, -3 + 0.5j, 2j], dtype=dtype)
    b = a * (1 + rel)
    torch.testing.assert_close(torch.from_numpy(a), torch.from_numpy(b))
    gk.testing.assert_close(gk.from_numpy(a), gk.from_numpy(b))
    with pytest.raises(AssertionError):
        gk.testing.assert_close(gk.from_numpy(a), gk.from_numpy(a * (1 + 1e-3)))
