"""RNN / LSTM / GRU layers and cells: against PyTorch with copied weights, finite differences,
fused vs composite, second order, and bad input."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from oracle import check_grad

import gradkit as gk
from gradkit import nn

TORCH_CLS = {"RNN": "RNN", "LSTM": "LSTM", "GRU": "GRU"}


def _copy_to_torch(torch, m, tm):
    sd = {k: torch.from_numpy(v.detach().numpy().copy()) for k, v in m.state_dict().items()}
    tm.load_state_dict(sd)


def _make_pair(torch, kind, *args, **kwargs):
    m = getattr(nn, kind)(*args, **kwargs)
    tm = getattr(torch.nn, kind)(*args, **kwargs)
    _copy_to_torch(torch, m, tm)
    return m, tm


def _run_both(torch, m, tm, x_np, states_np, lstm):
    x = gk.tensor(x_np, requires_grad=True)
    tx = torch.tensor(x_np, requires_grad=True)
    hx = thx = None
    if states_np is not None:
        st = [gk.tensor(s, requires_grad=True) for s in states_np]
        tst = [torch.tensor(s, requires_grad=True) for s in states_np]
        hx, thx = (tuple(st), tuple(tst)) if lstm else (st[0], tst[0])
    out, h = m(x, hx)
    tout, th = tm(tx, thx)
    outs = [out] + (list(h) if lstm else [h])
    touts = [tout] + (list(th) if lstm else [th])
    rng = np.random.default_rng(1)
    loss, tloss = 0, 0
    for o, to in zip(outs, touts):
        np.testing.assert_allclose(o.detach().numpy(), to.detach().numpy(), atol=2e-5, rtol=1e-4)
        w = rng.standard_normal(tuple(o.shape)).astype(np.float32)
        loss = loss + (o * gk.tensor(w)).sum()
        tloss = tloss + (to * torch.from_numpy(w)).sum()
    loss.backward()
    tloss.backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), atol=2e-5, rtol=1e-4)
    if states_np is not None:
        pairs = zip(st, tst)
        for s, ts in pairs:
            np.testing.assert_allclose(s.grad.numpy(), ts.grad.numpy(), atol=2e-5, rtol=1e-4)
    tparams = dict(tm.named_parameters())
    names = [n for n, _ in m.named_parameters()]
    assert names == list(tparams)
    for n, p in m.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), tparams[n].grad.numpy(), atol=3e-5, rtol=1e-4,
                                   err_msg=n)


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
@pytest.mark.parametrize("num_layers", [1, 2])
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("with_state", [False, True])
def test_against_torch(torch, kind, num_layers, bidirectional, batch_first, with_state):
    gk.manual_seed(0)
    I, H, T, B = 4, 5, 6, 3
    m, tm = _make_pair(torch, kind, I, H, num_layers=num_layers, bidirectional=bidirectional,
                       batch_first=batch_first)
    rng = np.random.default_rng(0)
    shape = (B, T, I) if batch_first else (T, B, I)
    x = rng.standard_normal(shape).astype(np.float32)
    D = 2 if bidirectional else 1
    states = None
    if with_state:
        states = [rng.standard_normal((num_layers * D, B, H)).astype(np.float32)]
        if kind == "LSTM":
            states.append(rng.standard_normal((num_layers * D, B, H)).astype(np.float32))
    _run_both(torch, m, tm, x, states, kind == "LSTM")


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
@pytest.mark.parametrize("used", ["output", "h_n", "c_n"])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_gradient_through_some_outputs(torch, kind, used, bidirectional):
    """The layer's backward gets no gradient for the outputs the loss does not use (the fused
    recurrent ops take None there instead of zeros); the gradients must not change."""
    if used == "c_n" and kind != "LSTM":
        pytest.skip("only the LSTM has a cell state")
    m, tm = _make_pair(torch, kind, 3, 4, bidirectional=bidirectional)
    rng = np.random.default_rng(5)
    x_np = rng.standard_normal((6, 2, 3)).astype(np.float32)
    x = gk.tensor(x_np, requires_grad=True)
    tx = torch.tensor(x_np, requires_grad=True)

    def pick(out, h):
        if used == "output":
            return out
        if kind == "LSTM":
            return h[0] if used == "h_n" else h[1]
        return h

    o, to = pick(*m(x)), pick(*tm(tx))
    w = rng.standard_normal(tuple(o.shape)).astype(np.float32)
    (o * gk.tensor(w)).sum().backward()
    (to * torch.from_numpy(w)).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), atol=2e-5, rtol=1e-4)
    tparams = dict(tm.named_parameters())
    for n, p in m.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), tparams[n].grad.numpy(), atol=3e-5, rtol=1e-4,
                                   err_msg=n)


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
def test_unbatched(torch, kind):
    m, tm = _make_pair(torch, kind, 3, 4, num_layers=2, bidirectional=True)
    rng = np.random.default_rng(2)
    x = rng.standard_normal((5, 3)).astype(np.float32)
    states = [rng.standard_normal((4, 4)).astype(np.float32)]
    if kind == "LSTM":
        states.append(rng.standard_normal((4, 4)).astype(np.float32))
    _run_both(torch, m, tm, x, states, kind == "LSTM")
    _run_both(torch, m, tm, x, None, kind == "LSTM")


def test_rnn_relu_no_bias(torch):
    m, tm = _make_pair(torch, "RNN", 3, 4, nonlinearity="relu", bias=False, num_layers=2)
    x = np.random.default_rng(3).standard_normal((5, 2, 3)).astype(np.float32)
    _run_both(torch, m, tm, x, None, False)


@pytest.mark.filterwarnings("ignore:LSTM with projections")
@pytest.mark.parametrize("bidirectional", [False, True])
def test_lstm_proj_size(torch, bidirectional):
    m, tm = _make_pair(torch, "LSTM", 3, 6, num_layers=2, proj_size=2,
                       bidirectional=bidirectional)
    rng = np.random.default_rng(4)
    D = 2 if bidirectional else 1
    x = rng.standard_normal((5, 2, 3)).astype(np.float32)
    states = [rng.standard_normal((2 * D, 2, 2)).astype(np.float32),
              rng.standard_normal((2 * D, 2, 6)).astype(np.float32)]
    _run_both(torch, m, tm, x, states, True)


def test_parameter_names_and_init():
    m = nn.LSTM(3, 8, num_layers=2, bidirectional=True)
    names = [n for n, _ in m.named_parameters()]
    assert names[:4] == ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"]
    assert names[4] == "weight_ih_l0_reverse"
    assert tuple(m.weight_ih_l1.shape) == (32, 16)
    k = 1 / np.sqrt(8)
    for p in m.parameters():
        assert np.abs(p.detach().numpy()).max() <= k
    assert "LSTM(3, 8, num_layers=2, bidirectional=True)" in repr(m)


def test_dropout_between_layers():
    gk.manual_seed(0)
    m = nn.GRU(3, 4, num_layers=2, dropout=0.5)
    x = gk.randn(5, 2, 3)
    a, _ = m(x)
    b, _ = m(x)
    assert not np.allclose(a.detach().numpy(), b.detach().numpy())
    m.eval()
    c, _ = m(x)
    d, _ = m(x)
    np.testing.assert_array_equal(c.detach().numpy(), d.detach().numpy())


@pytest.mark.parametrize("kind,cls", [("RNNCell", "RNNCell"), ("LSTMCell", "LSTMCell"),
                                      ("GRUCell", "GRUCell")])
@pytest.mark.parametrize("batched", [True, False])
def test_cells_against_torch(torch, kind, cls, batched):
    m = getattr(nn, kind)(3, 4)
    tm = getattr(torch.nn, cls)(3, 4)
    _copy_to_torch(torch, m, tm)
    rng = np.random.default_rng(5)
    xs = (2, 3) if batched else (3,)
    hs = (2, 4) if batched else (4,)
    x_np = rng.standard_normal(xs).astype(np.float32)
    st_np = [rng.standard_normal(hs).astype(np.float32) for _ in range(2 if kind == "LSTMCell"
                                                                       else 1)]
    x = gk.tensor(x_np, requires_grad=True)
    tx = torch.tensor(x_np, requires_grad=True)
    st = [gk.tensor(s, requires_grad=True) for s in st_np]
    tst = [torch.tensor(s, requires_grad=True) for s in st_np]
    if kind == "LSTMCell":
        outs, touts = m(x, tuple(st)), tm(tx, tuple(tst))
    else:
        outs, touts = (m(x, st[0]),), (tm(tx, tst[0]),)
    loss = sum((o * o).sum() for o in outs)
    tloss = sum((o * o).sum() for o in touts)
    for o, to in zip(outs, touts):
        np.testing.assert_allclose(o.detach().numpy(), to.detach().numpy(), atol=1e-5)
    loss.backward()
    tloss.backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), atol=1e-5)
    for s, ts in zip(st, tst):
        np.testing.assert_allclose(s.grad.numpy(), ts.grad.numpy(), atol=1e-5)
    tp = dict(tm.named_parameters())
    for n, p in m.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), tp[n].grad.numpy(), atol=1e-5, err_msg=n)
    # no state given: zeros
    out0 = m(x)
    tout0 = tm(tx)
    o0 = out0[0] if kind == "LSTMCell" else out0
    to0 = tout0[0] if kind == "LSTMCell" else tout0
    np.testing.assert_allclose(o0.detach().numpy(), to0.detach().numpy(), atol=1e-5)


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
def test_fused_matches_composite_first_order(kind):
    gk.manual_seed(1)
    m = getattr(nn, kind)(3, 4, num_layers=2, bidirectional=True).double()
    rng = np.random.default_rng(6)
    x_np = rng.standard_normal((5, 2, 3))
    results = []
    for fused in (True, False):
        m.fused = fused
        m.zero_grad()
        x = gk.tensor(x_np, requires_grad=True)
        out, h = m(x)
        hs = list(h) if kind == "LSTM" else [h]
        loss = (out * out).sum() + sum((s * s * s).sum() for s in hs)
        loss.backward()
        results.append([out.detach().numpy(), x.grad.numpy()]
                       + [p.grad.numpy() for p in m.parameters()])
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
@pytest.mark.parametrize("fused", [True, False])
def test_finite_differences(kind, fused, rng):
    gk.manual_seed(2)
    m = getattr(nn, kind)(2, 3, bidirectional=True).double()
    m.fused = fused
    x = gk.tensor(rng.standard_normal((3, 2, 2)), requires_grad=True)
    h0 = gk.tensor(rng.standard_normal((2, 2, 3)), requires_grad=True)
    c0 = gk.tensor(rng.standard_normal((2, 2, 3)), requires_grad=True)
    params = list(m.parameters())

    def fn(x, h0, c0, *ps):
        out, h = m(x, (h0, c0) if kind == "LSTM" else h0)
        hs = list(h) if kind == "LSTM" else [h]
        return gk.cat([out.reshape(-1)] + [s.reshape(-1) for s in hs])

    ins = [x, h0, c0] if kind == "LSTM" else [x, h0, c0.detach()]
    check_grad(fn, ins + params)


def test_second_order_lstm_cell(rng):
    cell = nn.LSTMCell(2, 3).double()
    x = gk.tensor(rng.standard_normal((2, 2)), requires_grad=True)
    h = gk.tensor(rng.standard_normal((2, 3)), requires_grad=True)
    c = gk.tensor(rng.standard_normal((2, 3)), requires_grad=True)

    def first(x, h, c, w_ih, w_hh):
        outer = gk.is_grad_enabled()  # check_grad's finite differences run under no_grad
        with gk.enable_grad():
            h1, c1 = cell(x, (h, c))
            loss = (h1 * h1).sum() + (c1 * h1).sum()
            gx, gw = gk.autograd.grad(loss, [x, w_hh], create_graph=True)
        out = gk.cat([gx.reshape(-1), gw.reshape(-1)])
        return out if outer else out.detach()

    check_grad(first, [x, h, c, cell.weight_ih, cell.weight_hh], atol=1e-5)


@pytest.mark.parametrize("fused", [True, False])
def test_second_order_lstm_layer(fused, rng):
    m = nn.LSTM(2, 3, bidirectional=True).double()
    m.fused = fused
    x = gk.tensor(rng.standard_normal((3, 2, 2)), requires_grad=True)

    def first(x, w_hh):
        outer = gk.is_grad_enabled()  # check_grad's finite differences run under no_grad
        with gk.enable_grad():
            out, (h, c) = m(x)
            loss = (out * out).sum() + (h * c).sum()
            (gx,) = gk.autograd.grad(loss, [x], create_graph=True)
        return gx.reshape(-1) if outer else gx.reshape(-1).detach()

    check_grad(first, [x, m.weight_hh_l0], atol=1e-5)


def test_second_order_fused_matches_composite(rng):
    m = nn.GRU(2, 3).double()
    x_np = rng.standard_normal((4, 2, 2))
    res = []
    for fused in (True, False):
        m.fused = fused
        x = gk.tensor(x_np, requires_grad=True)
        out, _h = m(x)
        (gx,) = gk.autograd.grad((out ** 2).sum(), [x], create_graph=True)
        res.append(gk.autograd.grad((gx ** 2).sum(), [x, m.weight_hh_l0]))
    for a, b in zip(*res):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-10, atol=1e-12)


def test_wrong_input_size_names_layer():
    m = nn.LSTM(10, 20)
    with pytest.raises(RuntimeError, match=r"LSTM.*input_size=10.*\(5, 3, 7\)"):
        m(gk.randn(5, 3, 7))
    with pytest.raises(ValueError, match="2D .* or 3D"):
        m(gk.randn(2, 5, 3, 10))


def test_wrong_h0_shape():
    m = nn.GRU(4, 6, num_layers=2)
    with pytest.raises(RuntimeError, match=r"expected h0 of shape \(2, 3, 6\), got \(1, 3, 6\)"):
        m(gk.randn(5, 3, 4), gk.zeros(1, 3, 6))
    lstm = nn.LSTM(4, 6)
    with pytest.raises(RuntimeError, match=r"expected c0 of shape \(1, 3, 6\)"):
        lstm(gk.randn(5, 3, 4), (gk.zeros(1, 3, 6), gk.zeros(1, 3, 5)))
    with pytest.raises(TypeError, match="tuple"):
        lstm(gk.randn(5, 3, 4), gk.zeros(1, 3, 6))


def test_bad_constructor_args():
    with pytest.raises(ValueError, match="dropout"):
        nn.LSTM(3, 4, dropout=1.5)
    with pytest.raises(ValueError, match="proj_size"):
        nn.LSTM(3, 4, proj_size=4)
    with pytest.raises(ValueError, match="nonlinearity"):
        nn.RNN(3, 4, nonlinearity="sigmoid")
    with pytest.warns(UserWarning, match="num_layers"):
        nn.GRU(3, 4, dropout=0.2)


def test_cell_wrong_input_size():
    with pytest.raises(RuntimeError, match="LSTMCell.*input_size=3"):
        nn.LSTMCell(3, 4)(gk.randn(2, 5))


def test_backward_twice_raises():
    m = nn.LSTM(2, 3)
    out, _ = m(gk.randn(4, 1, 2))
    loss = out.sum()
    loss.backward()
    with pytest.raises(RuntimeError, match="second time"):
        loss.backward()


def test_no_grad_forward():
    m = nn.LSTM(2, 3)
    with gk.no_grad():
        out, (_h, _c) = m(gk.randn(4, 1, 2))
    assert out.grad_fn is None and not out.requires_grad


def test_second_order_stacked_fused_matches_composite(rng):
    m = nn.LSTM(2, 3, num_layers=2, bidirectional=True, proj_size=2).double()
    x_np = rng.standard_normal((4, 2, 2))
    res = []
    for fused in (True, False):
        m.fused = fused
        x = gk.tensor(x_np, requires_grad=True)
        out, (_, c) = m(x)
        gx, gw = gk.autograd.grad((out ** 2).sum() + (c ** 2).sum(), [x, m.weight_hh_l0],
                                  create_graph=True)
        res.append(gk.autograd.grad((gx ** 2).sum() + (gw ** 2).sum(),
                                    [x, m.weight_hh_l0, m.weight_ih_l1, m.weight_hr_l0_reverse]))
    for a, b in zip(*res):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-10, atol=1e-12)


def test_batch_first_ignored_for_unbatched(torch):
    m, tm = _make_pair(torch, "GRU", 3, 4, batch_first=True)
    x = np.random.default_rng(7).standard_normal((5, 3)).astype(np.float32)
    _run_both(torch, m, tm, x, None, False)


def test_retain_graph_and_saved_freed():
    m = nn.LSTM(2, 3)
    x = gk.randn(4, 1, 2, requires_grad=True)
    out, _ = m(x)
    out.sum().backward(retain_graph=True)
    g1 = x.grad.numpy().copy()
    out.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * g1, rtol=1e-6)
    node = out._grad_fn.next[0]  # (the select node of output 0, then the LSTM node)
    assert node.saved is None  # gates and states freed once the graph is released


RNN_NAME_CASES = [
    ("LSTM", {}, "float32"), ("LSTM", {"batch_first": True}, "float32"),
    ("LSTM", {"num_layers": 2}, "float32"), ("LSTM", {"num_layers": 2, "bidirectional": True},
                                               "float32"),
    ("LSTM", {"proj_size": 2}, "float32"), ("LSTM", {}, "float64"), ("LSTM", {"bias": False},
                                                                       "float32"),
    ("GRU", {}, "float32"), ("RNN", {}, "float32"), ("RNN", {"nonlinearity": "relu"}, "float64"),
]


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize("kind,kw,dtype", RNN_NAME_CASES, ids=str)
def test_output_grad_fn_is_named_as_pytorch(kind, kw, dtype):
    # print(out) of an LSTM's output shows PyTorch's node (the sequence-models tutorial):
    # MkldnnRnnLayerBackward0 for oneDNN's LSTM, StackBackward0 for the other layers; gradkit
    # showed its own LSTMBackward0/GRUBackward0/RNNTanhBackward0
    torch = pytest.importorskip("torch")
    names = []
    for lib in (gk, torch):
        lib.manual_seed(0)
        m = getattr(lib.nn, kind)(3, 4, **kw).to(getattr(lib, dtype))
        out, h = m(lib.ones(5, 2, 3, dtype=getattr(lib, dtype)))
        h = h[0] if isinstance(h, tuple) else h
        names.append((type(out.grad_fn).__name__, type(h.grad_fn).__name__))
    assert names[0] == names[1]


@pytest.mark.filterwarnings("ignore:LSTM with projections")
@pytest.mark.parametrize("proj_size", [0, 3])
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("with_state", [False, True])
def test_lstm_forward_without_graph_keeps_no_steps(torch, proj_size, bidirectional, with_state):
    """Under no_grad (or with nothing requiring grad) the fused LSTM overwrites each step's gates
    and cell state with the next's: the same outputs as with a graph, and as PyTorch's."""
    m, tm = _make_pair(torch, "LSTM", 4, 6, num_layers=2, bidirectional=bidirectional,
                       proj_size=proj_size)
    D = 2 if bidirectional else 1
    rng = np.random.default_rng(3)
    x_np = rng.standard_normal((7, 3, 4)).astype(np.float32)
    st_np = [rng.standard_normal((2 * D, 3, n)).astype(np.float32)
             for n in (proj_size or 6, 6)]
    hx = tuple(gk.tensor(s) for s in st_np) if with_state else None
    thx = tuple(torch.from_numpy(s) for s in st_np) if with_state else None
    with_graph = m(gk.tensor(x_np), hx)
    with gk.no_grad():
        without = m(gk.tensor(x_np), hx)
    for p in m.parameters():
        p.requires_grad_(False)
    frozen = m(gk.tensor(x_np), hx)
    with torch.no_grad():
        tout, (th, tc) = tm(torch.from_numpy(x_np), thx)
    for got in (without, frozen):
        assert got[0].grad_fn is None
        for a, b in zip((got[0],) + tuple(got[1]), (with_graph[0],) + tuple(with_graph[1])):
            np.testing.assert_array_equal(a.numpy(), b.detach().numpy())
    for a, b in zip((without[0],) + tuple(without[1]), (tout, th, tc)):
        np.testing.assert_allclose(a.numpy(), b.numpy(), atol=2e-5, rtol=1e-4)


@pytest.mark.parametrize("mode", ["LSTM", "GRU", "RNN"])
@pytest.mark.parametrize("replace", ["weight_drop", "weight_norm", "parametrize"])
def test_replaced_weights_are_used_as_torch(torch, mode, replace):
    # AWD-LSTM's WeightDrop deletes a weight parameter and sets a tensor computed from a raw
    # copy before each forward; weight_norm and parametrize replace it too: the layer computes
    # with the replacement (before, a KeyError), and gradients reach what it was computed from
    rng = np.random.default_rng(0)
    x = rng.standard_normal((5, 2, 3)).astype(np.float32)

    def run(lib):
        m = getattr(lib.nn, mode)(3, 4, num_layers=2, bidirectional=True)
        m.load_state_dict({k: lib.tensor(rng_w[k]) for k in rng_w})
        name = "weight_hh_l1_reverse"
        if replace == "weight_drop":
            raw = m._parameters.pop(name)
            m.register_parameter(name + "_raw", lib.nn.Parameter(raw.detach().clone()))
            setattr(m, name, getattr(m, name + "_raw") * 0.5)
            source = getattr(m, name + "_raw")
        elif replace == "weight_norm":
            m = lib.nn.utils.weight_norm(m, name)
            source = getattr(m, name + "_g")
        else:
            scale = type("Scale", (lib.nn.Module,), {"forward": lambda self, w: 0.3 * w})
            lib.nn.utils.parametrize.register_parametrization(m, name, scale())
            source = m.parametrizations[name].original
        y = m(lib.tensor(x))[0]
        y.sum().backward()
        return y.detach().numpy(), source.grad.numpy()

    ref = getattr(torch.nn, mode)(3, 4, num_layers=2, bidirectional=True)
    rng_w = {k: v.detach().numpy() for k, v in ref.state_dict().items()}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # weight_norm's deprecation note
        (y, g), (ty, tg) = run(gk), run(torch)
    np.testing.assert_allclose(y, ty, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(g, tg, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_recurrent_layer_of_an_empty_batch_backpropagates_as_torch(torch, kind, bidirectional):
    # a batch of no sequences ran forward, but its backward failed inside NumPy ("cannot
    # reshape array of size 0", the LSTM's "integer division or modulo by zero")
    res = []
    for L in (torch, gk):
        L.manual_seed(0)
        m = getattr(L.nn, kind)(1, 3, num_layers=2, batch_first=True,
                                bidirectional=bidirectional).double()
        x = L.zeros(0, 2, 1, dtype=L.float64, requires_grad=True)
        out, h = m(x)
        (out.sum() + (h[0] if kind == "LSTM" else h).sum()).backward()
        res.append((tuple(out.shape), tuple(x.grad.shape),
                    [p.grad.abs().sum().item() for p in m.parameters()]))
    assert res[0] == res[1]


@pytest.mark.parametrize("cls", ["RNN", "GRU"])
def test_proj_size_is_lstms_only(torch, cls):
    """PyTorch refuses proj_size (any value, 0 too) for RNN and GRU with a ValueError, not a
    TypeError for an unknown keyword."""
    for value in (2, 0):
        with pytest.raises(ValueError) as theirs:
            getattr(torch.nn, cls)(3, 4, proj_size=value)
        with pytest.raises(ValueError, match=r"^proj_size argument is only supported for LSTM, "
                           r"not RNN or GRU") as ours:
            getattr(nn, cls)(3, 4, proj_size=value)
        assert str(ours.value).startswith(str(theirs.value))
    with pytest.raises(TypeError, match="unexpected keyword argument 'hidden'"):
        getattr(nn, cls)(3, 4, hidden=2)
