"""``gradkit.cuda`` (``torch.cuda`` under ``gradkit run``) on a machine without a GPU: the
queries that PyTorch's CPU build answers (memory counters, empty_cache, seeds, bf16 support)
answer the same, and the ones it refuses (current_device, get_device_name, ...) raise its
AssertionError with a message that says what to do."""

from __future__ import annotations

import pytest

import gradkit as gk

pytestmark = pytest.mark.skipif(gk.cuda.is_available(), reason="checks the CPU-only answers")


def test_memory_queries_and_cache_answer_as_pytorch_without_a_gpu(torch):
    for name in ("memory_allocated", "max_memory_allocated", "memory_reserved",
                 "max_memory_reserved"):
        assert getattr(gk.cuda, name)() == getattr(torch.cuda, name)() == 0
    assert gk.cuda.empty_cache() is None and torch.cuda.empty_cache() is None
    assert gk.cuda.memory_stats() == dict(torch.cuda.memory_stats()) == {}
    gk.cuda.reset_peak_memory_stats()  # (PyTorch's CPU build fails here: gradkit answers)
    assert gk.cuda.is_bf16_supported() is torch.cuda.is_bf16_supported() is False
    assert gk.cuda.get_arch_list() == torch.cuda.get_arch_list() == []
    assert gk.cuda.is_initialized() is torch.cuda.is_initialized() is False
    assert gk.cuda.seed() is None and gk.cuda.seed_all() is None


@pytest.mark.parametrize("call", [
    lambda m: m.cuda.current_device(),
    lambda m: m.cuda.get_device_name(0),
    lambda m: m.cuda.get_device_capability(),
    lambda m: m.cuda.get_device_properties(0),
    lambda m: m.cuda.get_device_properties(m.device("cuda")),
])
def test_device_queries_raise_pytorchs_assertion_error_without_a_gpu(torch, call):
    with pytest.raises(AssertionError):
        call(torch)
    with pytest.raises(AssertionError, match="no CUDA device.*cpu"):
        call(gk)


def test_set_device_says_there_is_no_gpu():
    with pytest.raises(AssertionError, match="set_device.*no CUDA device"):
        gk.cuda.set_device(0)


def test_legacy_cuda_tensor_types_are_nameable_and_refuse_to_construct_as_pytorch(torch):
    # old GAN/VAE code writes `Tensor = torch.cuda.FloatTensor` and calls it only on a GPU
    for name in ("FloatTensor", "DoubleTensor", "LongTensor", "ByteTensor", "BoolTensor"):
        ours, theirs = getattr(gk.cuda, name), getattr(torch.cuda, name)
        assert repr(ours) == repr(theirs) == f"<class 'torch.cuda.{name}'>"
        assert ours.dtype == getattr(gk, name).dtype and ours.is_cuda
        x, y = gk.zeros(2, dtype=ours.dtype), torch.zeros(2, dtype=theirs.dtype)
        assert isinstance(x, ours) is isinstance(y, theirs) is False
        assert isinstance(x, getattr(gk, name)) is isinstance(y, getattr(torch, name)) is True
        for make in (lambda m: m(2), lambda m: m([1, 0]), lambda m: m()):
            with pytest.raises(TypeError, match=f"type torch.cuda.{name} not available"):
                make(theirs)
            with pytest.raises(TypeError, match=f"type torch.cuda.{name} not available.*cpu"):
                make(ours)
    with pytest.raises(AttributeError, match="NoSuchTensor"):
        gk.cuda.NoSuchTensor  # noqa: B018


