"""Modules used as programs use them beyond one call (hooks, parametrizations, memory formats,
state dicts, ...), checked against PyTorch: what the nn fuzzer's usage scenarios
(tests/fuzz/nn_usage_cases.py) found."""

import numpy as np
import pytest

import gradkit as gk

pytestmark = pytest.mark.filterwarnings("ignore")


def _np(t):
    return t.detach().double().numpy()


def _both(fn, torch):
    """``fn(lib)`` in both libraries: its tensors compared as float64 arrays, its other
    results exactly."""
    g, t = fn(gk), fn(torch)
    assert len(g) == len(t)
    for i, (a, b) in enumerate(zip(g, t)):
        if isinstance(b, torch.Tensor):
            assert tuple(a.shape) == tuple(b.shape), i
            np.testing.assert_allclose(_np(a), _np(b), rtol=1e-10, atol=1e-12,
                                       err_msg=f"result {i}")
        else:
            assert a == b, (i, a, b)


def test_full_backward_hook_sees_the_input_after_forward_pre_hooks(torch):
    """grad_input of a full backward hook is the gradient of what forward received (the
    forward pre-hook's replacement), not of the caller's argument."""
    def fn(L):
        x = L.tensor([[0.5, -1.0, 2.0]], dtype=L.float64, requires_grad=True)
        m = L.nn.Tanh()
        seen = []
        m.register_forward_pre_hook(lambda mod, inp: (inp[0] * 2.0,))
        m.register_full_backward_hook(lambda mod, gin, gout: seen.extend((gin[0], gout[0])))
        m(x * 1.0).sum().backward()
        return (*seen, x.grad)
    _both(fn, torch)


def test_full_backward_hook_replacing_grad_input_after_pre_hook(torch):
    def fn(L):
        x = L.tensor([[0.5, -1.0], [0.25, 3.0]], dtype=L.float64, requires_grad=True)
        m = L.nn.Linear(2, 2).double()
        with L.no_grad():
            m.weight.copy_(L.tensor([[1.0, -2.0], [0.5, 0.25]]))
            m.bias.fill_(0.1)
        m.register_forward_pre_hook(lambda mod, args, kwargs: ((args[0] + 0.5,), kwargs),
                                    with_kwargs=True)
        m.register_forward_pre_hook(lambda mod, inp: (inp[0] * 3.0,))
        m.register_full_backward_hook(lambda mod, gin, gout: (gin[0] * -2.0,))
        (m(x) ** 2).sum().backward()
        return (x.grad, m.weight.grad)
    _both(fn, torch)


@pytest.mark.parametrize("leave", [True, False])
def test_parametrization_keeps_earlier_state_dict_values(torch, leave):
    """Registering and removing a parametrization points ``original`` at new values (PyTorch's
    ``set_``): a state_dict taken before keeps its values (they were overwritten in place)."""
    def fn(L):
        P = L.nn.utils.parametrize

        class Scale(L.nn.Module):
            def forward(self, w):
                return w * 2.0 + 0.25

            def right_inverse(self, w):
                return (w - 0.25) / 2.0

        m = L.nn.Linear(2, 2).double()
        with L.no_grad():
            m.weight.copy_(L.tensor([[1.0, 2.0], [3.0, 4.0]]))
        before = m.state_dict()["weight"]
        P.register_parametrization(m, "weight", Scale())
        saved = m.state_dict()["parametrizations.weight.original"]
        P.remove_parametrizations(m, "weight", leave_parametrized=leave)
        return before, saved, m.weight
    _both(fn, torch)


@pytest.mark.parametrize("build, shape", [
    (lambda L: L.nn.BatchNorm1d(1, track_running_stats=False), (1, 2, 1)),
    (lambda L: L.nn.BatchNorm2d(0, eps=0.0, track_running_stats=False), (2, 4, 3, 3)),
    (lambda L: L.nn.BatchNorm1d(3, eps=0.0).eval(), (2, 4)),
])
def test_batch_norm_checks_come_before_the_channel_count(torch, build, shape):
    """A batch norm module given the wrong channel count raises torch.nn.functional's
    ValueError (one value per channel when training, a non-positive eps) first, as PyTorch."""
    outcomes = []
    for L in (gk, torch):
        try:
            build(L)(L.zeros(*shape))
            outcomes.append(None)
        except Exception as e:  # noqa: BLE001 - compared with PyTorch's
            outcomes.append(type(e))
    assert outcomes[0] is outcomes[1], outcomes


def test_nll_loss_2d_warns_as_deprecated(torch):
    """nn.NLLLoss2d gives PyTorch's FutureWarning when built, and computes NLLLoss."""
    import warnings

    x = np.random.default_rng(0).standard_normal((2, 3, 2, 2))
    t = np.array([[[0, 1], [2, 1]], [[1, 1], [0, 2]]])
    out = []
    for L in (gk, torch):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            loss = L.nn.NLLLoss2d(reduction="sum")
        assert [type(m.message) for m in w] == [FutureWarning], L.__name__
        assert "NLLLoss2d` has been deprecated" in str(w[0].message)
        out.append(_np(loss(L.tensor(x).log_softmax(1), L.tensor(t))))
    np.testing.assert_allclose(out[0], out[1], rtol=1e-12)
