"""Variable-length sequences (gradkit.nn.utils.rnn and RNN/LSTM/GRU on a PackedSequence) against
torch.nn.utils.rnn and PyTorch's layers: packed data, batch sizes, orders, padded outputs, final
states and every gradient; finite differences; errors."""

import numpy as np
import pytest
from oracle import check_grad

import gradkit as gk
from gradkit import nn
from gradkit.nn.utils import rnn as R

LENGTHS = [3, 6, 1, 4]  # unsorted, includes the full length and a length of 1


def _pair(torch, kind, *args, **kwargs):
    m = getattr(nn, kind)(*args, **kwargs)
    tm = getattr(torch.nn, kind)(*args, **kwargs)
    tm.load_state_dict({k: torch.from_numpy(v.detach().numpy().copy())
                        for k, v in m.state_dict().items()})
    return m, tm


def _close(a, b, atol=2e-5, rtol=1e-4, msg=""):
    a = a.detach().numpy() if isinstance(a, gk.Tensor) else a
    b = b.detach().numpy() if hasattr(b, "detach") else b
    np.testing.assert_allclose(a, b, atol=atol, rtol=rtol, err_msg=msg)


@pytest.mark.parametrize("enforce_sorted", [True, False])
@pytest.mark.parametrize("batch_first", [False, True])
def test_pack_and_pad_match_torch(torch, enforce_sorted, batch_first):
    TR = torch.nn.utils.rnn
    lengths = sorted(LENGTHS, reverse=True) if enforce_sorted else LENGTHS
    x = np.random.default_rng(0).standard_normal((4, 6, 3) if batch_first else (6, 4, 3))
    g = gk.tensor(x, requires_grad=True)
    t = torch.tensor(x, requires_grad=True)
    p = R.pack_padded_sequence(g, lengths, batch_first=batch_first, enforce_sorted=enforce_sorted)
    tp = TR.pack_padded_sequence(t, lengths, batch_first=batch_first,
                                 enforce_sorted=enforce_sorted)
    _close(p.data, tp.data)
    assert p.batch_sizes.tolist() == tp.batch_sizes.tolist()
    for a, b in ((p.sorted_indices, tp.sorted_indices), (p.unsorted_indices, tp.unsorted_indices)):
        assert (a is None) == (b is None) and (a is None or a.tolist() == b.tolist())
    out, lens = R.pad_packed_sequence(p, batch_first=batch_first, padding_value=-2.0,
                                      total_length=7)
    tout, tlens = TR.pad_packed_sequence(tp, batch_first=batch_first, padding_value=-2.0,
                                         total_length=7)
    _close(out, tout)
    assert lens.tolist() == tlens.tolist() == lengths
    w = np.random.default_rng(1).standard_normal(tuple(out.shape))
    (out * gk.tensor(w)).sum().backward()
    (tout * torch.tensor(w)).sum().backward()
    _close(g.grad, t.grad)


@pytest.mark.parametrize("side", ["right", "left"])
def test_pad_pack_unpack_sequence_match_torch(torch, side):
    TR = torch.nn.utils.rnn
    rng = np.random.default_rng(2)
    seqs = [rng.standard_normal((n, 2)) for n in (2, 5, 3)]
    g = [gk.tensor(s, requires_grad=True) for s in seqs]
    t = [torch.tensor(s, requires_grad=True) for s in seqs]
    for bf in (False, True):
        _close(R.pad_sequence(g, bf, 9.0, side), TR.pad_sequence(t, bf, 9.0, side))
    p = R.pack_sequence(g, enforce_sorted=False)
    tp = TR.pack_sequence(t, enforce_sorted=False)
    _close(p.data, tp.data)
    back = R.unpack_sequence(p)
    assert [tuple(b.shape) for b in back] == [s.shape for s in seqs]
    for b, s in zip(back, seqs):
        _close(b, s)
    total = sum((b * (i + 1)).sum() for i, b in enumerate(back))
    total.backward()
    for i, x in enumerate(g):
        _close(x.grad, np.full(x.shape, i + 1.0))


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
@pytest.mark.parametrize("num_layers,bidirectional", [(1, False), (1, True), (2, True)])
@pytest.mark.parametrize("enforce_sorted", [True, False])
@pytest.mark.parametrize("with_state", [False, True])
def test_layers_on_packed_input_match_torch(torch, kind, num_layers, bidirectional,
                                            enforce_sorted, with_state):
    TR = torch.nn.utils.rnn
    gk.manual_seed(0)
    m, tm = _pair(torch, kind, 3, 4, num_layers=num_layers, bidirectional=bidirectional)
    rng = np.random.default_rng(3)
    lengths = sorted(LENGTHS, reverse=True) if enforce_sorted else LENGTHS
    x = rng.standard_normal((6, 4, 3)).astype(np.float32)
    g = gk.tensor(x, requires_grad=True)
    t = torch.tensor(x, requires_grad=True)
    D = 2 if bidirectional else 1
    hx = thx = None
    if with_state:
        states = [rng.standard_normal((num_layers * D, 4, 4)).astype(np.float32)
                  for _ in range(2 if kind == "LSTM" else 1)]
        gs = [gk.tensor(s, requires_grad=True) for s in states]
        ts = [torch.tensor(s, requires_grad=True) for s in states]
        hx, thx = (tuple(gs), tuple(ts)) if kind == "LSTM" else (gs[0], ts[0])
    out, h = m(R.pack_padded_sequence(g, lengths, enforce_sorted=enforce_sorted), hx)
    tout, th = tm(TR.pack_padded_sequence(t, lengths, enforce_sorted=enforce_sorted), thx)
    assert isinstance(out, R.PackedSequence)
    assert out.batch_sizes.tolist() == tout.batch_sizes.tolist()
    _close(out.data, tout.data)
    states_g = list(h) if kind == "LSTM" else [h]
    states_t = list(th) if kind == "LSTM" else [th]
    padded, _ = R.pad_packed_sequence(out)
    tpadded, _ = TR.pad_packed_sequence(tout)
    loss, tloss = 0, 0
    for a, b in zip([padded] + states_g, [tpadded] + states_t):
        _close(a, b)
        w = rng.standard_normal(tuple(a.shape)).astype(np.float32)
        loss = loss + (a * gk.tensor(w)).sum()
        tloss = tloss + (b * torch.from_numpy(w)).sum()
    loss.backward()
    tloss.backward()
    _close(g.grad, t.grad)
    if with_state:
        for a, b in zip(gs, ts):
            _close(a.grad, b.grad)
    tparams = dict(tm.named_parameters())
    for n, p in m.named_parameters():
        _close(p.grad, tparams[n].grad, atol=3e-5, msg=n)


