"""gradkit.vision.models against torchvision 0.28's models (the ``oracle`` extra).

For each architecture: the state_dict keys, shapes and order and the parameter count equal
torchvision's; torchvision's weights load with strict=True and give the same eval-mode outputs in
float64; one training step (dropout off) gives the same loss, gradients and BatchNorm running
statistics; and each parameter is initialised as torchvision initialises it.

The torchvision wheel on PyPI is built against CUDA torch; with a CPU torch its compiled ops
(``torchvision._C``) do not load and ``import torchvision`` fails while registering them. The
models need none of those ops, so where the plain import fails the package is imported with its
``__init__`` skipped, and ``sys.modules`` is put back afterwards, so that nothing else in the
test session sees a half-imported torchvision.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import types

import numpy as np
import pytest

import gradkit as gk
from gradkit.vision import models as gmodels
from gradkit.vision import ops as gvops


def torchvision_modules():
    """(torch, torchvision.models, torchvision.ops.misc, torchvision.ops.stochastic_depth);
    skips the test without torchvision."""
    torch = pytest.importorskip("torch")
    if importlib.util.find_spec("torchvision") is None:
        pytest.skip("torchvision is not installed")
    saved = {k: v for k, v in sys.modules.items() if k == "torchvision" or
             k.startswith("torchvision.")}
    try:
        try:
            models = importlib.import_module("torchvision.models")
        except (RuntimeError, OSError, ImportError):
            for k in [k for k in sys.modules if k == "torchvision" or
                      k.startswith("torchvision.")]:
                del sys.modules[k]
            spec = importlib.util.find_spec("torchvision")
            stub = types.ModuleType("torchvision")
            stub.__path__ = list(spec.submodule_search_locations)
            sys.modules["torchvision"] = stub
            models = importlib.import_module("torchvision.models")
        misc = importlib.import_module("torchvision.ops.misc")
        sd = importlib.import_module("torchvision.ops.stochastic_depth")
    finally:
        for k in [k for k in sys.modules if k == "torchvision" or k.startswith("torchvision.")]:
            del sys.modules[k]
        sys.modules.update(saved)
    return torch, models, misc, sd


def shapes(state):
    return [(k, tuple(v.shape)) for k, v in state.items()]


def load_from_torch(g_model, t_model):
    """torchvision's state_dict into the gradkit model, strict."""
    state = {k: gk.tensor(v.detach().cpu().numpy()) for k, v in t_model.state_dict().items()}
    result = g_model.load_state_dict(state, strict=True)
    return result


def no_dropout(model, dropout_types):
    """Zero every dropout-like probability, so a training step is deterministic."""
    for m in model.modules():
        if isinstance(m, dropout_types):
            m.p = 0.0


def np_of(t):
    return t.detach().cpu().numpy() if hasattr(t, "cpu") else t.detach().numpy()


def check_same_model(torch, t_model, g_model, x, *, rtol=1e-7, atol=1e-9, train_step=True,
                     g_dropouts=(), t_dropouts=(), output=lambda out: out):
    """Keys, shapes, order, parameter count; torchvision's weights give the same eval outputs
    (float64), and one training step (dropout off) gives the same loss, gradients and running
    statistics."""
    t_state, g_state = t_model.state_dict(), g_model.state_dict()
    assert shapes(g_state) == shapes(t_state)
    assert (sum(p.numel() for p in g_model.parameters())
            == sum(p.numel() for p in t_model.parameters()))
    assert [n for n, _ in g_model.named_parameters()] == [n for n, _ in t_model.named_parameters()]
    t_model.double()
    g_model.double()
    load_from_torch(g_model, t_model)
    tx = torch.tensor(x, dtype=torch.float64)
    gx = gk.tensor(x, dtype=gk.float64)
    t_model.eval()
    g_model.eval()
    with torch.no_grad():
        t_out = output(t_model(tx)).numpy()
    with gk.no_grad():
        g_out = output(g_model(gx)).numpy()
    np.testing.assert_allclose(g_out, t_out, rtol=rtol, atol=atol)
    if not train_step:
        return
    no_dropout(t_model, t_dropouts)
    no_dropout(g_model, g_dropouts)
    t_model.train()
    g_model.train()
    target = np.arange(x.shape[0]) % t_out.shape[1]
    t_loss = torch.nn.functional.cross_entropy(output(t_model(tx)), torch.tensor(target))
    t_loss.backward()
    g_loss = gk.nn.functional.cross_entropy(output(g_model(gx)), gk.tensor(target))
    g_loss.backward()
    np.testing.assert_allclose(float(g_loss.detach()), float(t_loss.detach()), rtol=rtol)
    t_params = dict(t_model.named_parameters())
    # float64 sums in another order: an element far below its tensor's largest gradient carries
    # that one's rounding, and a gradient that is zero in exact arithmetic (the bias of a
    # convolution followed by BatchNorm) is rounding noise of the model's gradients
    scale = max(float(np.abs(p.grad.numpy()).max()) for p in t_model.parameters()
                if p.grad is not None)
    for name, p in g_model.named_parameters():
        tp = t_params[name]
        assert (p.grad is None) == (tp.grad is None), name
        if tp.grad is not None:
            t_grad = tp.grad.numpy()
            np.testing.assert_allclose(p.grad.numpy(), t_grad, rtol=1e-6,
                                       atol=1e-8 * np.abs(t_grad).max() + 1e-12 * scale,
                                       err_msg=name)
    t_buffers = dict(t_model.named_buffers())
    for name, b in g_model.named_buffers():
        np.testing.assert_allclose(b.numpy(), t_buffers[name].numpy(), rtol=1e-7, atol=1e-9,
                                   err_msg=name)


