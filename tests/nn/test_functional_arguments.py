"""nn.functional and the top-level nn functions against PyTorch on malformed arguments and
unusual dtypes (findings of the differential fuzzer, tests/fuzz): the same exception type as
PyTorch, or the same result dtype and shape; never a raw NumPy/Python error."""

import numpy as np
import pytest

import gradkit as gk


def _outcome(lib, fn):
    try:
        r = fn(lib, lib.nn.functional)
    except Exception as e:  # noqa: BLE001 - compared with PyTorch's
        return ("raises", type(e).__name__)
    rs = r if isinstance(r, tuple) else (r,)
    return [(str(t.dtype).split(".")[-1], tuple(t.shape)) for t in rs]


CASES = {
    # batch_norm / instance_norm
    "bn-1d": lambda L, F: F.batch_norm(L.ones(3), None, None, training=True),
    "bn-numel": lambda L, F: F.batch_norm(L.ones(4, 3), L.ones(4), L.ones(4), training=False),
    "bn-list": lambda L, F: F.batch_norm(L.ones(4, 3), [1.0, 2.0, 3.0], L.ones(3),
                                         training=False),
    "bn-0d": lambda L, F: F.batch_norm(L.ones(4, 3), L.tensor(0.5), L.ones(3), training=False),
    "bn-int-var": lambda L, F: F.batch_norm(L.ones(4, 3, 5, dtype=L.float64),
                                            L.ones(3, dtype=L.float64),
                                            L.ones(3, dtype=L.int64), training=True),
    "in-weight-numel": lambda L, F: F.instance_norm(L.ones(4, 3, 5), weight=L.ones(4)),
    "in-list": lambda L, F: F.instance_norm(L.ones(4, 3, 5), weight=[1.0, 2.0, 3.0]),
    # bilinear
    "bil-0d": lambda L, F: F.bilinear(L.ones(3, 4), L.tensor(1.0), L.ones(2, 4, 5)),
    "bil-list": lambda L, F: F.bilinear(L.ones(3, 4), L.ones(3, 5), [[[1.0]]]),
    "bil-dtypes": lambda L, F: F.bilinear(L.ones(3, 4, dtype=L.bool), L.ones(3, 5),
                                          L.ones(2, 4, 5)),
    # recurrent cells
    "cell-list": lambda L, F: L.rnn_relu_cell(L.ones(3, 4), L.ones(3, 5), L.ones(5, 4),
                                              [[1.0] * 5] * 5),
    "cell-0d-weight": lambda L, F: L.rnn_relu_cell(L.ones(3, 4), L.ones(3, 5), L.ones(5, 4),
                                                   L.tensor(1.0)),
    "cell-input-size": lambda L, F: L.rnn_tanh_cell(L.ones(3, 3), L.ones(3, 5), L.ones(5, 4),
                                                    L.ones(5, 5)),
    "cell-batch": lambda L, F: L.gru_cell(L.ones(3, 4), L.ones(2, 5), L.ones(15, 4),
                                          L.ones(15, 5)),
    "cell-hidden": lambda L, F: L.lstm_cell(L.ones(3, 4), (L.ones(3, 4), L.ones(3, 5)),
                                            L.ones(20, 4), L.ones(20, 5)),
    # pooling dtypes and empty batches
    "maxpool1d-int": lambda L, F: F.max_pool1d(L.ones(1, 1, 4, dtype=L.int64), 2),
    "maxpool1d-int-indices": lambda L, F: F.max_pool1d(L.ones(1, 1, 4, dtype=L.int32), 2,
                                                       return_indices=True),
    "maxpool2d-bool": lambda L, F: F.max_pool2d(L.ones(1, 2, 4, 4, dtype=L.bool), 2),
    "maxpool3d-int": lambda L, F: F.max_pool3d(L.ones(1, 1, 4, 4, 4, dtype=L.int32), 2),
    "maxpool3d-uint8": lambda L, F: F.max_pool3d(L.ones(1, 1, 4, 4, 4, dtype=L.uint8), 2),
    "maxpool3d-bool": lambda L, F: F.max_pool3d(L.ones(1, 1, 4, 4, 4, dtype=L.bool), 2),
    "adaptive-max-int": lambda L, F: F.adaptive_max_pool1d(L.ones(1, 1, 4, dtype=L.int64), 2),
    "adaptive-max-empty": lambda L, F: F.adaptive_max_pool1d(L.ones(0, 3, 8), 3),
    "adaptive-max-empty-indices": lambda L, F: F.adaptive_max_pool1d(L.ones(0, 3, 8), 3, True),
    "gn-list": lambda L, F: F.group_norm(L.ones(2, 4, 3), 2, [1.0, 2.0, 3.0, 4.0]),
    "gn-empty": lambda L, F: F.group_norm(L.ones(2, 4, 0), 2),
    "gn-weight-numel": lambda L, F: F.group_norm(L.ones(2, 4, 3), 2, L.ones(3)),
    "gn-int-weight": lambda L, F: F.group_norm(L.ones(2, 4, 3), 2, L.ones(4, dtype=L.int32)),
    "cos-f16-int": lambda L, F: F.cosine_similarity(L.ones(3, 4, dtype=L.float16),
                                                    L.ones(3, 4, dtype=L.int64)),
    "cos-ints": lambda L, F: F.cosine_similarity(L.ones(3, 4, dtype=L.int64),
                                                 L.ones(3, 4, dtype=L.int64)),
    "prelu-list": lambda L, F: F.prelu(L.ones(2, 3), []),
    "bilinear-ok": lambda L, F: F.bilinear(L.ones(3, 4), L.ones(3, 5), L.ones(2, 4, 5)),
}


