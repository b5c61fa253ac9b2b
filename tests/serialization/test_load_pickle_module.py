"""``load``'s ``weights_only`` default follows PyTorch's: an explicit ``pickle_module`` (as
checkpointing libraries pass, e.g. poutyne's random-state files holding NumPy's and Python's
generator states) means a full unpickle; ``weights_only=True`` with one is refused; without one
the allow-list still applies."""

import io
import pickle
import random

import numpy as np
import pytest

import gradkit as gk
from gradkit._torch_format import WeightsOnlyError


def _states_file():
    buf = io.BytesIO()
    gk.save({"cpu": gk.get_rng_state(), "numpy": np.random.get_state(),
             "python": random.getstate()}, buf, format="torch")
    buf.seek(0)
    return buf


def test_explicit_pickle_module_loads_numpy_and_python_states():
    np.random.seed(5)
    expected = np.random.rand(3)
    np.random.seed(5)
    states = gk.load(_states_file(), pickle_module=pickle)
    np.random.set_state(states["numpy"])
    np.testing.assert_array_equal(np.random.rand(3), expected)
    random.setstate(states["python"])
    assert states["cpu"].dtype == gk.uint8


def test_default_still_refuses_a_numpy_global():
    with pytest.raises(WeightsOnlyError, match="numpy"):
        gk.load(_states_file())


def test_weights_only_true_with_pickle_module_is_refused():
    with pytest.raises(RuntimeError, match="pickle_module"):
        gk.load(_states_file(), pickle_module=pickle, weights_only=True)


def test_same_as_torch():
    torch = pytest.importorskip("torch")
    buf = io.BytesIO()
    torch.save({"numpy": np.random.get_state(), "t": torch.arange(3)}, buf)
    data = buf.getvalue()
    t = torch.load(io.BytesIO(data), pickle_module=pickle)
    g = gk.load(io.BytesIO(data), pickle_module=pickle)
    assert t["numpy"][0] == g["numpy"][0]
    np.testing.assert_array_equal(t["numpy"][1], g["numpy"][1])
    assert g["t"].tolist() == [0, 1, 2]
    with pytest.raises(RuntimeError):
        torch.load(io.BytesIO(data), pickle_module=pickle, weights_only=True)
    with pytest.raises(RuntimeError):
        gk.load(io.BytesIO(data), pickle_module=pickle, weights_only=True)
