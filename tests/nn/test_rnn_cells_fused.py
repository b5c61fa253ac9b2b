"""The fused LSTM and GRU cells (gradkit/ops/recurrent_cell.py) that nn.LSTMCell and
nn.GRUCell run: values and every gradient against PyTorch's cells, against the composite
cells built from gradkit ops, finite differences and second order."""

import numpy as np
import pytest

import gradkit as gk
import gradkit.nn as nn
from gradkit.autograd import gradcheck, gradgradcheck
from gradkit.nn.functional import recurrent as FR

torch = pytest.importorskip("torch")


def _pair(kind, bias, dtype, seed=0):
    gk.manual_seed(seed)
    cell = getattr(nn, kind)(3, 5, bias=bias).to(dtype)
    ref = getattr(torch.nn, kind)(3, 5, bias=bias).to(getattr(torch, np.dtype(dtype).name))
    ref.load_state_dict({k: torch.tensor(v.detach().numpy()) for k, v in cell.state_dict().items()})
    return cell, ref


@pytest.mark.parametrize("kind,which", [("LSTMCell", "h"), ("LSTMCell", "c"), ("LSTMCell", "both"),
                                        ("GRUCell", "h")])
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("dtype,tol", [(np.float64, 1e-12), (np.float32, 2e-5)])
def test_matches_torch(kind, bias, dtype, tol, which):
    cell, ref = _pair(kind, bias, dtype)
    rng = np.random.default_rng(1)
    arrays = [rng.standard_normal(s).astype(dtype) for s in ((4, 3), (4, 5), (4, 5))]
    g = [gk.tensor(a, requires_grad=True) for a in arrays]
    t = [torch.tensor(a, requires_grad=True) for a in arrays]
    if kind == "LSTMCell":
        (h, c), (th, tc) = cell(g[0], (g[1], g[2])), ref(t[0], (t[1], t[2]))
        outs = {"h": [(h, th)], "c": [(c, tc)], "both": [(h, th), (c, tc)]}[which]
    else:
        outs = [(cell(g[0], g[1]), ref(t[0], t[1]))]
        g, t = g[:2], t[:2]
    w = rng.standard_normal((4, 5)).astype(dtype)
    loss = sum((o * gk.tensor(w)).sum() for o, _ in outs)
    tloss = sum((o * torch.tensor(w)).sum() for _, o in outs)
    for o, to in outs:
        np.testing.assert_allclose(o.detach().numpy(), to.detach().numpy(), rtol=tol, atol=tol)
    loss.backward()
    tloss.backward()
    for a, b in zip(g, t):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=tol, atol=tol)
    for (name, p), q in zip(cell.named_parameters(), ref.parameters()):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=tol, atol=tol,
                                   err_msg=name)


def _inputs(kind, bias):
    rng = np.random.default_rng(2)
    H, n = 4, (4 if kind == "lstm" else 3)
    shapes = [(3, 2), (3, H)] + ([(3, H)] if kind == "lstm" else []) + [(n * H, 2), (n * H, H)]
    if bias:
        shapes += [(n * H,), (n * H,)]
    ts = [gk.tensor(rng.standard_normal(s), requires_grad=True) for s in shapes]
    return ts if bias else ts + [None, None]


@pytest.mark.parametrize("kind", ["lstm", "gru"])
@pytest.mark.parametrize("bias", [True, False])
def test_gradients_first_and_second_order(kind, bias):
    args = _inputs(kind, bias)
    leaves = [a for a in args if a is not None]

    def f(*xs):
        it = iter(xs)
        full = [next(it) if a is not None else None for a in args]
        if kind == "lstm":
            h, c = FR.fused_lstm_cell(*full)
            return (h * h).sum() + c.sin().sum()
        return FR.fused_gru_cell(*full).pow(2).sum()

    assert gradcheck(f, leaves)
    assert gradgradcheck(f, leaves)


def test_fused_equals_composite_over_a_loop():
    """A loop of cells, as time-series code writes it: equal to the composite cells."""
    gk.manual_seed(0)
    cell = nn.LSTMCell(2, 6).double()
    x = gk.randn(5, 7, 2, dtype=gk.float64)

    def run(step):
        h = c = gk.zeros(5, 6, dtype=gk.float64)
        for t in range(7):
            h, c = step(x[:, t], h, c)
        return (h.sum() + c.pow(2).sum())

    weights = (cell.weight_ih, cell.weight_hh, cell.bias_ih, cell.bias_hh)
    fused = run(lambda xt, h, c: FR.fused_lstm_cell(xt, h, c, *weights))
    gf = gk.autograd.grad(fused, list(cell.parameters()))
    comp = run(lambda xt, h, c: FR.lstm_cell(xt, h, c, *weights))
    gc = gk.autograd.grad(comp, list(cell.parameters()))
    np.testing.assert_allclose(fused.item(), comp.item(), rtol=1e-13)
    for a, b in zip(gf, gc):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-12, atol=1e-13)


