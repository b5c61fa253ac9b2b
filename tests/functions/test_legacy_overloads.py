"""Calls that PyTorch's overloads read by position or by name: ``x.var(False)`` is the legacy
``unbiased`` but ``x.var(dim=True)`` a bool dim (TypeError); ``topk``'s ``k`` is an int, never a
bool. The faces pass a positional-only slot through (``dim_or_unbiased``), so the op tells the
two apart. PyTorch is the oracle: the same result, or the same exception type."""

from __future__ import annotations

import numpy as np
import pytest

import gradkit as gk

torch = pytest.importorskip("torch")

X = np.random.default_rng(0).standard_normal((3, 4)).astype(np.float32)

CALLS = {
    "var_dim_kw_bool": lambda m, x: x.var(dim=True),
    "std_dim_kw_bool": lambda m, x: x.std(dim=True),
    "fn_var_dim_kw_bool": lambda m, x: m.var(x, dim=True),
    "var_mean_dim_kw_bool": lambda m, x: m.var_mean(x, dim=True),
    "std_mean_dim_kw_bool": lambda m, x: m.std_mean(x, dim=True),
    "var_dim_kw_bool_in_tuple": lambda m, x: x.std(dim=(True,)),
    "std_two_bools": lambda m, x: x.std(True, True),
    "var_bool_keepdim": lambda m, x: x.var(True, keepdim=True),
    "var_bool_correction": lambda m, x: x.var(True, correction=1),
    "var_dim_twice": lambda m, x: x.var(0, dim=0),
    "var_axis_bool": lambda m, x: x.var(axis=True),
    "var_legacy_unbiased": lambda m, x: x.var(False),
    "std_legacy_unbiased": lambda m, x: m.std(x, True),
    "var_mean_legacy_unbiased": lambda m, x: m.var_mean(x, False),
    "std_mean_legacy_unbiased": lambda m, x: m.std_mean(x, True),
    "var_dim_unbiased": lambda m, x: x.var(0, True, True),
    "var_dim_kw_unbiased": lambda m, x: x.var(dim=0, unbiased=False),
    "var_dim_tuple_kw_unbiased": lambda m, x: x.var(dim=(0,), unbiased=True),
    "var_none_unbiased": lambda m, x: x.var(None, False),
    "var_unbiased_kw": lambda m, x: x.var(unbiased=False),
    "var_axis": lambda m, x: x.var(axis=1),
    "var_dim_correction": lambda m, x: x.var(0, correction=0),
    "var_list_correction_bool": lambda m, x: x.var(dim=[0], correction=True),
    "std_out": lambda m, x: m.std(x, 1, out=m.empty(0)),
    "var_unbiased_keepdim_no_dim": lambda m, x: x.var(unbiased=True, keepdim=True),
    "std_unbiased_keepdim_no_dim": lambda m, x: x.std(unbiased=False, keepdim=True),
    "var_mean_unbiased_keepdim_no_dim": lambda m, x: m.var_mean(x, unbiased=True, keepdim=True),
    "std_mean_unbiased_keepdim_no_dim": lambda m, x: m.std_mean(x, unbiased=False, keepdim=True),
    "var_none_kw_unbiased_keepdim": lambda m, x: x.var(dim=None, unbiased=True, keepdim=True),
    "std_none_unbiased_keepdim": lambda m, x: m.std(x, None, True, True),
    "var_unbiased_and_correction": lambda m, x: x.var(0, unbiased=True, correction=1),
    "std_mean_unbiased_and_correction": lambda m, x: m.std_mean(x, unbiased=False,
                                                                correction=0),
    "var_correction_keepdim_no_dim": lambda m, x: x.var(correction=0, keepdim=True),
    "topk_bool": lambda m, x: m.topk(x, True),
    "topk_kw_bool": lambda m, x: m.topk(x, k=True),
    "topk_method_bool": lambda m, x: x.topk(True),
    "topk_int": lambda m, x: x.topk(2, 0),
}


def _outcome(lib, name):
    try:
        r = CALLS[name](lib, lib.from_numpy(X.copy()))
    except Exception as e:  # noqa: BLE001 (the exception type is the observation)
        return type(e).__name__
    return [np.asarray(t.numpy() if hasattr(t, "numpy") else t) for t in
            (r if isinstance(r, tuple) else (r,))]


@pytest.mark.parametrize("name", sorted(CALLS))
def test_positional_and_keyword_forms_as_torch(name):
    expected, got = _outcome(torch, name), _outcome(gk, name)
    if isinstance(expected, str) or isinstance(got, str):
        assert got == expected
        return
    assert len(got) == len(expected)
    for g, e in zip(got, expected):
        np.testing.assert_allclose(g, e, rtol=1e-5, atol=1e-6)
