"""Function faces stored as class attributes stay unbound, as PyTorch's built-in functions do
(kornia's ``HausdorffERLoss`` keeps ``conv = torch.conv2d`` and calls ``self.conv(x, w)``)."""

import pickle

import numpy as np
import pytest

import gradkit as gk

torch = pytest.importorskip("torch")


def _holder(lib):
    class Holder:
        conv = lib.conv2d
        act = lib.tanh
        expit = lib.special.expit
        add = lib.add

        def run(self, x, w):
            return self.add(self.expit(self.act(self.conv(x, weight=w, padding=1))), 1.0)

    return Holder()


def test_class_attribute_function_is_not_bound_as_torch():
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal((1, 2, 5, 5)), rng.standard_normal((3, 2, 3, 3))
    theirs = _holder(torch).run(torch.tensor(x), torch.tensor(w))
    ours = _holder(gk).run(gk.tensor(x), gk.tensor(w))
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12)


@pytest.mark.parametrize("name", ["tanh", "conv2d", "arcsin", "add", "special.expit",
                                  "special.erf"])
def test_function_faces_pickle_by_name_as_torch(name):
    def get(lib):
        return getattr(lib.special, name[8:]) if name.startswith("special.") else \
            getattr(lib, name)

    assert pickle.loads(pickle.dumps(get(torch))) is get(torch)
    assert pickle.loads(pickle.dumps(get(gk))) is get(gk)


def test_torch_function_handler_receives_the_public_function():
    seen = []

    class Logged(gk.Tensor):
        @classmethod
        def __torch_function__(cls, func, types, args=(), kwargs=None):
            seen.append(func)
            return super().__torch_function__(func, types, args, kwargs or {})

    x = gk.ones(2).as_subclass(Logged)
    gk.add(x, 1)
    gk.special.expit(x)
    assert seen[0] is gk.add and seen[1] is gk.special.expit
    assert gk.add.__name__ == "add" and callable(gk.add) and gk.add.__wrapped__ is not None
