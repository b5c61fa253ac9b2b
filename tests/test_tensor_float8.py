"""The 8-bit float dtypes (ml_dtypes' types): casts and finfo against torch."""

import numpy as np
import pytest

import gradkit as gk

torch = pytest.importorskip("torch")
pytest.importorskip("ml_dtypes")

NAMES = ["float8_e4m3fn", "float8_e5m2", "float8_e4m3fnuz", "float8_e5m2fnuz", "float8_e8m0fnu"]
VALUES = [
    0.0,
    1e-9,
    0.07,
    -0.07,
    1.5,
    3.3,
    440.0,
    470.0,
    500.0,
    57344.0,
    70000.0,
    1e6,
    -1e6,
    float("inf"),
    float("-inf"),
    float("nan"),
]


@pytest.mark.parametrize("name", NAMES)
def test_casts_round_and_saturate_as_torch(name):
    ours = gk.tensor(VALUES).to(getattr(gk, name))
    theirs = torch.tensor(VALUES).to(getattr(torch, name))
    assert str(ours.dtype).split(".")[1] == str(theirs.dtype).split(".")[1] == name
    assert ours.dtype.is_floating_point and ours.element_size() == theirs.element_size() == 1
    np.testing.assert_array_equal(ours.float().numpy(), theirs.float().numpy())


@pytest.mark.parametrize("name", NAMES)
def test_finfo_matches_torch(name):
    ours, theirs = gk.finfo(getattr(gk, name)), torch.finfo(getattr(torch, name))
    for field in ("bits", "max", "min", "tiny", "smallest_normal", "resolution"):
        assert getattr(ours, field) == getattr(theirs, field), field
    if (
        name != "float8_e5m2fnuz"
    ):  # PyTorch reports 0.125 where the format's 2 mantissa bits give 0.25
        assert ours.eps == theirs.eps
