import numpy as np
from oracle import check_grad, t64

import gradkit as gk


def test_square_sum_gradient():
    x = gk.tensor([1.0, 2.0, 3.0], requires_grad=True)
    (x ** 2).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 4.0, 6.0])


def test_check_grad_helper_catches_a_wrong_rule(rng):
    x = t64(rng, 3, 4)
    check_grad(lambda a: (a.tanh() * a).sum(1), [x])
    # a function whose "gradient" is wrong must fail the helper
    class Wrong(gk.autograd.Function):
        @staticmethod
        def forward(ctx, a):
            return a * 2

        @staticmethod
        def backward(ctx, g):
            return g * 3

    try:
        check_grad(lambda a: Wrong.apply(a), [x])
    except AssertionError:
        return
    raise AssertionError("check_grad accepted a wrong gradient")
