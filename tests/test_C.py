"""``gradkit._C``: the ``torch._C`` names that library code reaches for, against PyTorch's."""

import pytest

import gradkit as gk

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("lib", [gk, torch], ids=["gradkit", "torch"])
def test_linalg_error_caught_as_c_level_class(lib):
    # torchdiffeq's implicit solvers catch a singular Jacobian as torch._C._LinAlgError
    assert lib._C._LinAlgError is lib.linalg.LinAlgError
    assert issubclass(lib._C._LinAlgError, RuntimeError)
    with pytest.raises(lib._C._LinAlgError):
        lib.linalg.solve(lib.zeros(2, 2), lib.ones(2))


@pytest.mark.parametrize("lib", [gk, torch], ids=["gradkit", "torch"])
def test_tracing_state_and_usage_hooks(lib):
    assert lib._C._get_tracing_state() is None
    assert lib._C._log_api_usage_once("python.nn_module") is None
    with pytest.raises(TypeError):
        lib._C._log_api_usage_once(3)
    assert lib._C.Generator is lib.Generator
