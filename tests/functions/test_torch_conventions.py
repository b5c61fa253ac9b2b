"""Results where a naive NumPy formulation differs from PyTorch: masks that select instead of
multiply, nan/inf conventions, 0-d results, element views, empty reductions. Each case is
compared with PyTorch itself."""

import numpy as np
import pytest

import gradkit as gk

NAN, INF = float("nan"), float("inf")


def _grad(lib, fn, values):
    x = lib.tensor(values, requires_grad=True)
    fn(lib, x).sum().backward()
    return x.grad.detach().numpy()


GRADIENT_CASES = {
    "relu_then_sqrt": (lambda m, x: m.relu(x).sqrt(), [-1.0, 0.0, 2.0]),
    "clamp_then_log": (lambda m, x: x.clamp(min=0).log(), [-1.0, 2.0]),
    "clamp_inf_nan": (lambda m, x: x.clamp(min=0, max=5), [-1e10, 3.0, INF, -INF, NAN]),
    "relu_at_nan": (lambda m, x: m.relu(x), [NAN, 1.0, -1.0]),
    "abs_at_nan_and_zero": (lambda m, x: x.abs(), [NAN, 1.0, 0.0, -2.0]),
    "max_with_nan": (lambda m, x: x.max(), [NAN, 1.0, 3.0]),
    "amax_with_two_nans": (lambda m, x: x.amax(), [NAN, 1.0, NAN]),
    "min_with_nan": (lambda m, x: x.min(), [2.0, NAN, 3.0]),
    "maximum_with_nans": (lambda m, x: m.maximum(x, m.tensor([2.0, NAN, 1.0, 4.0],
                                                            dtype=x.dtype)),
                          [NAN, 1.0, 3.0, 4.0]),
    "minimum_with_nans": (lambda m, x: m.minimum(x, m.tensor([2.0, NAN, 1.0, 4.0],
                                                            dtype=x.dtype)),
                          [NAN, 1.0, 3.0, 4.0]),
    "std_of_a_constant": (lambda m, x: x.std(), [1.0, 1.0, 1.0]),
    "std_along_a_dim": (lambda m, x: x.reshape(2, 2).std(1), [1.0, 1.0, 2.0, 5.0]),
    "triu_of_inf_mask_then_softmax": (
        lambda m, x: m.softmax(x.reshape(2, 2) + m.triu(m.full((2, 2), -INF), 1), -1)[:, 0],
        [0.5, 1.0, -2.0, 3.0]),
}


@pytest.mark.parametrize("name", list(GRADIENT_CASES))
def test_gradients_match_torch(torch, name):
    fn, values = GRADIENT_CASES[name]
    np.testing.assert_allclose(_grad(gk, fn, values), _grad(torch, fn, values), rtol=1e-6,
                               equal_nan=True)


VALUE_CASES = {
    "triu_of_inf": lambda m: m.triu(m.full((3, 3), -INF), 1),
    "tril_of_inf": lambda m: m.tril(m.full((3, 3), INF), -1),
    "sign_of_nan": lambda m: m.sign(m.tensor([NAN, -2.0, 0.0, 3.0])),
    "var_of_empty": lambda m: m.zeros(3, 0).var(-1),
    "softmax_over_empty_dim": lambda m: m.softmax(m.zeros(2, 0), dim=1),
    "log_softmax_over_empty_dim": lambda m: m.log_softmax(m.zeros(0, 3), dim=0),
    "gather_index_smaller_than_input": lambda m: m.gather(
        m.arange(12).reshape(3, 4), 1, m.tensor([[0, 1, 2]])),
    "gather_index_smaller_in_both": lambda m: m.gather(
        m.arange(12.0).reshape(3, 4), 0, m.tensor([[2, 0], [1, 1]])),
    "narrow_negative_start": lambda m: m.narrow(m.arange(5), 0, -2, 2),
    "narrow_tensor_start": lambda m: m.narrow(m.arange(5), 0, m.tensor(1), 2),
    "argmax_dim0_of_1d": lambda m: m.argmax(m.tensor([1.0, 3.0, 2.0]), dim=0),
}


@pytest.mark.parametrize("name", list(VALUE_CASES))
def test_values_match_torch(torch, name):
    got, want = VALUE_CASES[name](gk), VALUE_CASES[name](torch)
    assert tuple(got.shape) == tuple(want.shape)
    assert str(got.dtype) == str(want.dtype).replace("torch.", "gradkit.")
    np.testing.assert_array_equal(got.numpy(), want.numpy())


