"""``normal`` with tensor arguments as PyTorch: the result takes ``mean``'s dtype (``std``'s
without a tensor mean), the scaling by ``std`` and the shift by ``mean`` are rounded as
PyTorch's in-place ``mul_``/``add_``, and bad shapes or a negative std raise RuntimeError."""

import numpy as np
import pytest

import gradkit as gk


def _t(lib, a, dt):
    return lib.tensor(np.asarray(a, dtype=np.float64)).to(getattr(lib, dt))


@pytest.mark.parametrize("mdt, sdt", [("float32", "float64"), ("float16", "float32"),
                                      ("bfloat16", "float64"), ("float64", "float16"),
                                      ("bfloat16", "float16"), ("float32", "float32")])
@pytest.mark.parametrize("form", ["tt", "tf", "ft"])
def test_normal_tensor_forms_match(torch, mdt, sdt, form):
    rng = np.random.default_rng(2)
    mean, std = rng.standard_normal((3, 17)) * 3, rng.random((1, 17)) + 0.1

    def call(lib):
        m, s = _t(lib, mean, mdt), _t(lib, std, sdt)
        if form == "tt":
            return lib.normal(m, s)
        return lib.normal(m, 0.7) if form == "tf" else lib.normal(1.5, s)
    torch.manual_seed(4)
    gk.manual_seed(4)
    t, g = call(torch), call(gk)
    assert str(g.dtype).split(".")[-1] == str(t.dtype).split(".")[-1]
    np.testing.assert_array_equal(g.float().numpy(), t.float().numpy())


@pytest.mark.parametrize("call", [
    lambda lib: lib.normal(lib.zeros(2), lib.ones(3)),
    lambda lib: lib.normal(lib.zeros(3), -lib.ones(3)),
    lambda lib: lib.normal(0.0, -lib.ones(3)),
])
def test_bad_normal_arguments_raise_runtime_error(torch, call):
    for lib in (torch, gk):
        with pytest.raises(RuntimeError):
            call(lib)
