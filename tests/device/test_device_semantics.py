"""Device bookkeeping: placement, transfers, mixed-device errors, gradients across devices."""

import numpy as np
import pytest

import gradkit as gk
from gradkit import _backend


def test_cpu_is_default_and_cuda_unavailable_error_is_clear(monkeypatch):
    x = gk.ones(2)
    assert x.device == gk.device("cpu") and str(x.device) == "cpu" and not x.is_cuda
    if _backend.has_cupy():
        pytest.skip("a CUDA device is present")
    assert gk.cuda.is_available() is False
    with pytest.raises(RuntimeError, match="CUDA is not available.*gradkit\\[cuda\\]"):
        x.to("cuda")


def test_device_parsing():
    assert gk.device("cuda:1").index == 1
    with pytest.raises(RuntimeError, match="Expected one of cpu, cuda"):
        gk.device("tpu")
    with pytest.raises(RuntimeError, match="Invalid device string"):  # PyTorch: RuntimeError
        gk.device("cuda:x")


@pytest.mark.parametrize("a", ["cpu", "cuda", "cuda:0", "cuda:1", "meta"])
@pytest.mark.parametrize("b", ["cpu", "cuda", "cuda:0", "cuda:1", "meta"])
def test_device_equality_and_hash_as_torch(a, b):
    """PyTorch compares type and index: ``device("cuda") != device("cuda:0")``."""
    torch = pytest.importorskip("torch")
    ta, tb = torch.device(a), torch.device(b)
    ga, gb = gk.device(a), gk.device(b)
    assert (ga == gb, ga != gb) == (ta == tb, ta != tb)
    assert (hash(ga) == hash(gb)) is (hash(ta) == hash(tb))
    assert len({ga, gb}) == len({ta, tb})


def test_moving_to_the_device_a_tensor_is_on_keeps_it(cuda):
    """``'cuda'`` names device 0 where gradkit puts it: ``.to("cuda")`` of a tensor on cuda:0
    and ``module.to("cuda")``/``.cuda()`` leave it where it is (no copy), though the devices
    differ by ``==``."""
    x = gk.ones(2).to("cuda:0")
    assert x.to("cuda") is x and x.to(gk.device("cuda")) is x
    m = gk.nn.Linear(2, 2).to("cuda:0")
    w = m.weight
    assert m.to("cuda").weight is w and m.cuda().weight is w


def test_to_a_string_is_always_a_device():
    """As PyTorch: ``t.to("float32")`` names a device, not a dtype, and raises RuntimeError."""
    torch = pytest.importorskip("torch")
    for mod in (gk, torch):
        with pytest.raises(RuntimeError):
            mod.ones(2).to("float32")
        with pytest.raises(RuntimeError):
            mod.nn.Linear(2, 2).to("float64")
    assert gk.ones(2).to("cpu", gk.float64).dtype == gk.float64


def test_a_bare_index_is_the_accelerator_device():
    """As PyTorch: ``device(0)``, ``x.to(0)``, ``model.to(rank)`` name the accelerator's device
    0 (the DDP tutorial's ``model.to(gpu_id)``); without one it is a RuntimeError, not a dtype
    error (before: TypeError "expected a dtype ..., got 0")."""
    if _backend.has_cupy():
        pytest.skip("a CUDA device is present")
    torch = pytest.importorskip("torch")
    for mod in (gk, torch):
        for make in (lambda m: m.device(0), lambda m: m.ones(2).to(0),
                     lambda m: m.ones(2).to(device=0), lambda m: m.nn.Linear(2, 2).to(0)):
            with pytest.raises(RuntimeError, match="Cannot access accelerator device"):
                make(mod)
        with pytest.raises(RuntimeError, match="must not be negative"):
            mod.device(-1)


def test_a_bare_index_moves_to_that_cuda_device(cuda):
    assert gk.device(1) == gk.device("cuda:1")
    x = gk.ones(2).to(0)
    assert x.is_cuda and x.device == gk.device("cuda:0")
    model = gk.nn.Linear(2, 2).to(0)
    assert model.weight.is_cuda
    assert gk.ones(2).to(0, gk.float64).dtype == gk.float64