def test_legacy_cuda_tensor_types_make_and_check_device_tensors(cuda):
    x = gk.cuda.FloatTensor([1.5, -2.0])
    assert x.is_cuda and x.dtype == gk.float32 and x.tolist() == [1.5, -2.0]
    assert isinstance(x, gk.cuda.FloatTensor) and not isinstance(x, gk.FloatTensor)
    assert gk.cuda.LongTensor(2, 3).shape == (2, 3) and gk.cuda.LongTensor(2, 3).is_cuda
    y = gk.tensor([1.7, -2.2]).type(gk.cuda.LongTensor)
    assert y.is_cuda and y.dtype == gk.int64 and y.tolist() == [1, -2]
    back = y.type(gk.FloatTensor)  # a CPU type brings the tensor back, as PyTorch's
    assert not back.is_cuda and back.dtype == gk.float32


def test_stream_event_and_graph_types_exist_and_refuse_as_pytorch_without_a_gpu(torch):
    for name in ("Stream", "Event", "CUDAGraph", "graph"):
        assert isinstance(getattr(gk.cuda, name), type)
        assert isinstance(getattr(torch.cuda, name), type)
    for ours, theirs in ((gk.cuda.Stream, torch.cuda.Stream), (gk.cuda.Event, torch.cuda.Event),
                         (gk.cuda.CUDAGraph, torch.cuda.CUDAGraph)):
        with pytest.raises(RuntimeError):
            theirs()
        with pytest.raises(RuntimeError, match="CUDA"):
            ours()


@pytest.mark.parametrize("name", ["reset_max_memory_allocated", "reset_max_memory_cached"])
def test_deprecated_peak_resets_warn_and_reset_every_peak(torch, name):
    assert callable(getattr(torch.cuda, name))
    gk.cuda._PEAK["allocated"] = gk.cuda._PEAK["reserved"] = 7
    with pytest.warns(FutureWarning, match=f"{name} now calls .*reset_peak_memory_stats"):
        getattr(gk.cuda, name)()
    assert gk.cuda._PEAK == {"allocated": 0, "reserved": 0}


def test_device_properties_read_cupys_property_dict():
    """``get_device_properties`` on a GPU: CuPy's ``getDeviceProperties`` dict read into the
    fields PyTorch's ``_CudaDeviceProperties`` has (checked here without a GPU)."""
    from gradkit.cuda import _CudaDeviceProperties

    p = _CudaDeviceProperties({"name": b"NVIDIA H100", "major": 9, "minor": 0,
                               "totalGlobalMem": 80 * 1024 ** 3, "multiProcessorCount": 132})
    assert (p.name, p.major, p.minor, p.total_memory, p.multi_processor_count) == (
        "NVIDIA H100", 9, 0, 80 * 1024 ** 3, 132)
    assert repr(p) == ("_CudaDeviceProperties(name='NVIDIA H100', major=9, minor=0, "
                       "total_memory=81920MB, multi_processor_count=132)")
def test_rng_states_answer_as_pytorchs_cpu_build(torch):
    # lightning's isolate_rng saves torch.cuda.get_rng_state_all() and restores it around fit
    assert gk.cuda.get_rng_state_all() == torch.cuda.get_rng_state_all() == []
    assert gk.cuda.set_rng_state_all([]) is None and torch.cuda.set_rng_state_all([]) is None
    assert gk.cuda.set_rng_state(gk.zeros(4, dtype=gk.uint8)) is None
    assert torch.cuda.set_rng_state(torch.zeros(4, dtype=torch.uint8)) is None
    for lib in (torch, gk):
        with pytest.raises(AssertionError):
            lib.cuda.get_rng_state()
def test_rng_state_all_is_empty_and_single_state_refused_as_pytorch_without_a_gpu(torch):
    # checkpointing code (poutyne's ModelCheckpoint) saves and restores every GPU's state
    assert gk.cuda.get_rng_state_all() == torch.cuda.get_rng_state_all() == []
    assert gk.cuda.set_rng_state_all([]) is None and torch.cuda.set_rng_state_all([]) is None
    with pytest.raises(AssertionError):
        torch.cuda.get_rng_state()
    with pytest.raises(AssertionError, match="get_rng_state.*no CUDA device"):
        gk.cuda.get_rng_state()
