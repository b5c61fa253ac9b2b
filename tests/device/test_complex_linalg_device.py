"""linalg.eig/eigvals return complex tensors, which gradkit keeps on the CPU: on a device they
refuse with a NotImplementedError that says how to proceed (they returned a CPU tensor whose
backward failed)."""

import numpy as np
import pytest

import gradkit as gk


@pytest.mark.parametrize("name", ["eig", "eigvals"])
def test_eig_on_a_device_refuses_clearly(cuda, name):
    a = gk.tensor(np.array([[2.0, 1.0], [0.5, 3.0]])).to(cuda)
    with pytest.raises(NotImplementedError, match=r"complex.*\.cpu\(\)"):
        getattr(gk.linalg, name)(a)
    w = gk.linalg.eigvals(a.cpu())
    assert w.is_complex() and not w.is_cuda
