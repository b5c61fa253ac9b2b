"""The 'meta' device: ``gradkit.device('meta')`` exists (as torch's), but gradkit has no
shape-only tensors, so making or moving a tensor there raises NotImplementedError naming the
alternative (never an unrelated 'Expected one of cpu, cuda' error)."""

from __future__ import annotations

import pytest

import gradkit as gk

torch = pytest.importorskip("torch")

MAKERS = {
    "Tensor.to": lambda lib: lib.ones(2).to("meta"),
    "Tensor.to(device=)": lambda lib: lib.ones(2).to(device=lib.device("meta")),
    "empty": lambda lib: lib.empty(2, 3, device="meta"),
    "zeros": lambda lib: lib.zeros(2, device="meta"),
    "randn": lambda lib: lib.randn(2, device="meta"),
    "tensor": lambda lib: lib.tensor([1.0], device="meta"),
    "Linear(device=)": lambda lib: lib.nn.Linear(2, 3, device="meta"),
    "Module.to": lambda lib: lib.nn.Linear(2, 3).to("meta"),
}


def test_the_device_reads_as_torch():
    assert repr(gk.device("meta")) == repr(torch.device("meta")) == "device(type='meta')"
    assert gk.device("meta") == "meta"
    assert gk.device("cpu") != "meta"
    assert str(gk.device("meta")) == "meta"


@pytest.mark.parametrize("name", sorted(MAKERS))
def test_meta_tensors_raise_not_implemented_with_the_alternative(name):
    t = MAKERS[name](torch)
    assert t is not None  # torch makes them
    with pytest.raises(NotImplementedError, match="no 'meta' device.*numel"):
        MAKERS[name](gk)