def test_one_node_per_step_and_dtype_error():
    cell = nn.LSTMCell(2, 3)
    h, c = cell(gk.randn(4, 2))
    assert h.grad_fn.next_functions[0][0] is c.grad_fn.next_functions[0][0]
    with pytest.raises(RuntimeError, match="LSTMCell: input dtype .*float64.* weights"):
        cell(gk.randn(4, 2, dtype=gk.float64))
    with pytest.raises(RuntimeError, match="GRUCell: hx dtype"):
        nn.GRUCell(2, 3)(gk.randn(4, 2), gk.zeros(4, 3, dtype=gk.float64))


@pytest.mark.parametrize("name", ["rnn_tanh_cell", "rnn_relu_cell", "gru_cell", "lstm_cell"])
@pytest.mark.parametrize("dx, dh", [("float64", "float16"), ("float16", "float64"),
                                    ("float32", "float64")])
def test_cells_of_an_input_and_hidden_state_of_two_dtypes_as_torch(name, dx, dh):
    # PyTorch's cells add the input gates into the hidden gates in place (their dtype), the
    # GRU's output promotes; each product alone is of one dtype. gradkit refused any dtype
    # other than the input's (op fuzzer seed 34: rnn_relu_cell of float64 input, float16 hx)
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(2)
    g = {"lstm_cell": 4, "gru_cell": 3}.get(name, 1)
    arrays = [rng.standard_normal(s) for s in ((3, 4), (3, 5), (3, 5), (g * 5, 4), (g * 5, 5),
                                                (g * 5,), (g * 5,))]
    res = {}
    for m in (torch, gk):
        x, h, c, wi, wh, bi, bh = (m.tensor(a, dtype=getattr(m, d)) for a, d in
                                   zip(arrays, (dx, dh, dh, dx, dh, dx, dh)))
        out = getattr(m, name)(x, (h, c) if name == "lstm_cell" else h, wi, wh, bi, bh)
        res[m] = out if isinstance(out, tuple) else (out,)
    for t, o in zip(res[torch], res[gk]):
        assert str(o.dtype).split(".")[-1] == str(t.dtype).split(".")[-1]
        np.testing.assert_allclose(o.double().numpy(), t.double().numpy(), rtol=1e-6, atol=1e-6)
    h32 = gk.tensor(arrays[1], dtype=gk.float32)  # (a product of two dtypes: refused)
    with pytest.raises(RuntimeError, match="same dtype"):
        getattr(gk, name)(gk.tensor(arrays[0]), (h32, h32) if name == "lstm_cell" else h32,
                          gk.tensor(arrays[3]), gk.tensor(arrays[4]))


@pytest.mark.parametrize("module_dtype,c_dtype", [("float32", "float64"), ("float32", "int64"),
                                                  ("float32", "bfloat16"),
                                                  ("float64", "float32")])
@pytest.mark.parametrize("batched", [True, False])
def test_lstm_cell_state_of_another_dtype_promotes_as_torch(module_dtype, c_dtype, batched):
    # PyTorch checks the input and h against the weights, but its cell's f * c promotes a c of
    # another dtype (float32 weights, float64 c: float64 h' and c'); gradkit refused the c
    cell, ref = _pair("LSTMCell", True, getattr(np, module_dtype))
    rng = np.random.default_rng(3)
    lead = (2,) if batched else ()
    x, h = (rng.standard_normal(lead + (n,)).astype(module_dtype) for n in (3, 5))
    c = rng.standard_normal(lead + (5,)) * 2
    gc = gk.tensor(c).to(getattr(gk, c_dtype))
    tc = torch.tensor(c).to(getattr(torch, c_dtype))
    gx, tx = gk.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    outs = cell(gx, (gk.tensor(h), gc))
    touts = ref(tx, (torch.tensor(h), tc))
    for o, to in zip(outs, touts):
        assert str(o.dtype).split(".")[-1] == str(to.dtype).split(".")[-1]
        np.testing.assert_allclose(o.detach().float().numpy(), to.detach().float().numpy(),
                                   rtol=1e-5, atol=1e-5)
    sum(o.sum() for o in outs).backward()
    sum(o.sum() for o in touts).backward()
    np.testing.assert_allclose(gx.grad.numpy(), tx.grad.numpy(), rtol=1e-5, atol=1e-5)
