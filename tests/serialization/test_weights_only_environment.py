"""``TORCH_FORCE_WEIGHTS_ONLY_LOAD`` and ``TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD`` as PyTorch's
``load`` honours them: the first forces the allow-list even against ``weights_only=False``,
the second lifts it only where the caller left ``weights_only`` unset (with PyTorch's
warning), both together are PyTorch's RuntimeError. A file holding a pickled object outside
the allow-list tells them apart; PyTorch is the oracle."""

from __future__ import annotations

import pickle
import warnings

import pytest

import gradkit as gk

torch = pytest.importorskip("torch")


class Opaque:
    """A global outside the weights_only allow-list."""

    def __init__(self):
        self.v = 3


ENVIRONMENTS = {
    "none": {},
    "force": {"TORCH_FORCE_WEIGHTS_ONLY_LOAD": "1"},
    "force_no": {"TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD": "true"},
    "force_no_yes": {"TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD": "YES"},
    "force_zero": {"TORCH_FORCE_WEIGHTS_ONLY_LOAD": "0"},
    "both": {"TORCH_FORCE_WEIGHTS_ONLY_LOAD": "1", "TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD": "1"},
}


def _outcome(lib, path, kwargs):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            r = lib.load(path, **kwargs)
            result = ("loaded", sorted(r))
        except pickle.UnpicklingError:
            result = ("refused",)
        except RuntimeError as e:
            result = ("RuntimeError", "both were set" in str(e))
    forced = any("TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD detected" in str(w.message) for w in caught)
    return result, forced


@pytest.mark.parametrize("weights_only", [None, False, True])
@pytest.mark.parametrize("env", sorted(ENVIRONMENTS))
def test_force_environment_variables_as_torch(env, weights_only, tmp_path, monkeypatch):
    path = str(tmp_path / "ck.pt")
    torch.save({"w": torch.arange(4.0), "thing": Opaque()}, path)
    for name in ("TORCH_FORCE_WEIGHTS_ONLY_LOAD", "TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD"):
        monkeypatch.delenv(name, raising=False)
    for name, value in ENVIRONMENTS[env].items():
        monkeypatch.setenv(name, value)
    kwargs = {} if weights_only is None else {"weights_only": weights_only}
    assert _outcome(gk, path, kwargs) == _outcome(torch, path, kwargs)
