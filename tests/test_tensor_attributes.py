"""Programs' own attributes on tensors and parameters (``param._is_hf_initialized = True``), kept
through deepcopy and pickling of tensors, as PyTorch keeps them."""

import copy
import pickle

import pytest

import gradkit as gk


@pytest.mark.parametrize(
    "make", [lambda m: m.ones(2), lambda m: m.nn.Parameter(m.ones(2))], ids=["tensor", "parameter"]
)
def test_own_attributes_are_set_and_kept_as_torch(make):
    torch = pytest.importorskip("torch")
    for mod in (gk, torch):
        t = make(mod)
        t._is_hf_initialized = True
        assert t._is_hf_initialized is True
        # a deep copy keeps them on tensors; a Parameter's copies only data and requires_grad
        kept = hasattr(copy.deepcopy(t), "_is_hf_initialized")
        assert kept == (not isinstance(t, mod.nn.Parameter))
        assert not hasattr(make(mod), "_is_hf_initialized")
    t = make(gk)
    t.flag = 3
    assert type(copy.deepcopy(t)) is type(t)
    if not isinstance(t, gk.nn.Parameter):
        assert pickle.loads(pickle.dumps(t)).flag == 3


def test_del_grad_clears_it_as_pytorch():
    """``del p.grad`` (pytorch_optimizer's gradient hooks free a gradient so) sets it to None,
    on a Parameter and on a plain leaf, and backward then fills it again."""
    p = gk.nn.Parameter(gk.ones(2))
    (p * 3).sum().backward()
    del p.grad
    assert p.grad is None
    (p * 3).sum().backward()
    assert p.grad.tolist() == [3.0, 3.0]
    t = gk.ones(2, requires_grad=True)
    t.grad = gk.zeros(2)
    del t.grad
    assert t.grad is None
