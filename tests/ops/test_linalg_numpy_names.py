"""The hand-written linalg norms, ``linalg.cross``/``vecdot`` and ``F.cosine_similarity``/
``F.pairwise_distance`` take NumPy's ``axis=``/``keepdims=`` and ``input=``/``x=``/``a=`` names,
as PyTorch's argument parser gives every native function (POT's torch backend calls
``torch.linalg.norm(a, dim=axis, keepdims=keepdims)``)."""

import numpy as np
import pytest
from oracle import both

import gradkit as gk
from gradkit.nn import functional as gF

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(0)
M = RNG.standard_normal((3, 4))
V = RNG.standard_normal((3, 3))


def _F(lib):
    return gF if lib is gk else torch.nn.functional


@pytest.mark.parametrize("fn,data", [
    (lambda lib, x: lib.linalg.norm(x, dim=None, keepdims=True), M),
    (lambda lib, x: lib.linalg.norm(x, 2, axis=1, keepdims=True), M),
    (lambda lib, x: lib.linalg.norm(x, axis=(0, 1)), M),
    (lambda lib, x: lib.linalg.norm(a=x, ord=1, axis=0), M),
    (lambda lib, x: lib.linalg.norm(input=x), M),
    (lambda lib, x: lib.linalg.vector_norm(x, 3, axis=0, keepdims=True), M),
    (lambda lib, x: lib.linalg.vector_norm(x=x, keepdims=True), M),
    (lambda lib, x: lib.linalg.matrix_norm(x, "nuc", axis=(0, 1), keepdims=True), M),
    (lambda lib, x: lib.linalg.cross(x, x.flip(0), axis=0), V),
    (lambda lib, x: lib.linalg.vecdot(x, x * 2, axis=0), V),
    (lambda lib, x: _F(lib).cosine_similarity(x, x + 1, axis=0), M),
    (lambda lib, x: _F(lib).pairwise_distance(x, x + 1, keepdims=True), M),
])
def test_numpy_names_as_torch(fn, data):
    both(torch, fn, data)


@pytest.mark.parametrize("call", [
    lambda lib, x: lib.linalg.norm(x, dim=0, axis=0),
    lambda lib, x: lib.linalg.vector_norm(x, keepdim=True, keepdims=True),
])
def test_name_and_numpy_name_together_is_a_type_error(call):
    with pytest.raises(TypeError):
        call(torch, torch.tensor(M))
    with pytest.raises(TypeError, match="NumPy name"):
        call(gk, gk.tensor(M))


def test_out_form_takes_numpy_names():
    x = gk.tensor(M)
    out = gk.empty(0, dtype=x.dtype)
    r = gk.linalg.vector_norm(x, axis=1, keepdims=True, out=out)
    assert r is out and tuple(out.shape) == (3, 1)
    np.testing.assert_allclose(out.numpy(), np.linalg.norm(M, axis=1, keepdims=True))
