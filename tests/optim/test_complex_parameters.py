"""Optimizers on complex parameters against torch: PyTorch steps a complex parameter as its
real view (real and imaginary parts as two real coordinates); trajectories on a complex
least-squares problem, a real parameter beside the complex one."""

import numpy as np
import pytest

import gradkit as gk

torch = pytest.importorskip("torch")

_rng = np.random.default_rng(3)
A = _rng.standard_normal((6, 3)) + 1j * _rng.standard_normal((6, 3))
B = _rng.standard_normal(6) + 1j * _rng.standard_normal(6)
Z0 = np.array([1 + 2j, 3 - 1j, 0.5j])
S0 = np.array([0.3, -0.2])


def _trajectory(m, name, kw, steps):
    z = m.tensor(Z0, requires_grad=True)
    s = m.tensor(S0, requires_grad=True)  # a real parameter in the same group
    a, b = m.tensor(A), m.tensor(B)
    opt = getattr(m.optim, name)([z, s], **kw)

    def closure():
        opt.zero_grad()
        loss = (m.abs(a @ z - b) ** 2).sum() + ((s - 1) ** 2).sum() * m.abs(z[0])
        loss.backward()
        return loss

    out = []
    for _ in range(steps):
        opt.step(closure)
        out.append(np.concatenate([z.detach().numpy(), s.detach().numpy()]))
    return np.array(out)


CASES = {
    "Rprop": {"lr": 0.1},
    "Rprop_etas": {"lr": 0.05, "etas": (0.3, 1.5), "step_sizes": (1e-3, 0.2)},
    "LBFGS": {"lr": 1.0, "max_iter": 5},
    "LBFGS_strong_wolfe": {"lr": 1.0, "max_iter": 6, "line_search_fn": "strong_wolfe",
                           "history_size": 3},
    "Adam": {"lr": 0.1},
    "SGD": {"lr": 0.02, "momentum": 0.9, "nesterov": True},
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_complex_parameter_trajectory_as_torch(case):
    name = case.split("_")[0]
    got = _trajectory(gk, name, CASES[case], 6)
    want = _trajectory(torch, name, CASES[case], 6)
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-11)


def test_rprop_complex_step_sizes_start_at_lr_for_both_parts():
    """The imaginary part moves from the first step (its step size was 0: it stayed put)."""
    z = gk.tensor(np.array([1 + 2j]), requires_grad=True)
    opt = gk.optim.Rprop([z], lr=0.1)
    (z * z.conj()).real.sum().backward()
    opt.step()
    assert complex(z.detach().numpy()[0]) == pytest.approx(0.9 + 1.9j)
