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
])
def test_device_queries_raise_pytorchs_assertion_error_without_a_gpu(torch, call):
    with pytest.raises(AssertionError):
        call(torch)
    with pytest.raises(AssertionError, match="no CUDA device.*cpu"):
        call(gk)


def test_set_device_says_there_is_no_gpu():
    with pytest.raises(AssertionError, match="set_device.*no CUDA device"):
        gk.cuda.set_device(0)
