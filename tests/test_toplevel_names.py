"""torch-level names outside the op registry (broadcast_shapes, unravel_index, DLPack, anomaly
switches, the legacy default tensor type, device modules), checked against PyTorch."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import gradkit as gk
from gradkit import _warnings

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("shapes", [((2, 1), (3,)), (5, (1, 5)), ((), (2, 3)),
                                    ((4, 1, 3), (1, 2, 1)), ((0,), (1,)), ()])
def test_broadcast_shapes_as_pytorch(shapes):
    assert tuple(gk.broadcast_shapes(*shapes)) == tuple(torch.broadcast_shapes(*shapes))
    assert isinstance(gk.broadcast_shapes(*shapes), gk.Size)


@pytest.mark.parametrize("shapes", [((2, 3), (4, 3)), ((-1, 2),)])
def test_broadcast_shapes_errors_as_pytorch(shapes):
    with pytest.raises(Exception) as theirs:
        torch.broadcast_shapes(*shapes)
    with pytest.raises(type(theirs.value)) as ours:
        gk.broadcast_shapes(*shapes)
    assert str(ours.value) == str(theirs.value)


@pytest.mark.parametrize("indices, shape", [([0, 5, 11, -1, 12, -13], (3, 4)), (7, (2, 2, 3)),
                                            ([[1, 2], [3, 4]], (2, 3)), (3, ()), ([4], 5)])
def test_unravel_index_as_pytorch(indices, shape):
    ours = gk.unravel_index(gk.tensor(indices), shape)
    theirs = torch.unravel_index(torch.tensor(indices), shape)
    assert len(ours) == len(theirs)
    for o, t in zip(ours, theirs):
        assert o.dtype == gk.int64 and o.tolist() == t.tolist()


def test_unravel_index_errors():
    with pytest.raises(TypeError, match="integer dtype"):
        gk.unravel_index(gk.tensor([1.5]), (3, 4))
    with pytest.raises(ValueError, match="cannot have negative values"):
        gk.unravel_index(gk.tensor([1]), (3, -4))
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        gk.unravel_index(gk.tensor([1]), (0,))
    with pytest.raises(TypeError, match="wrap it with torch.tensor"):
        gk.unravel_index(5, (3, 4))
    # PyTorch's Python code reads indices.is_complex() first: an AttributeError for anything
    # but a Tensor (op fuzzer seed 42: an int); gradkit's error is both types
    for bad in (5, [1, 2], None):
        with pytest.raises(AttributeError):
            torch.unravel_index(bad, (3, 4))
        with pytest.raises(AttributeError, match="wrap it with torch.tensor"):
            gk.unravel_index(bad, (3, 4))


def test_dlpack_round_trips_share_memory():
    arr = np.arange(4.0)
    t = gk.from_dlpack(arr)
    t[1] = 9.0
    assert arr[1] == 9.0
    assert gk.from_dlpack(gk.to_dlpack(gk.arange(3))).tolist() == [0, 1, 2]
    assert torch.from_dlpack(gk.arange(3.0)).tolist() == [0.0, 1.0, 2.0]
    assert gk.from_dlpack(torch.arange(3)).tolist() == [0, 1, 2]
    with pytest.raises(RuntimeError, match="use tensor.detach"):
        torch.from_dlpack(gk.ones(2, requires_grad=True))
    with pytest.raises(RuntimeError, match="from_dlpack"):
        gk.from_dlpack(object())


def test_anomaly_switches():
    try:
        gk.set_anomaly_enabled(True, check_nan=False)
        assert gk.is_anomaly_enabled() and not gk.is_anomaly_check_nan_enabled()
        assert gk.autograd.is_anomaly_enabled()
        gk.set_anomaly_enabled(True)  # and it is in force: a NaN gradient names its op
        x = gk.tensor([0.0], requires_grad=True)
        with pytest.raises(RuntimeError, match="nan|NaN"):
            gk.sqrt(x * 0.0 - 1.0).sum().backward()
    finally:
        gk.set_anomaly_enabled(False)
    assert not gk.is_anomaly_enabled()


def test_legacy_default_tensor_type():
    _warnings._WARNED.discard("set_default_tensor_type")  # (PyTorch warns once per process)
    try:
        with pytest.warns(UserWarning, match="set_default_tensor_type\\(\\) is deprecated"):
            gk.set_default_tensor_type(gk.DoubleTensor)
        assert gk.get_default_dtype() == gk.float64 and gk.tensor([1.0]).dtype == gk.float64
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            gk.set_default_tensor_type("torch.FloatTensor")
            assert gk.get_default_dtype() == gk.float32
            with pytest.raises(TypeError, match="only floating-point types"):
                gk.set_default_tensor_type(gk.LongTensor)
            with pytest.raises(TypeError, match="invalid type"):
                gk.set_default_tensor_type("torch.NoSuchTensor")
    finally:
        gk.set_default_dtype(gk.float32)


def test_device_modules_and_flags():
    assert gk.get_device_module() is gk.cpu and gk.get_device_module("cuda") is gk.cuda
    assert gk.mps.device_count() == 0 and not gk.xpu.is_available()
    with pytest.raises(RuntimeError, match="meta"):
        gk.get_device_module("meta")
    assert gk.default_generator is gk.random.default_generator
    assert issubclass(gk.OutOfMemoryError, RuntimeError) and gk.GradScaler is gk.amp.GradScaler
    assert gk.set_flush_denormal(True) is False and not gk.is_storage(gk.zeros(1))
    import gradkit.__future__ as fut

    fut.set_swap_module_params_on_conversion(True)
    assert fut.get_swap_module_params_on_conversion()
    fut.set_swap_module_params_on_conversion(False)


def test_sdpa_kernel_choice_is_honoured_as_on_pytorch_s_cpu():
    from gradkit.nn.attention import SDPBackend, sdpa_kernel

    q = gk.randn(1, 2, 3, 4)
    with sdpa_kernel([SDPBackend.MATH, SDPBackend.EFFICIENT_ATTENTION]):
        gk.nn.functional.scaled_dot_product_attention(q, q, q)
    for chosen in ([SDPBackend.EFFICIENT_ATTENTION], [SDPBackend.CUDNN_ATTENTION], []):
        with sdpa_kernel(chosen):
            with pytest.raises(RuntimeError, match="No viable backend"):
                gk.nn.functional.scaled_dot_product_attention(q, q, q)
    gk.nn.functional.scaled_dot_product_attention(q, q, q)  # restored after the block
    with pytest.raises(AssertionError, match="instance of SDPBackend"):
        with sdpa_kernel(3):
            pass
    assert str(SDPBackend.MATH) == str(torch.nn.attention.SDPBackend.MATH)


@pytest.mark.parametrize("name, args", [("uniform", ()), ("normal", ()), ("constant", (0.5,)),
                                        ("xavier_uniform", ()), ("kaiming_normal", ()),
                                        ("orthogonal", ()), ("eye", ())])
def test_deprecated_init_spellings_fill_and_warn_as_pytorch(name, args):
    gk.manual_seed(0)
    w = gk.empty(3, 4)
    with pytest.warns(FutureWarning, match=f"`nn.init.{name}` is now deprecated in favor of "
                                           f"`nn.init.{name}_`"):
        out = getattr(gk.nn.init, name)(w, *args)
    assert out is w
    gk.manual_seed(0)
    ref = getattr(gk.nn.init, name + "_")(gk.empty(3, 4), *args)
    assert w.tolist() == ref.tolist()


def test_data_parallel_runs_the_module_as_it_is():
    lin = gk.nn.Linear(3, 2)
    dp = gk.nn.DataParallel(lin)
    x = gk.randn(4, 3)
    assert dp(x).tolist() == lin(x).tolist() and dp.module is lin
    assert list(dp.state_dict()) == list(torch.nn.DataParallel(torch.nn.Linear(3, 2))
                                         .state_dict())
    assert gk.nn.parallel.data_parallel(lin, x).tolist() == lin(x).tolist()
    with pytest.raises(TypeError, match="must be an nn.Module"):
        gk.nn.DataParallel(lambda v: v)


def test_assert_allclose_legacy_semantics():
    with pytest.warns(FutureWarning, match="assert_allclose\\(\\)` is deprecated"):
        gk.testing.assert_allclose(gk.tensor([1.0, float("nan")]), [1.0, float("nan")])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        gk.testing.assert_allclose(gk.tensor([1, 2]), gk.tensor([1.0, 2.0]))  # dtypes may differ
        with pytest.raises(AssertionError, match="not close"):
            gk.testing.assert_allclose(gk.ones(2), gk.zeros(2))


def test_linearize_functionalize_and_batch_norm_replacement():
    f = lambda x: (x ** 3).sum(0)  # noqa: E731
    out, jvp_fn = gk.func.linearize(f, gk.tensor([1.0, 2.0]))
    tout, tjvp = torch.func.linearize(f, torch.tensor([1.0, 2.0]))
    assert out.item() == tout.item() and jvp_fn(gk.ones(2)).item() == tjvp(torch.ones(2)).item()
    assert gk.func.functionalize(f) is f
    with pytest.raises(RuntimeError, match="invalid argument for remove"):
        gk.func.functionalize(f, remove="everything")
    m = gk.nn.Sequential(gk.nn.Linear(2, 2), gk.nn.BatchNorm1d(2))
    assert gk.func.replace_all_batch_norm_modules_(m) is m
    assert m[1].running_mean is None and not m[1].track_running_stats
    m(gk.randn(4, 2))


def test_package_names_itself_as_pytorch():
    # ``torch.torch`` is the package (kornia annotates with ``torch.torch.Tensor``)
    assert torch.torch is torch
    assert gk.torch is gk and gk.torch.Tensor is gk.Tensor


@pytest.mark.parametrize("name,backend", [("has_cuda", "cuda.is_built"),
                                          ("has_mps", "mps.is_built"),
                                          ("has_cudnn", "cudnn.is_available"),
                                          ("has_mkldnn", "mkldnn.is_available")])
def test_deprecated_has_flags_warn_and_read_the_backend(name, backend):
    # neuralop's tests branch on ``torch.has_cuda``; PyTorch warns and asks the backend
    with pytest.warns(UserWarning, match=f"'{name}' is deprecated, please use .*backends."
                                         f"{backend.replace('.', '[.]')}"):
        value = getattr(gk, name)
    mod, fn = backend.split(".")
    assert value is getattr(getattr(gk.backends, mod), fn)()
    with pytest.warns(UserWarning):
        assert getattr(torch, name) in (True, False)


def test_build_flags_read_without_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert gk.has_lapack is True and gk.has_spectral is True
        assert gk.has_openmp is gk.backends.openmp.is_available()
        assert gk.has_mkl is gk.backends.mkl.is_available()
        assert torch.has_lapack is True and torch.has_spectral is True