def check_init(t_model, g_model):
    """Each parameter drawn as torchvision draws it: constants equal, random ones with the same
    mean and standard deviation (within sampling error) and the same shape of distribution
    (uniform, whose largest value is at most sqrt(3) standard deviations, or normal)."""
    t_params = dict(t_model.named_parameters())
    for name, p in g_model.named_parameters():
        # the first 100,000 draws of a parameter decide as well as all of them, and cheaper
        g = p.detach().numpy().ravel()[:100_000].astype(np.float64)
        t = t_params[name].detach().numpy().ravel()[:100_000].astype(np.float64)
        n = g.size
        if t.std() == 0:
            np.testing.assert_array_equal(g, t, err_msg=name)
            continue
        sd = t.std()
        assert abs(g.mean() - t.mean()) <= 6 * sd / np.sqrt(n) + 1e-12, name
        assert abs(g.std() / sd - 1) <= 6 / np.sqrt(2 * n) + 0.01, (name, g.std(), sd)
        if n >= 2000:
            t_uniform = np.abs(t - t.mean()).max() / sd < 1.8
            g_uniform = np.abs(g - g.mean()).max() / g.std() < 1.8
            assert t_uniform == g_uniform, name



@pytest.fixture(scope="module")
def tv():
    torch, models, misc, sd = torchvision_modules()
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # small convolutions: threads only contend on a shared machine
    yield types.SimpleNamespace(torch=torch, models=models, misc=misc, sd=sd)
    torch.set_num_threads(threads)


def _dropouts(tv):
    return ((tv.torch.nn.Dropout, tv.sd.StochasticDepth),
            (gk.nn.Dropout, gvops.StochasticDepth))


def _pair(tv, name, seed=0, **kwargs):
    tv.torch.manual_seed(seed)
    t_model = getattr(tv.models, name)(**kwargs)
    gk.manual_seed(seed)
    g_model = getattr(gmodels, name)(**kwargs)
    return t_model, g_model


def _image(n, size, seed=0):
    return np.random.default_rng(seed).standard_normal((n, 3, size, size))


# (constructor, kwargs, input size): the smallest input each net takes, 10 classes
CASES = [
    ("alexnet", {"num_classes": 10}, 63),
    ("mobilenet_v2", {"num_classes": 5}, 32),
    ("mobilenet_v3_small", {"num_classes": 10}, 32),
    ("mobilenet_v3_large", {"num_classes": 10}, 32),
    ("squeezenet1_0", {"num_classes": 10}, 21),
    ("squeezenet1_1", {"num_classes": 10}, 17),
    ("densenet121", {"num_classes": 10}, 32),
    ("efficientnet_b0", {"num_classes": 10}, 32),
    ("shufflenet_v2_x0_5", {"num_classes": 10}, 32),
    ("shufflenet_v2_x1_0", {"num_classes": 10}, 32),
    ("googlenet", {"num_classes": 10, "aux_logits": False, "init_weights": True}, 32),
    ("convnext_tiny", {"num_classes": 10}, 32),
]


@pytest.mark.parametrize("name,kwargs,size", CASES, ids=[c[0] for c in CASES])
def test_model_matches_torchvision(tv, name, kwargs, size):
    t_model, g_model = _pair(tv, name, **kwargs)
    check_init(t_model, g_model)
    t_drop, g_drop = _dropouts(tv)
    check_same_model(tv.torch, t_model, g_model, _image(4, size), t_dropouts=t_drop,
                     g_dropouts=g_drop)
