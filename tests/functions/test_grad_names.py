"""Every op of ``gradkit.functions._grad_names.GRAD_NAMES`` shows PyTorch's ``grad_fn`` name on
its result (each Tensor of a tuple), over all of the op's registry samples (the samples cover
the arguments a rule looks at: a tensor or a number operand, a dim or none, ...)."""

from __future__ import annotations

import warnings

import pytest

import gradkit as gk
from gradkit.functions._grad_names import GRAD_NAMES

from . import test_registry as R
from .samples import SAMPLES

_CASES = [s for s in SAMPLES if s.name in GRAD_NAMES]


def _names(lib, out):
    outs = out if isinstance(out, (tuple, list)) else [out]
    return [type(t.grad_fn).__name__ if t.grad_fn is not None else None
            for t in outs if isinstance(t, lib.Tensor)]


def test_every_named_op_has_a_sample():
    assert set(GRAD_NAMES) <= {s.name for s in _CASES}


@pytest.mark.parametrize("sample", _CASES, ids=[s.name for s in _CASES])
def test_result_node_is_named_as_pytorchs(torch, sample):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs, _, _ = R._run(torch, R._torch_face(torch, sample), sample, grad=True)
        ours, _, _ = R._run(gk, R._gk_face(sample), sample, grad=True)
    assert _names(gk, ours) == _names(torch, theirs)


def test_no_grad_results_are_untouched(torch):
    x = gk.randn(3, 4)
    assert gk.sort(x).values.grad_fn is None
    y = gk.randn(3, 4, requires_grad=True)
    with gk.no_grad():
        assert gk.tril(y).grad_fn is None
    v = gk.sort(y, stable=True).values
    assert "grad_fn=<SortBackward1>" in repr(v)
    v.sum().backward()  # the renamed node still runs its rule
    assert y.grad.sum().item() == 12
