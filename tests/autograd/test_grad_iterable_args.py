"""``autograd.grad`` and ``autograd.backward`` take any iterable of tensors for their outputs,
inputs and output gradients (a generator, ``iter(list)``, ``dict.values()``), as PyTorch's,
which turns each into a tuple: meta-learning libraries pass ``module.parameters()`` itself."""

import numpy as np
import pytest

import gradkit as gk


def _leaves():
    a = gk.tensor([1.0, 2.0, 3.0], requires_grad=True)
    b = gk.tensor([0.5, -1.0, 2.0], requires_grad=True)
    return a, b


@pytest.mark.parametrize("wrap", [iter, lambda xs: (x for x in xs),
                                  lambda xs: dict(enumerate(xs)).values()])
def test_grad_inputs_any_iterable(wrap):
    a, b = _leaves()
    loss = (a * b).sum() + a.pow(2).sum()
    ga, gb = gk.autograd.grad(loss, wrap([a, b]))
    np.testing.assert_allclose(ga.numpy(), (b + 2 * a).detach().numpy())
    np.testing.assert_allclose(gb.numpy(), a.detach().numpy())


def test_grad_outputs_and_grad_outputs_iterables():
    a, b = _leaves()
    y1, y2 = a * 2, b * 3
    ga, gb = gk.autograd.grad(iter([y1, y2]), (a, b),
                              grad_outputs=(g for g in [gk.ones(3), gk.full((3,), 2.0)]))
    np.testing.assert_allclose(ga.numpy(), [2.0, 2.0, 2.0])
    np.testing.assert_allclose(gb.numpy(), [6.0, 6.0, 6.0])


def test_backward_inputs_generator():
    a, b = _leaves()
    loss = (a * b).sum()
    gk.autograd.backward(loss, inputs=(t for t in [a]))
    np.testing.assert_allclose(a.grad.numpy(), b.detach().numpy())
    assert b.grad is None


def test_grad_inputs_not_iterable_names_the_argument():
    a, _ = _leaves()
    with pytest.raises(TypeError, match="inputs"):
        gk.autograd.grad(a.sum(), 3)


def test_grad_generator_matches_torch():
    torch = pytest.importorskip("torch")
    lin = torch.nn.Linear(3, 2)
    glin = gk.nn.Linear(3, 2)
    glin.load_state_dict({k: gk.tensor(v.detach().numpy()) for k, v in lin.state_dict().items()})
    x = np.arange(6.0, dtype=np.float32).reshape(2, 3)
    tg = torch.autograd.grad(lin(torch.tensor(x)).pow(2).sum(), lin.parameters())
    gg = gk.autograd.grad(glin(gk.tensor(x)).pow(2).sum(), glin.parameters())
    for t, g in zip(tg, gg):
        np.testing.assert_allclose(g.numpy(), t.numpy(), rtol=1e-5, atol=1e-6)
