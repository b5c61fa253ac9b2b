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


@pytest.mark.parametrize("lib", [gk, torch], ids=["gradkit", "torch"])
def test_parse_to_reads_tensor_to_arguments(lib):
    # fastai's DataLoader parses its device with torch._C._nn._parse_to
    p = lib._C._nn._parse_to
    assert p(device="cpu") == (lib.device("cpu"), None, False, None)
    assert p("cpu", lib.float16) == (lib.device("cpu"), lib.float16, False, None)
    assert p(lib.float64, True) == (None, lib.float64, True, None)
    assert p(lib.ones(2, dtype=lib.int32)) == (lib.device("cpu"), lib.int32, False, None)
    assert p(device=None) == (None, None, False, None)
    with pytest.raises(TypeError, match="to\\(\\) received an invalid combination"):
        p(device="cpu", foo=1)


@pytest.mark.parametrize("lib", [gk, torch], ids=["gradkit", "torch"])
def test_flatten_and_unflatten_dense_tensors(lib):
    # fastai's fp16 utilities keep a flat float32 master copy of the parameters
    from importlib import import_module

    utils = import_module(lib.__name__ + "._utils")
    a, b = lib.arange(6.0).view(2, 3), lib.ones(2)
    flat = utils._flatten_dense_tensors([a, b])
    assert flat.tolist() == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 1.0, 1.0]
    parts = utils._unflatten_dense_tensors(flat, [a, b])
    assert type(parts) is tuple and [p.shape for p in parts] == [a.shape, b.shape]
    parts[0][0, 0] = 100.0  # views of the flat tensor
    assert flat[0].item() == 100.0
    assert utils._flatten_dense_tensors([a]).data_ptr() == a.data_ptr()


@pytest.mark.parametrize("lib", [gk, torch], ids=["gradkit", "torch"])
def test_grad_scaler_opt_state(lib):
    from importlib import import_module

    mod = import_module("gradkit.amp" if lib is gk else "torch.amp.grad_scaler")
    assert [s.name for s in mod.OptState] == ["READY", "UNSCALED", "STEPPED"]
    assert mod.OptState.READY.value == 0
    assert mod._refresh_per_optimizer_state() == {"stage": mod.OptState.READY,
                                                  "found_inf_per_device": {}}


@pytest.mark.parametrize("lib", [gk, torch], ids=["gradkit", "torch"])
def test_tensor_meta_is_the_tensor_classes_metaclass(lib):
    # lightning_fabric's lazy checkpoint loader imports torch._C._TensorMeta to annotate with it
    assert isinstance(lib.Tensor, lib._C._TensorMeta)
    assert isinstance(lib.nn.Parameter, lib._C._TensorMeta)
    assert type(lib.Tensor) is lib._C._TensorMeta


@pytest.mark.parametrize("lib", [gk, torch], ids=["gradkit", "torch"])
def test_script_module_and_object_are_the_c_level_classes(lib):
    # pytorch_lightning: ``from torch import ScriptModule, Tensor`` at import
    assert lib.ScriptModule is lib._C.ScriptModule and lib.ScriptObject is lib._C.ScriptObject
    assert not isinstance(lib.nn.Linear(2, 2), lib.ScriptModule)
    assert issubclass(lib.ScriptModule, lib.ScriptObject)
