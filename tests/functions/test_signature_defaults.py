"""Every argument PyTorch lets a caller leave out can be left out in gradkit: for each public
function and Tensor method both libraries have, an argument that has a default in one of
PyTorch's ATen schemas (``aten::histogram.bin_ct(Tensor self, int bins=100, ...)``) has a
default in gradkit's signature too, so ``torch.histogram(t, density=True)`` in a program runs."""

from __future__ import annotations

import inspect

import numpy as np

import gradkit as gk


def _omittable_in_torch_only(torch):
    missing = []
    names = sorted(n for n in set(dir(torch)) | set(dir(torch.Tensor)) if not n.startswith("_"))
    for name in names:
        if hasattr(torch, name):
            ours = getattr(gk, name, None)
        else:
            ours = getattr(gk.Tensor, name, None)
        if ours is None or not callable(ours) or inspect.isclass(ours):
            continue
        try:
            params = inspect.signature(ours).parameters
        except (TypeError, ValueError):
            continue
        if any(p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) for p in params.values()):
            continue
        for schema in torch._C._jit_get_schemas_for_operator("aten::" + name):
            if "out" in schema.overload_name:
                continue
            for arg in schema.arguments:
                p = params.get(arg.name)
                if p is not None and arg.has_default_value() and p.default is p.empty:
                    missing.append(f"{name}({arg.name}={arg.default_value!r})")
    return sorted(set(missing))


def test_arguments_torch_lets_callers_omit_have_defaults(torch):
    assert _omittable_in_torch_only(torch) == []


def test_histogram_without_bins_uses_100_bins_as_torch(torch):
    data = np.random.default_rng(0).standard_normal(500).astype(np.float32)
    for kwargs in ({}, {"density": True}, {"range": (-1.0, 1.0)}):
        want_hist, want_edges = torch.histogram(torch.tensor(data), **kwargs)
        hist, edges = gk.histogram(gk.tensor(data), **kwargs)
        np.testing.assert_allclose(hist.numpy(), want_hist.numpy(), rtol=1e-6, atol=1e-7)
        np.testing.assert_allclose(edges.numpy(), want_edges.numpy(), rtol=1e-6, atol=1e-7)
        method_hist, _ = gk.tensor(data).histogram(**kwargs)
        np.testing.assert_array_equal(method_hist.numpy(), hist.numpy())

