"""``gradkit._foreach_*`` (``torch._foreach_*``): each op applied over a list, against torch."""

import numpy as np
import pytest

import gradkit as gk

torch = pytest.importorskip("torch")


def _lists(n=3):
    rng = np.random.default_rng(0)
    arrs = [rng.uniform(0.5, 2.0, (i + 2, 3)).astype(np.float32) for i in range(n)]
    return ([gk.tensor(a) for a in arrs], [torch.tensor(a) for a in arrs])


def _same(ours, theirs):
    assert len(ours) == len(theirs)
    for o, t in zip(ours, theirs):
        np.testing.assert_allclose(o.numpy(), t.numpy(), rtol=1e-5, atol=1e-6)


CASES = [
    ("_foreach_add", lambda g, o: (o, ), {"alpha": 2}),
    ("_foreach_add", lambda g, o: (1.5,), {}),
    ("_foreach_add", lambda g, o: ([1.0, 2.0, 3.0],), {}),
    ("_foreach_add", lambda g, o: (g.tensor(0.5),), {}),
    ("_foreach_sub", lambda g, o: (o,), {"alpha": 0.5}),
    ("_foreach_mul", lambda g, o: (0.9,), {}),
    ("_foreach_div", lambda g, o: (o,), {}),
    ("_foreach_pow", lambda g, o: (2.0,), {}),
    ("_foreach_maximum", lambda g, o: (o,), {}),
    ("_foreach_clamp_max", lambda g, o: (1.0,), {}),
    ("_foreach_clamp_min", lambda g, o: (1.0,), {}),
    ("_foreach_lerp", lambda g, o: (o, 0.25), {}),
    ("_foreach_lerp", lambda g, o: (o, [0.1, 0.2, 0.3]), {}),
    ("_foreach_addcmul", lambda g, o: (o, o), {"value": 0.5}),
    ("_foreach_addcmul", lambda g, o: (o, o, [1.0, 2.0, 3.0]), {}),
    ("_foreach_addcdiv", lambda g, o: (o, o, g.tensor([1.0, 2.0, 3.0])), {}),
    ("_foreach_sqrt", lambda g, o: (), {}),
    ("_foreach_exp", lambda g, o: (), {}),
    ("_foreach_neg", lambda g, o: (), {}),
    ("_foreach_sigmoid", lambda g, o: (), {}),
    ("_foreach_rsqrt", lambda g, o: (), {}),
]


@pytest.mark.parametrize("name,args,kwargs", CASES, ids=[c[0] for c in CASES])
@pytest.mark.parametrize("inplace", [False, True])
def test_foreach_matches_torch(name, args, kwargs, inplace):
    (ga, ta), (gb, tb) = _lists(), _lists()
    fname = name + "_" if inplace else name
    ours = getattr(gk, fname)(ga, *args(gk, gb), **kwargs)
    theirs = getattr(torch, fname)(ta, *args(torch, tb), **kwargs)
    if inplace:
        assert ours is ga and theirs is ta
    else:
        assert isinstance(ours, tuple) and isinstance(theirs, tuple)
    _same(ours, theirs)
    _same(ga, ta)  # unchanged by the out-of-place form, updated by the in-place one


def test_foreach_reductions_zero_copy_and_scalar_pow():
    (ga, ta), (gb, tb) = _lists(), _lists()
    _same(gk._foreach_norm(ga), torch._foreach_norm(ta))
    _same(gk._foreach_norm(ga, 1), torch._foreach_norm(ta, 1))
    _same(gk._foreach_max(ga), torch._foreach_max(ta))
    _same(gk._foreach_pow(2.0, ga), torch._foreach_pow(2.0, ta))
    gk._foreach_zero_(gb)
    torch._foreach_zero_(tb)
    _same(gb, tb)
    gk._foreach_copy_(gb, ga)
    torch._foreach_copy_(tb, ta)
    _same(gb, tb)


def test_foreach_errors_as_torch():
    ga, ta = _lists()
    for mod, lst in ((gk, ga), (torch, ta)):
        with pytest.raises(RuntimeError, match="same number of tensors"):
            mod._foreach_add(lst, lst[:2])
        with pytest.raises(RuntimeError, match="at least one tensor"):
            mod._foreach_mul([], 2.0)
        with pytest.raises(RuntimeError, match="scalar list"):
            mod._foreach_mul(lst, [1.0])
    with pytest.raises(AttributeError):
        gk._foreach_nonexistent_
    with pytest.raises(AttributeError):
        gk._foreach_norm_


@pytest.mark.parametrize("dtype", ["float32", "float64", "int64"])
@pytest.mark.parametrize("name", ["_foreach_maximum", "_foreach_minimum", "_foreach_maximum_",
                                  "_foreach_minimum_"])
@pytest.mark.parametrize("other", [0.5, 2, float("nan"), [0.5, -1.0]])
def test_foreach_maximum_minimum_take_numbers(name, other, dtype):
    """The Scalar and ScalarList overloads (Adafactor/ADOPT clamp a list with
    ``_foreach_maximum_(xs, eps)``): values, NaN and the result dtype as PyTorch's."""
    vals = [np.array([1, -2, 3]), np.array([0.25, 7])]
    mine = [gk.tensor(v).to(getattr(gk, dtype)) for v in vals]
    theirs = [torch.tensor(v).to(getattr(torch, dtype)) for v in vals]
    try:
        want = getattr(torch, name)(theirs, other)
    except RuntimeError:  # in place, an integer list cannot take a float result
        with pytest.raises(RuntimeError, match="can't be cast"):
            getattr(gk, name)(mine, other)
        return
    got = getattr(gk, name)(mine, other)
    if name.endswith("_"):
        assert got is mine
    for o, t in zip(got, want):
        assert str(o.dtype).split(".")[-1] == str(t.dtype).split(".")[-1]
        np.testing.assert_array_equal(o.numpy(), t.numpy())


@pytest.mark.parametrize("dtype", ["bfloat16", "float16", "float32"])
@pytest.mark.parametrize("name", ["_foreach_mul_", "_foreach_mul", "_foreach_add_",
                                  "_foreach_div_"])
@pytest.mark.parametrize("listed", [False, True])
def test_foreach_number_operand_rounding_as_torch(name, dtype, listed):
    """PyTorch's in-place ``_foreach_mul_`` rounds a number to a half-precision list's dtype
    before multiplying (SCION scales its bf16 Newton-Schulz updates so); the other forms
    multiply by the number itself. Bit for bit."""
    rng = np.random.default_rng(3)
    vals = [rng.uniform(0, 1e-2, 500).astype(np.float32) for _ in range(2)]
    mine = [gk.tensor(v).to(getattr(gk, dtype)) for v in vals]
    theirs = [torch.tensor(v).to(getattr(torch, dtype)) for v in vals]
    s = 2 ** 0.5 * 1e-3 if "mul" in name else 2 ** 0.5
    got = getattr(gk, name)(mine, [s, s] if listed else s)
    want = getattr(torch, name)(theirs, [s, s] if listed else s)
    for o, t in zip(got, want):
        np.testing.assert_array_equal(o.float().numpy(), t.float().numpy())