@pytest.mark.parametrize("make", [
    lambda m: m.tensor(1.0) > 0, lambda m: m.isnan(m.tensor(1.0)),
    lambda m: m.isfinite(m.tensor(NAN)), lambda m: m.argmax(m.tensor([1.0, 3.0]), dim=0),
    lambda m: m.tensor(2) == m.tensor(2), lambda m: m.tensor(1.5)[()],
], ids=["gt", "isnan", "isfinite", "argmax", "eq_ints", "index_0d"])
def test_zero_dim_results_are_usable(torch, make, tmp_path):
    got, want = make(gk), make(torch)
    assert repr(got) == repr(want).replace("torch.", "gradkit.")
    assert got.tolist() == want.tolist()
    assert got.numpy().shape == () and got.item() == want.item()
    gk.save({"t": got}, tmp_path / "t.safetensors")
    assert gk.load(tmp_path / "t.safetensors")["t"].item() == want.item()


@pytest.mark.parametrize("write", [
    lambda x: x[0, 1].zero_(), lambda x: x[1, 2].mul_(10), lambda x: x[0].mul_(10),
    lambda x: x.unbind(0)[1].fill_(9), lambda x: x[1][0].add_(5), lambda x: x[-1, -1].neg_(),
], ids=["elem_zero", "elem_mul", "row_mul", "unbind_fill", "chained_add", "negative_neg"])
def test_in_place_ops_on_element_views_write_through(torch, write):
    g, t = gk.arange(6.0).reshape(2, 3), torch.arange(6.0).reshape(2, 3)
    write(g)
    write(t)
    np.testing.assert_array_equal(g.numpy(), t.numpy())


def test_narrow_and_gather_reject_what_torch_rejects(torch):
    x = gk.arange(5)
    with pytest.raises(RuntimeError, match=r"start \(4\) \+ length \(3\) exceeds"):
        gk.narrow(x, 0, 4, 3)
    with pytest.raises(IndexError, match="out of range"):
        gk.narrow(x, 0, -6, 1)
    with pytest.raises(RuntimeError, match="out of bounds"):
        gk.gather(gk.arange(12).reshape(3, 4), 1, gk.tensor([[-1]]))
    with pytest.raises(IndexError, match="out of range"):
        gk.index_select(gk.arange(4), 0, gk.tensor([-1]))
    for call in (lambda m: m.narrow(m.arange(5), 0, 4, 3),
                 lambda m: m.gather(m.arange(12).reshape(3, 4), 1, m.tensor([[-1]])),
                 lambda m: m.index_select(m.arange(4), 0, m.tensor([-1]))):
        with pytest.raises((RuntimeError, IndexError)):
            call(torch)


def test_causal_mask_trains_without_nan():
    gk.manual_seed(0)
    layer = gk.nn.TransformerEncoderLayer(16, 2, 32, dropout=0.0, batch_first=True)
    opt = gk.optim.SGD(layer.parameters(), lr=0.1)
    mask = gk.triu(gk.full((5, 5), float("-inf")), 1)
    x = gk.randn(3, 5, 16)
    for _ in range(3):
        loss = layer(x, src_mask=mask).pow(2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        assert np.isfinite(loss.item())
        assert all(np.isfinite(p.grad.numpy()).all() for p in layer.parameters())


def _numpy_named_calls(lib):
    """PyTorch's argument parser takes ``axis``/``keepdims`` for ``dim``/``keepdim`` (makemore's
    ``counts.sum(1, keepdims=True)``), on the function and the method faces."""
    x = lib.arange(6.0).reshape(2, 3)
    i = lib.zeros(2, 1, dtype=lib.int64)
    calls = {
        "sum": lambda: x.sum(1, keepdims=True), "tsum": lambda: lib.sum(x, axis=0, keepdims=True),
        "mean": lambda: x.mean(axis=1, keepdims=True), "max": lambda: x.max(1, keepdims=True)[0],
        "amax": lambda: lib.amax(x, axis=1), "argmax": lambda: x.argmax(axis=1, keepdims=True),
        "std": lambda: x.std(axis=1), "logsumexp": lambda: x.logsumexp(axis=1, keepdims=True),
        "cumsum": lambda: x.cumsum(axis=1), "tcumsum": lambda: lib.cumsum(x, axis=0),
        "softmax": lambda: lib.softmax(x, axis=1), "unsqueeze": lambda: x.unsqueeze(axis=0),
        "cat": lambda: lib.cat([x, x], axis=0), "gather": lambda: x.gather(axis=1, index=i),
        "sort": lambda: x.sort(axis=1, descending=True)[0], "out": lambda: lib.sum(
            x, axis=1, keepdims=True, out=lib.empty(2, 1)),
        "both": lambda: x.prod(axis=0, keepdim=True),
    }
    out = {}
    for name, call in calls.items():
        r = call()
        out[name] = (tuple(r.shape), [round(v, 5) for v in r.double().flatten().tolist()])
    refused = {"norm": lambda: x.norm(dim=1, keepdims=True), "split": lambda: x.split(1, axis=0),
               "missing": lambda: x.cumsum(), "missing2": lambda: x.gather(index=i)}
    for name, call in refused.items():
        try:
            call()
            out[name] = "accepted"
        except TypeError:
            out[name] = "TypeError"
    return out


def test_numpy_argument_names_as_torch(torch):
    assert _numpy_named_calls(gk) == _numpy_named_calls(torch)
