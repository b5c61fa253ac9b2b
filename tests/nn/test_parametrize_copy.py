"""Copying and pickling parametrized modules, as PyTorch: ``copy.deepcopy`` works (what
``AveragedModel``, EMA teachers and ``deepcopy(model)`` checkpoints do), pickling refuses with
PyTorch's RuntimeError that points at ``state_dict``."""

import copy
import pickle

import numpy as np
import pytest

import gradkit as gk


def _weight_norm_linear(lib):
    lib.manual_seed(0)
    return lib.nn.utils.parametrizations.weight_norm(lib.nn.Linear(3, 2))


@pytest.mark.parametrize("make", [
    _weight_norm_linear,
    lambda lib: lib.nn.utils.parametrizations.orthogonal(lib.nn.Linear(3, 3)),
    lambda lib: lib.nn.utils.parametrizations.spectral_norm(lib.nn.Linear(4, 3)),
])
def test_deepcopy_of_a_parametrized_module_is_independent(make):
    m = make(gk)
    c = copy.deepcopy(m)
    assert type(c) is type(m) and type(c).__name__.startswith("Parametrized")
    np.testing.assert_array_equal(c.weight.detach().numpy(), m.weight.detach().numpy())
    before = m.weight.detach().numpy().copy()
    with gk.no_grad():
        for p in c.parameters():
            p.mul_(2.0)
    np.testing.assert_array_equal(m.weight.detach().numpy(), before)  # the original untouched


def test_averaged_model_of_a_weight_normed_model_trains_as_pytorch():
    torch = pytest.importorskip("torch")

    def run(lib):
        lib.manual_seed(0)
        m = lib.nn.Sequential(lib.nn.Linear(4, 8), lib.nn.Tanh(), lib.nn.Linear(8, 1))
        m[0] = lib.nn.utils.parametrizations.weight_norm(m[0])
        swa = lib.optim.swa_utils.AveragedModel(m)
        opt = lib.optim.SGD(m.parameters(), lr=0.1)
        x = lib.randn(16, 4)
        for _ in range(3):
            opt.zero_grad()
            m(x).pow(2).mean().backward()
            opt.step()
            swa.update_parameters(m)
        return swa(x).detach().double().numpy()

    np.testing.assert_allclose(run(gk), run(torch), rtol=1e-6, atol=1e-7)


def test_pickling_a_parametrized_module_says_to_use_state_dict():
    torch = pytest.importorskip("torch")
    for lib in (gk, torch):
        with pytest.raises(RuntimeError, match="state_dict"):
            pickle.dumps(_weight_norm_linear(lib))
