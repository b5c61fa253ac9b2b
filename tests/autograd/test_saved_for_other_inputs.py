"""An input that a product's backward reads only for another input's gradient is version-checked
only when that gradient is needed, as PyTorch saves it only then (derivatives.yaml's formulas).

torchode's Runge-Kutta step writes ``k[i]`` after ``einsum("j,jbf->bf", a[i, :i], k[:i])`` with a
constant tableau ``a``: PyTorch trains through it; gradkit raised "modified by an inplace
operation" at backward for einsum, matmul, linear, div, addcmul, addcdiv, lerp and hypot.
"""

import numpy as np
import pytest

import gradkit as gk

# name -> (f(lib, a, b), shape a, shape b)
CASES = {
    "mm": (lambda lib, a, b: a @ b, (3, 3), (3, 3)),
    "matmul_batched": (lambda lib, a, b: lib.matmul(a, b), (2, 3, 3), (3, 3)),
    "bmm": (lambda lib, a, b: lib.bmm(a, b), (2, 3, 3), (2, 3, 3)),
    "mv": (lambda lib, a, b: lib.mv(a, b), (3, 3), (3,)),
    "einsum_pair": (lambda lib, a, b: lib.einsum("ij,jk->ik", a, b), (3, 3), (3, 3)),
    "einsum_stages": (lambda lib, a, b: lib.einsum("j,jbf->bf", a, b), (3,), (3, 2, 2)),
    "einsum_three": (lambda lib, a, b: lib.einsum("ij,jk,kl->il", a, b, lib.ones(3, 3)),
                     (3, 3), (3, 3)),
    "linear": (lambda lib, a, b: lib.nn.functional.linear(a, b), (2, 3), (4, 3)),
    "addmm": (lambda lib, a, b: lib.addmm(lib.zeros(3, 3), a, b), (3, 3), (3, 3)),
    "tensordot": (lambda lib, a, b: lib.tensordot(a, b, dims=1), (3, 3), (3, 3)),
    "div": (lambda lib, a, b: a / b, (3,), (3,)),
    "addcmul": (lambda lib, a, b: lib.addcmul(lib.zeros(3), a, b), (3,), (3,)),
    "addcdiv": (lambda lib, a, b: lib.addcdiv(lib.zeros(3), a, b), (3,), (3,)),
    "lerp_scalar": (lambda lib, a, b: lib.lerp(a, b, 0.3), (3,), (3,)),
    "lerp_tensor": (lambda lib, a, b: lib.lerp(a, lib.ones(3), b), (3,), (3,)),
    "hypot": (lambda lib, a, b: lib.hypot(a, b), (3,), (3,)),
}


def _run(lib, name, grad_on, modify):
    """Backward after writing input ``modify`` ("a"/"b") in place; ``grad_on`` requires grad.
    Returns the gradient, or "inplace" when backward refused."""
    f, sa, sb = CASES[name]
    rng = np.random.default_rng(0)
    a = lib.tensor(rng.uniform(0.5, 1.5, sa).astype(np.float32))
    b = lib.tensor(rng.uniform(0.5, 1.5, sb).astype(np.float32))
    leaf = a if grad_on == "a" else b
    leaf.requires_grad_(True)
    y = f(lib, a, b)
    with lib.no_grad():
        (a if modify == "a" else b).mul_(2.0)
    try:
        y.sum().backward()
    except RuntimeError as e:
        assert "modified by an inplace operation" in str(e)
        return "inplace"
    return leaf.grad.detach().numpy()


# matmul (mm, bmm, mv, addmm, tensordot go through it) still checks both operands: with
# Op.saved_for on it, test_anomaly_memory's tracemalloc flatness check grew by ~56 B a step
# (not yet understood), so it was left out; these cases fail until it is done
_MATMUL = {"mm", "matmul_batched", "bmm", "mv", "addmm", "tensordot"}
_LEFT = {(n, g, m) for n in _MATMUL for g, m in (("a", "a"), ("b", "b"))}


def _params():
    for name in sorted(CASES):
        for grad_on, modify in (("a", "a"), ("a", "b"), ("b", "a"), ("b", "b")):
            marks = [pytest.mark.xfail(strict=True, reason="matmul: both operands checked")] \
                if (name, grad_on, modify) in _LEFT else []
            yield pytest.param(name, grad_on, modify, marks=marks, id=f"{name}-{grad_on}{modify}")


@pytest.mark.parametrize("name, grad_on, modify", list(_params()))
def test_in_place_write_after_a_product_as_torch(name, grad_on, modify):
    torch = pytest.importorskip("torch")
    want = _run(torch, name, grad_on, modify)
    got = _run(gk, name, grad_on, modify)
    if isinstance(want, str):
        assert isinstance(got, str) and got == want, f"{name}: PyTorch refuses the write"
    else:
        assert not isinstance(got, str), f"{name}: gradkit refused where PyTorch computes"
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6)


def test_runge_kutta_stages_train_as_torch():
    # torchode's stage loop: k = empty; k[0] = f(y); y_i = y + dt * einsum(a[i, :i], k[:i]);
    # k[i] = f(y_i); the step's result mixes the stages with b.
    torch = pytest.importorskip("torch")

    def run(lib):
        rng = np.random.default_rng(1)
        w = lib.tensor(rng.standard_normal((2, 2)) * 0.5, requires_grad=True)
        y = lib.tensor(rng.standard_normal((3, 2)))
        a = lib.tensor([[0.0, 0.0, 0.0], [0.5, 0.0, 0.0], [0.0, 0.75, 0.0]], dtype=lib.float64)
        bw = lib.tensor([2 / 9, 1 / 3, 4 / 9], dtype=lib.float64)
        for _ in range(2):
            k = y.new_empty((3,) + tuple(y.shape))
            k[0] = lib.tanh(y @ w)
            for i in range(1, 3):
                yi = y + 0.1 * lib.einsum("j,jbf->bf", a[i, :i], k[:i])
                k[i] = lib.tanh(yi @ w)
            y = y + 0.1 * lib.einsum("s,sbf->bf", bw, k)
        (y ** 2).sum().backward()
        return y.detach().numpy(), w.grad.numpy()

    (gy, gg), (ty, tg) = run(gk), run(torch)
    np.testing.assert_allclose(gy, ty, rtol=1e-12)
    np.testing.assert_allclose(gg, tg, rtol=1e-10)
