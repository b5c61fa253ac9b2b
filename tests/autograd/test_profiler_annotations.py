"""``torch.autograd.profiler.emit_nvtx``/``emit_itt`` as PyTorch's CPU build: the tuning guide's
``emit_nvtx(enabled=False)`` is a no-op context manager, an enabled ``emit_nvtx`` raises its
AssertionError (no CUDA), ``emit_itt`` runs its block."""

import pytest

import gradkit as gk

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("lib", [gk, torch], ids=["gradkit", "torch"])
def test_emit_nvtx_and_itt_as_pytorch_cpu(lib):
    ran = []
    with lib.autograd.profiler.emit_nvtx(enabled=False, record_shapes=True):
        ran.append("nvtx off")
    with pytest.raises(AssertionError, match="CUDA"):
        with lib.autograd.profiler.emit_nvtx():
            ran.append("never")
    with lib.autograd.profiler.emit_itt():
        ran.append("itt")
    assert ran == ["nvtx off", "itt"]
