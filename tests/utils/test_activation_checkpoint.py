"""gradkit.utils.checkpoint: gradients equal to the uncheckpointed ones (dropout masks
repeated), fewer activations alive after forward, and the same results as torch's checkpoint."""

import tracemalloc

import numpy as np
import pytest

import gradkit as gk
import gradkit.nn as gnn
from gradkit.utils.checkpoint import checkpoint, checkpoint_sequential

torch = pytest.importorskip("torch")


def _model(dropout=0.0):
    gk.manual_seed(0)
    return gnn.Sequential(gnn.Linear(8, 32), gnn.Tanh(), gnn.Dropout(dropout),
                          gnn.Linear(32, 32), gnn.Tanh(), gnn.Linear(32, 4))


def _grads(model):
    return [p.grad.numpy().copy() for p in model.parameters()]


@pytest.mark.parametrize("use_reentrant", [True, False])
def test_gradients_equal_uncheckpointed_with_dropout(use_reentrant):
    x = gk.tensor(np.random.default_rng(0).standard_normal((5, 8)), dtype=gk.float32,
                  requires_grad=True)
    m = _model(dropout=0.5)
    gk.manual_seed(1)
    m(x).pow(2).sum().backward()
    ref, ref_x = _grads(m), x.grad.numpy().copy()
    m.zero_grad()
    x.grad = None
    gk.manual_seed(1)
    out = checkpoint(m, x, use_reentrant=use_reentrant)
    after_forward = gk.get_rng_state()
    out.pow(2).sum().backward()
    assert np.array_equal(gk.get_rng_state().numpy(), after_forward.numpy())  # state restored
    for a, b in zip(_grads(m), ref):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(x.grad.numpy(), ref_x, rtol=1e-6, atol=1e-7)


def test_input_without_grad_kwargs_and_tuple_outputs():
    m = _model()
    x = gk.randn(3, 8)
    checkpoint(lambda a, scale=1.0: m(a) * scale, x, scale=2.0,
               use_reentrant=False).sum().backward()
    ref = _grads(m)
    m.zero_grad()
    (m(x) * 2.0).sum().backward()
    for a, b in zip(ref, _grads(m)):
        np.testing.assert_allclose(a, b, rtol=1e-6)
    y = gk.randn(3, 8, requires_grad=True)
    a, b = checkpoint(lambda t: (t.sin(), t * 3), y, use_reentrant=False)
    (a.sum() + b.sum()).backward()
    np.testing.assert_allclose(y.grad.numpy(), np.cos(y.detach().numpy()) + 3, rtol=1e-6)


def _held_after_forward(fn):
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    out = fn()
    held = tracemalloc.get_traced_memory()[0] - base
    tracemalloc.stop()
    return held, out


def test_fewer_activations_alive_after_forward():
    gk.manual_seed(0)
    layers = [gnn.Linear(256, 256) for _ in range(6)]
    x = gk.randn(512, 256, requires_grad=True)

    def run(a):
        for layer in layers:
            a = gk.tanh(layer(a))
        return a

    plain, out1 = _held_after_forward(lambda: run(x).sum())
    ckpt, out2 = _held_after_forward(lambda: checkpoint(run, x, use_reentrant=False).sum())
    # one 512x256 float32 activation is 0.5 MiB; the plain graph keeps ~12 of them
    assert ckpt < plain / 3, (ckpt, plain)
    out2.backward()
    g2 = x.grad.numpy().copy()
    x.grad = None
    out1.backward()
    np.testing.assert_allclose(g2, x.grad.numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("segments", [1, 2, 3])
def test_checkpoint_sequential_matches_torch(segments):
    g = _model()
    t = torch.nn.Sequential(torch.nn.Linear(8, 32), torch.nn.Tanh(), torch.nn.Dropout(0.0),
                            torch.nn.Linear(32, 32), torch.nn.Tanh(), torch.nn.Linear(32, 4))
    t.load_state_dict({k: torch.tensor(v.numpy()) for k, v in g.state_dict().items()})
    xa = np.random.default_rng(2).standard_normal((4, 8)).astype(np.float32)
    x, tx = gk.tensor(xa, requires_grad=True), torch.tensor(xa, requires_grad=True)
    out = checkpoint_sequential(g, segments, x, use_reentrant=False)
    tout = torch.utils.checkpoint.checkpoint_sequential(t, segments, tx, use_reentrant=False)
    np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy(), rtol=1e-5,
                               atol=1e-6)
    out.pow(2).sum().backward()
    tout.pow(2).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-4, atol=1e-6)
    for p, tp in zip(g.parameters(), t.parameters()):
        np.testing.assert_allclose(p.grad.numpy(), tp.grad.numpy(), rtol=1e-4, atol=1e-6)


def test_warns_without_use_reentrant():
    with pytest.warns(UserWarning, match="use_reentrant"):
        checkpoint(lambda a: a * 2, gk.ones(2, requires_grad=True))


def test_grad_fn_names_and_requires_grad_as_torch():
    """use_reentrant=False: the outputs are function's own (its last op's grad_fn name; no grad
    needed when function's output needs none); use_reentrant=True: CheckpointFunctionBackward."""
    def names(mod, ckpt):
        a = mod.ones(3, requires_grad=True)
        b = mod.ones(3)
        out = []
        for reentrant in (False, True):
            one = ckpt(lambda x, y: (x * y).exp(), a, b, use_reentrant=reentrant)
            two = ckpt(lambda x, y: (x * y, x + 1), a, b, use_reentrant=reentrant)
            out.append((type(one.grad_fn).__name__, [type(t.grad_fn).__name__ for t in two]))
        free = ckpt(lambda x, y: (x * y, y + 1), a, b, use_reentrant=False)
        out.append([t.requires_grad for t in free])
        return out

    theirs = names(torch, torch.utils.checkpoint.checkpoint)
    assert names(gk, checkpoint) == theirs
    assert theirs[0] == ("ExpBackward0", ["MulBackward0", "AddBackward0"])
    y = gk.ones(3, requires_grad=True)
    out = checkpoint(lambda t: (t * 2).sin(), y, use_reentrant=False)
    out.sum().backward()  # the renamed node still runs the recomputation
    np.testing.assert_allclose(y.grad.numpy(), 2 * np.cos(2 * np.ones(3)), rtol=1e-6)
