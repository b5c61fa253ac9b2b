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