def test_placement_and_round_trip(cuda):
    x = gk.randn(3, 4)
    y = x.to(cuda)
    assert y.is_cuda and y.device == gk.device("cuda:0")
    np.testing.assert_array_equal(y.cpu().numpy(), x.numpy())
    z = gk.zeros(2, 3, device=cuda)
    assert z.is_cuda and z.dtype == gk.float32
    assert gk.zeros_like(z).is_cuda


def test_mixed_device_error_names_both_devices(cuda):
    a = gk.ones(3, device=cuda)
    b = gk.ones(3)
    with pytest.raises(RuntimeError, match="cuda:0 and cpu"):
        a + b
    # a 0-d CPU tensor acts as a scalar, as in PyTorch
    assert (a * gk.tensor(2.0)).is_cuda


def test_gradients_flow_across_a_transfer(cuda):
    x = gk.randn(4, requires_grad=True)
    y = (x.to(cuda) * 3).sum()
    y.backward()
    assert not x.grad.is_cuda
    np.testing.assert_allclose(x.grad.numpy(), np.full(4, 3.0))


def test_numpy_on_cuda_tensor_refuses(cuda):
    with pytest.raises(TypeError, match="cpu"):
        gk.ones(2, device=cuda).numpy()


def test_device_as_a_context_manager_sets_the_default_device(torch):
    # `with torch.device("cpu"):` around model construction, as PyTorch 2 code writes it
    for lib in (gk, torch):
        with lib.device("cpu") as d:
            assert d == lib.device("cpu") and lib.get_default_device() == lib.device("cpu")
            m = lib.nn.Linear(2, 3)
        assert m.weight.device == lib.device("cpu") and lib.zeros(1).device.type == "cpu"
    with gk.device("meta"):  # (the meta device: tests/device/test_meta_device.py)
        assert gk.zeros(1).is_meta
    assert gk.get_default_device() == gk.device("cpu")  # restored after the block


def test_device_compared_with_another_backends_name_is_unequal_not_an_error(torch):
    # accelerate's send_to_device asks `device == "npu"` of every batch
    for name in ("npu", "xla", "mps", "hpu", "npu:0"):
        assert (gk.device("cpu") == name) is False and (torch.device("cpu") == name) is False
        assert gk.device("cpu") != name


def test_comparing_a_device_with_any_string_never_raises():
    """Stable-Baselines3-style ``if device == "auto":`` on a device: PyTorch answers False;
    gradkit raised its unknown-device RuntimeError."""
    torch = pytest.importorskip("torch")
    for s in ("auto", "", "tpu", "cuda:x"):
        for mod in (gk, torch):
            d = mod.device("cpu")
            assert (d == s) is False and (d != s) is True and (s == d) is False


@pytest.mark.parametrize("name", ["mps", "xpu:1", "hpu", "meta", "xla:0"])
def test_every_pytorch_device_type_names_a_device_as_torch(name):
    """peft compares with ``torch.device("mps")``: PyTorch names any of its device types on any
    build; gradkit raised "Expected one of cpu, cuda"."""
    torch = pytest.importorskip("torch")
    d, t = gk.device(name), torch.device(name)
    assert (d.type, d.index, str(d), repr(d)) == (t.type, t.index, str(t), repr(t))
    assert (gk.device("cpu") == d) is (torch.device("cpu") == t) is False


@pytest.mark.parametrize("name", ["mps", "xpu", "hpu:0"])
def test_tensors_on_a_device_gradkit_lacks_raise_saying_what_to_use(name):
    for place in (lambda: gk.zeros(2, device=name), lambda: gk.ones(2).to(name),
                  lambda: gk.nn.Linear(2, 2).to(name)):
        with pytest.raises(RuntimeError, match=f"no {name.split(':')[0]} device.*'cpu'"):
            place()
    with pytest.raises(RuntimeError, match="set_default_device.*no"):
        gk.set_default_device(name)
    assert gk.get_default_device() == gk.device("cpu")


def test_a_device_never_equals_a_string_even_its_own_name_as_torch(torch):
    """``if x.device == "cpu":`` takes PyTorch's branch (False); gradkit compared equal."""
    for lib in (gk, torch):
        x = lib.zeros(2)
        for name in ("cpu", "cpu:0", "cuda", "meta"):
            assert (x.device == name) is False and (name == x.device) is False
            assert (x.device != name) is True
        assert x.device == lib.device("cpu") and x.device.type == "cpu"
        assert lib.device("cpu") in {lib.device("cpu")} and "cpu" not in {x.device}