@pytest.mark.filterwarnings("ignore:LSTM with projections")
def test_lstm_proj_batch_first_and_composite_path_match_torch(torch):
    TR = torch.nn.utils.rnn
    m, tm = _pair(torch, "LSTM", 3, 5, proj_size=2, batch_first=True, bidirectional=True)
    x = np.random.default_rng(4).standard_normal((4, 6, 3)).astype(np.float32)
    tp = TR.pack_padded_sequence(torch.tensor(x), LENGTHS, batch_first=True,
                                 enforce_sorted=False)
    tout, (th, tc) = tm(tp)
    for fused in (True, False):
        m.fused = fused
        p = R.pack_padded_sequence(gk.tensor(x), LENGTHS, batch_first=True, enforce_sorted=False)
        out, (h, c) = m(p)
        _close(out.data, tout.data)
        _close(h, th)
        _close(c, tc)


def test_packed_lstm_gradients_match_finite_differences():
    gk.manual_seed(1)
    m = nn.LSTM(2, 3, bidirectional=True).double()
    x = gk.tensor(np.random.default_rng(5).standard_normal((4, 3, 2)), requires_grad=True)

    def f(x):
        out, (h, c) = m(R.pack_padded_sequence(x, [2, 4, 1], enforce_sorted=False))
        return R.pad_packed_sequence(out)[0].sum() + (h * c).sum()

    check_grad(f, [x])
    check_grad(lambda w: f(x), [m.weight_hh_l0_reverse])


def test_errors_say_what_to_fix():
    x = gk.zeros(5, 3, 2)
    with pytest.raises(RuntimeError, match="sorted in decreasing order.*enforce_sorted=False"):
        R.pack_padded_sequence(x, [2, 5, 3])
    with pytest.raises(RuntimeError, match="at least 1"):
        R.pack_padded_sequence(x, [5, 3, 0])
    with pytest.raises(RuntimeError, match="exceeds the 5 time steps"):
        R.pack_padded_sequence(x, [6, 3, 1])
    with pytest.raises(ValueError, match="2 lengths for a batch of 3"):
        R.pack_padded_sequence(x, [5, 3])
    with pytest.raises(TypeError, match="integers"):
        R.pack_padded_sequence(x, [5.0, 3.0, 1.0])
    with pytest.raises(ValueError, match="sequence 1 has shape"):
        R.pad_sequence([gk.zeros(2, 3), gk.zeros(2, 4)])
    packed = R.pack_padded_sequence(x, [5, 3, 1])
    with pytest.raises(RuntimeError, match=r"LSTM: packed data must be .*input_size=4"):
        nn.LSTM(4, 2)(packed)
    with pytest.raises(ValueError, match="total_length=3 is shorter"):
        R.pad_packed_sequence(packed, total_length=3)
    with pytest.raises(RuntimeError, match=r"expected h0 of shape \(1, 3, 2\)"):
        nn.GRU(2, 2)(packed, gk.zeros(1, 2, 2))


@pytest.mark.parametrize("batch_first", [False, True])
def test_unpad_sequence_transposes_in_place_and_copies_like_torch(torch, batch_first):
    # PyTorch's unpad_sequence calls padded.transpose_(0, 1) when batch_first=False (the
    # caller's tensor changes shape) and returns copies, not views of the batch
    rng = np.random.default_rng(3)
    data = rng.standard_normal((6, 4, 2) if not batch_first else (4, 6, 2)).astype(np.float32)
    results = []
    for lib in (torch, gk):
        padded = lib.tensor(data)
        pieces = lib.nn.utils.rnn.unpad_sequence(padded, lib.tensor(LENGTHS),
                                                 batch_first=batch_first)
        pieces[0].fill_(7.0)
        results.append((tuple(padded.shape), padded.numpy().copy(),
                        [p.numpy().copy() for p in pieces]))
    (t_shape, t_pad, t_pieces), (g_shape, g_pad, g_pieces) = results
    assert g_shape == t_shape
    np.testing.assert_array_equal(g_pad, t_pad)
    for g, t in zip(g_pieces, t_pieces, strict=True):
        np.testing.assert_array_equal(g, t)
