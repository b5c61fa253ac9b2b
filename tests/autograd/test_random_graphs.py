"""Property tests: random DAGs of ops and random broadcast shapes, gradients against torch."""

import numpy as np
import pytest
from oracle import assert_close

import gradkit as gk

hyp = pytest.importorskip("hypothesis")
st = hyp.strategies
HC = hyp.HealthCheck

BINARY = ["add", "sub", "mul", "div"]
UNARY = ["tanh", "sin", "exp_small", "square", "sigmoid"]


def apply_unary(name, x):
    if name == "tanh":
        return x.tanh()
    if name == "sin":
        return x.sin()
    if name == "exp_small":
        return (x * 0.1).exp()
    if name == "square":
        return x * x
    return x.sigmoid()


def apply_binary(name, a, b):
    if name == "add":
        return a + b
    if name == "sub":
        return a - b
    if name == "mul":
        return a * b
    return a / (b * b + 1)


@st.composite
def programs(draw):
    n_leaves = draw(st.integers(1, 3))
    steps = []
    for k in range(draw(st.integers(1, 12))):
        avail = n_leaves + k
        if draw(st.booleans()):
            steps.append(("u", draw(st.sampled_from(UNARY)), draw(st.integers(0, avail - 1))))
        else:
            steps.append(("b", draw(st.sampled_from(BINARY)), draw(st.integers(0, avail - 1)),
                          draw(st.integers(0, avail - 1))))
    return n_leaves, steps


def run_program(prog, leaves):
    n_leaves, steps = prog
    vals = list(leaves)
    for s in steps:
        if s[0] == "u":
            vals.append(apply_unary(s[1], vals[s[2]]))
        else:
            vals.append(apply_binary(s[1], vals[s[2]], vals[s[3]]))
    # every value contributes, so diamonds and reuse are exercised
    total = vals[-1].sum()
    for v in vals[n_leaves:-1]:
        total = total + (v * 0.5).sum()
    return total


@hyp.settings(max_examples=60, deadline=None, suppress_health_check=[HC.function_scoped_fixture])
@hyp.given(programs(), st.integers(0, 2 ** 31 - 1))
def test_random_dag_grads_match_torch(torch, prog, seed):
    rng = np.random.default_rng(seed)
    arrs = [rng.standard_normal(3) for _ in range(prog[0])]
    xs = [gk.tensor(a, dtype=gk.float64, requires_grad=True) for a in arrs]
    run_program(prog, xs).backward()
    ts = [torch.tensor(a, requires_grad=True) for a in arrs]
    run_program(prog, ts).backward()
    for x, t in zip(xs, ts):
        if t.grad is None:
            assert x.grad is None or np.allclose(x.grad.numpy(), 0)
        else:
            assert_close(x.grad, t.grad, atol=1e-10)


shapes = st.lists(st.integers(1, 3), min_size=0, max_size=3)


@st.composite
def broadcast_pair(draw):
    out = draw(shapes)
    def sub(shape):
        k = draw(st.integers(0, len(shape)))
        return [d if draw(st.booleans()) else 1 for d in shape[len(shape) - k:]]
    return sub(out), sub(out)


@hyp.settings(max_examples=40, deadline=None, suppress_health_check=[HC.function_scoped_fixture])
@hyp.given(broadcast_pair(), st.sampled_from(BINARY))
def test_broadcast_grads_match_torch(torch, shapes_ab, op):
    sa, sb = shapes_ab
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal(sa), rng.standard_normal(sb)
    ga = gk.tensor(a, dtype=gk.float64, requires_grad=True)
    gb = gk.tensor(b, dtype=gk.float64, requires_grad=True)
    (apply_binary(op, ga, gb).exp() * 0.5).sum().backward()
    ta, tb = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    (apply_binary(op, ta, tb).exp() * 0.5).sum().backward()
    assert tuple(ga.grad.shape) == tuple(sa) and tuple(gb.grad.shape) == tuple(sb)
    assert_close(ga.grad, ta.grad, atol=1e-10)
    assert_close(gb.grad, tb.grad, atol=1e-10)