@pytest.mark.parametrize("name", list(CASES))
def test_outcome_as_torch(torch, name):
    assert _outcome(gk, CASES[name]) == _outcome(torch, CASES[name])


def test_max_pool3d_of_integers_keeps_values(torch):
    a = np.random.default_rng(0).integers(-50, 50, (1, 2, 4, 4, 4)).astype(np.int32)
    want = torch.nn.functional.max_pool3d(torch.from_numpy(a), 2).numpy()
    got = gk.nn.functional.max_pool3d(gk.tensor(a), 2).numpy()
    np.testing.assert_array_equal(got, want)


def test_empty_adaptive_max_pool_keeps_requires_grad():
    x = gk.ones(0, 3, 8, requires_grad=True)
    y = gk.nn.functional.adaptive_max_pool1d(x, 3)
    assert y.requires_grad and tuple(y.shape) == (0, 3, 3)


@pytest.mark.parametrize("out", [(3, 2), (2, 3), (4, 4), 3])
def test_adaptive_avg_pool_of_uneven_windows_keeps_inf_local(torch, out):
    """Uneven windows used to be a product with an averaging matrix: its zeros turned an inf
    anywhere in a row into NaN in windows that do not hold it."""
    a = np.random.default_rng(0).standard_normal((2, 3, 7, 5))
    a[0, 1, 2, 3], a[1, 0, 0, 0], a[1, 2, 4, 1] = np.inf, -np.inf, np.nan
    fn = "adaptive_avg_pool2d" if not isinstance(out, int) else "adaptive_avg_pool1d"
    src = a if fn.endswith("2d") else a[:, :, 0, :]
    want = getattr(torch.nn.functional, fn)(torch.tensor(src), out).numpy()
    got = getattr(gk.nn.functional, fn)(gk.tensor(src), out).numpy()
    np.testing.assert_allclose(got, want, rtol=1e-12, equal_nan=True)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))


@pytest.mark.parametrize("fn", ["elu", "selu", "celu"])
def test_elu_family_gradient_at_nan_and_inf_as_torch(torch, fn):
    """PyTorch's kernels pick the exponential side where x <= 0: a NaN takes the identity side
    and passes its gradient through."""
    got = []
    for lib in (torch, gk):
        x = lib.tensor([np.nan, -1.0, 0.0, 2.0, np.inf, -np.inf], dtype=lib.float64,
                       requires_grad=True)
        y = getattr(lib.nn.functional, fn)(x)
        y.backward(lib.tensor([0.3, 0.5, 0.7, 1.1, 1.3, 1.7], dtype=lib.float64))
        got.append((np.asarray(y.tolist()), np.asarray(x.grad.tolist())))
    for a, b in zip(got[1], got[0]):
        np.testing.assert_allclose(a, b, rtol=1e-12, equal_nan=True)


def test_prelu_weight_gradient_with_an_inf_input_as_torch(torch):
    got = []
    for lib in (torch, gk):
        x = lib.tensor([[1.0, np.inf, -2.0], [-0.5, 3.0, -np.inf]], dtype=lib.float64,
                       requires_grad=True)
        w = lib.tensor([0.25], dtype=lib.float64, requires_grad=True)
        lib.nn.functional.prelu(x, w).sum().backward()
        got.append((np.asarray(x.grad.tolist()), np.asarray(w.grad.tolist())))
    for a, b in zip(got[1], got[0]):
        np.testing.assert_allclose(a, b, rtol=1e-12, equal_nan=True)



@pytest.mark.parametrize("mode, kw", [
    ("LSTM", dict(num_layers=2, bidirectional=True)),
    ("LSTM", dict(proj_size=3, batch_first=True)),
    ("GRU", dict(num_layers=2, bias=False)),
    ("RNN", dict(nonlinearity="relu", bidirectional=True, batch_first=True)),
])
def test_toplevel_recurrent_layers_with_module_weights_as_torch(torch, mode, kw):
    """torch.lstm/gru/rnn_* called with an nn module's flat weights: outputs and gradients."""
    tm = getattr(torch.nn, mode)(4, 5, **kw).double()
    params = [p.detach().numpy() for p in tm._flat_weights]
    D = 2 if kw.get("bidirectional") else 1
    L = kw.get("num_layers", 1)
    hout = kw.get("proj_size", 5) or 5
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 6, 4) if kw.get("batch_first") else (6, 2, 4))
    h0 = rng.standard_normal((D * L, 2, hout))
    c0 = rng.standard_normal((D * L, 2, 5))
    name = {"LSTM": "lstm", "GRU": "gru"}.get(mode) or "rnn_" + kw.get("nonlinearity", "tanh")
    outs = []
    for lib in (torch, gk):
        ps = [lib.tensor(p, requires_grad=True) for p in params]
        hx = [lib.tensor(h0), lib.tensor(c0)] if mode == "LSTM" else lib.tensor(h0)
        res = getattr(lib, name)(lib.tensor(x), hx, ps, kw.get("bias", True), L, 0.0, False,
                                 D == 2, kw.get("batch_first", False))
        sum(r.sum() for r in res).backward()
        outs.append([r.detach().numpy() for r in res] + [p.grad.numpy() for p in ps])
    for g, t in zip(outs[1], outs[0]):
        np.testing.assert_allclose(g, t, rtol=1e-9, atol=1e-12)
