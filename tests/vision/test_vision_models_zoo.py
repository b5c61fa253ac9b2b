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
                     g_dropouts=(), t_dropouts=(), output=lambda out: out, float64=True):
    """Keys, shapes, order, parameter count; torchvision's weights give the same eval outputs
    (float64, or float32 within 1e-4 for a net too large to copy in float64 cheaply), and one
    training step (dropout off) gives the same loss, gradients and running statistics."""
    # float32: rounding of ~1e-7 per operation, grown through the net's depth
    g_rtol, g_atol, b_rtol = (1e-6, 1e-8, 1e-7) if float64 else (1e-4, 1e-5, 1e-5)
    if not float64:
        rtol, atol = 1e-4, 1e-6
    t_state, g_state = t_model.state_dict(), g_model.state_dict()
    assert shapes(g_state) == shapes(t_state)
    assert (sum(p.numel() for p in g_model.parameters())
            == sum(p.numel() for p in t_model.parameters()))
    assert [n for n, _ in g_model.named_parameters()] == [n for n, _ in t_model.named_parameters()]
    if float64:
        t_model.double()
        g_model.double()
    load_from_torch(g_model, t_model)
    tx = torch.tensor(x, dtype=torch.float64 if float64 else torch.float32)
    gx = gk.tensor(x, dtype=gk.float64 if float64 else gk.float32)
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
            np.testing.assert_allclose(p.grad.numpy(), t_grad, rtol=g_rtol,
                                       atol=g_atol * np.abs(t_grad).max() + 1e-12 * scale,
                                       err_msg=name)
    t_buffers = dict(t_model.named_buffers())
    for name, b in g_model.named_buffers():
        np.testing.assert_allclose(b.numpy(), t_buffers[name].numpy(), rtol=b_rtol,
                                   atol=b_rtol * 1e-2, err_msg=name)


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
    ("regnet_y_400mf", {"num_classes": 10}, 32),
    ("resnet18", {"num_classes": 10}, 32),
]


# AlexNet's 61 M parameters (its 4096-wide classifier) are compared in float32
FLOAT32 = {"alexnet"}


@pytest.mark.parametrize("name,kwargs,size", CASES, ids=[c[0] for c in CASES])
def test_model_matches_torchvision(tv, name, kwargs, size):
    t_model, g_model = _pair(tv, name, **kwargs)
    check_init(t_model, g_model)
    t_drop, g_drop = _dropouts(tv)
    check_same_model(tv.torch, t_model, g_model, _image(4, size), t_dropouts=t_drop,
                     g_dropouts=g_drop, float64=name not in FLOAT32)


# -- the rest of the zoo: torchvision's own constructors, structure only (their arithmetic is
# that of the family's model above); torchvision's model is built on the meta device --------

STRUCTURE = [
    ("densenet169", {}), ("efficientnet_b2", {}), ("shufflenet_v2_x2_0", {}),
    ("vit_b_16", {}), ("googlenet", {"init_weights": True}),
    ("mobilenet_v2", {"width_mult": 0.75}),
    ("mobilenet_v3_large", {"reduced_tail": True, "dilated": True, "width_mult": 0.75}),
    ("resnext50_32x4d", {}),
]


@pytest.mark.parametrize("name,kwargs", STRUCTURE, ids=[c[0] for c in STRUCTURE])
def test_structure_matches_torchvision(tv, name, kwargs):
    with tv.torch.device("meta"):
        t_model = getattr(tv.models, name)(**kwargs)
    g_model = getattr(gmodels, name)(**kwargs)
    assert shapes(g_model.state_dict()) == shapes(t_model.state_dict())
    n = sum(p.numel() for p in g_model.parameters())
    assert n == sum(p.numel() for p in t_model.parameters())
    if not kwargs:
        enum = tv.models.get_model_weights(name)
        assert n == enum.DEFAULT.meta["num_params"]


REGNETS = ["regnet_y_400mf", "regnet_y_800mf", "regnet_y_1_6gf", "regnet_y_3_2gf",
           "regnet_y_8gf", "regnet_y_16gf", "regnet_y_32gf", "regnet_y_128gf", "regnet_x_400mf",
           "regnet_x_800mf", "regnet_x_1_6gf", "regnet_x_3_2gf", "regnet_x_8gf", "regnet_x_16gf",
           "regnet_x_32gf"]


def test_regnet_stages_match_torchvision(tv, monkeypatch):
    """The stage depths, widths and group widths torchvision derives (in float32) from each
    RegNet configuration, read from the BlockParams each constructor builds."""
    import gradkit.vision.models.regnet as g_regnet
    seen = []
    monkeypatch.setattr(tv.models.regnet, "_regnet",
                        lambda params, weights, progress, **kwargs: seen.append(params))
    monkeypatch.setattr(g_regnet, "_regnet", lambda params, kwargs: seen.append(params))
    fields = ("depths", "widths", "group_widths", "bottleneck_multipliers", "strides",
              "se_ratio")
    for name in REGNETS:
        seen.clear()
        getattr(tv.models, name)()
        getattr(gmodels, name)()
        t_params, g_params = seen
        for f in fields:
            assert list(np.ravel(getattr(g_params, f))) == list(np.ravel(getattr(t_params, f))), \
                (name, f)
    monkeypatch.undo()
    t_model, g_model = _pair(tv, "regnet_x_400mf")
    assert shapes(g_model.state_dict()) == shapes(t_model.state_dict())


def test_densenet_memory_efficient(tv):
    """``memory_efficient`` recomputes each bottleneck in backward: the same gradients."""
    config = dict(growth_rate=8, block_config=(2, 3), num_init_features=8, num_classes=5,
                  drop_rate=0.0, memory_efficient=True)
    tv.torch.manual_seed(0)
    t_model = tv.models.DenseNet(**config)
    g_model = gmodels.DenseNet(**config)
    check_init(t_model, g_model)
    check_same_model(tv.torch, t_model, g_model, _image(3, 32))


def test_vit_small_config_and_representation(tv):
    """VisionTransformer with a small configuration (32x32 images, 8x8 patches), with and
    without the ``representation_size`` pre-logits layer."""
    for extra in ({}, {"representation_size": 12}):
        config = dict(image_size=32, patch_size=8, num_layers=2, num_heads=2, hidden_dim=16,
                      mlp_dim=24, num_classes=10, **extra)
        tv.torch.manual_seed(0)
        t_model = tv.models.VisionTransformer(**config)
        gk.manual_seed(0)
        g_model = gmodels.VisionTransformer(**config)
        check_init(t_model, g_model)
        # the head starts at zero; give it torchvision's random values to compare the outputs
        with tv.torch.no_grad():
            t_model.heads.head.weight.normal_()
        t_drop, g_drop = _dropouts(tv)
        check_same_model(tv.torch, t_model, g_model, _image(3, 32), t_dropouts=t_drop,
                         g_dropouts=g_drop)


def test_vit_checks_image_size():
    model = gmodels.VisionTransformer(image_size=32, patch_size=8, num_layers=1, num_heads=2,
                                      hidden_dim=8, mlp_dim=8)
    with pytest.raises(AssertionError, match="Wrong image height! Expected 32 but got 24"):
        model(gk.zeros(1, 3, 24, 32))
    with pytest.raises(AssertionError, match="indivisible by patch size"):
        gmodels.VisionTransformer(image_size=30, patch_size=8, num_layers=1, num_heads=2,
                                  hidden_dim=8, mlp_dim=8)


def test_googlenet_aux_logits_and_transform_input(tv):
    """In training GoogLeNet returns GoogLeNetOutputs(logits, aux_logits2, aux_logits1); the
    three heads' gradients and the ``transform_input`` renormalisation match torchvision's."""
    kwargs = {"num_classes": 6, "init_weights": True, "transform_input": True,
              "dropout": 0.0, "dropout_aux": 0.0}
    t_model, g_model = _pair(tv, "googlenet", **kwargs)
    check_same_model(tv.torch, t_model, g_model, _image(2, 32), train_step=False)
    t_model.train()
    g_model.train()
    x = _image(2, 32, seed=1)
    t_out = t_model(tv.torch.tensor(x))
    g_out = g_model(gk.tensor(x, dtype=gk.float64))
    assert type(g_out).__name__ == "GoogLeNetOutputs" and g_out._fields == t_out._fields
    for g, t in zip(g_out, t_out):
        np.testing.assert_allclose(g.detach().numpy(), t.detach().numpy(), rtol=1e-7,
                                   atol=1e-9)
    sum(t_out).pow(2).sum().backward()
    sum(g_out).pow(2).sum().backward()
    t_params = dict(t_model.named_parameters())
    for name in ("aux1.fc2.weight", "aux2.conv.conv.weight", "fc.weight", "conv1.conv.weight"):
        np.testing.assert_allclose(g_model.get_parameter(name).grad.numpy(),
                                   t_params[name].grad.numpy(), rtol=1e-6, atol=1e-9)
    g_model.eval()
    assert isinstance(g_model(gk.zeros(1, 3, 32, 32, dtype=gk.float64)), gk.Tensor)
    with pytest.warns(FutureWarning, match="default weight initialization of GoogleNet"):
        gmodels.googlenet(aux_logits=False)


# -- weights, signatures ---------------------------------------------------------------------

FAMILIES = ["alexnet", "mobilenet_v2", "mobilenet_v3_small", "mobilenet_v3_large",
            "squeezenet1_0", "squeezenet1_1", "densenet121", "densenet161", "densenet169",
            "densenet201", "efficientnet_b0", "efficientnet_b1", "efficientnet_b2",
            "efficientnet_b3", "efficientnet_b4", "efficientnet_b5", "efficientnet_b6",
            "efficientnet_b7", "efficientnet_v2_s", "efficientnet_v2_m", "efficientnet_v2_l",
            "shufflenet_v2_x0_5", "shufflenet_v2_x1_0", "shufflenet_v2_x1_5",
            "shufflenet_v2_x2_0", "googlenet", "vit_b_16", "vit_b_32", "vit_l_16", "vit_l_32",
            "vit_h_14", "convnext_tiny", "convnext_small", "convnext_base", "convnext_large",
            "regnet_y_400mf", "regnet_y_800mf", "regnet_y_1_6gf", "regnet_y_3_2gf",
            "regnet_y_8gf", "regnet_y_16gf", "regnet_y_32gf", "regnet_y_128gf",
            "regnet_x_400mf", "regnet_x_800mf", "regnet_x_1_6gf", "regnet_x_3_2gf",
            "regnet_x_8gf", "regnet_x_16gf", "regnet_x_32gf", "resnet18", "resnet34",
            "resnet50", "resnet101", "resnet152", "resnext50_32x4d", "resnext101_32x8d",
            "resnext101_64x4d", "wide_resnet50_2", "wide_resnet101_2", "vgg11", "vgg11_bn",
            "vgg13", "vgg13_bn", "vgg16", "vgg16_bn", "vgg19", "vgg19_bn"]


def test_weights_enums_match_torchvision(tv):
    """Each constructor's Weights enum: the same members, URLs and parameter counts."""
    for name in FAMILIES:
        t_enum = tv.models.get_model_weights(name)
        g_enum = getattr(gmodels, t_enum.__name__)
        assert list(g_enum.__members__) == list(t_enum.__members__), name
        for member, t_w in t_enum.__members__.items():
            g_w = g_enum[member]
            assert g_w.url == t_w.url, (name, member)
            assert g_w.meta["num_params"] == t_w.meta["num_params"], (name, member)


def test_weights_names_are_checked():
    with pytest.raises(ValueError, match="Invalid weight name"):
        gmodels.squeezenet1_1(weights="IMAGENET1K_V9")
    with pytest.raises(TypeError, match="Invalid Weight class"):
        gmodels.alexnet(weights=gmodels.ResNet18_Weights.DEFAULT)


def _signature(fn):
    import inspect
    out = []
    for p in inspect.signature(fn).parameters.values():
        default = p.default
        if not isinstance(default, (int, float, str, bool, type(None), tuple, list)):
            default = "<object>"
        out.append((p.name, p.kind, default))
    return out


def test_signatures_match_torchvision(tv):
    """Constructors and model classes take torchvision's arguments with its defaults."""
    classes = ["AlexNet", "MobileNetV2", "MobileNetV3", "SqueezeNet", "DenseNet",
               "EfficientNet", "ShuffleNetV2", "GoogLeNet", "VisionTransformer", "ConvNeXt",
               "RegNet", "ResNet", "VGG"]
    for name in FAMILIES + classes:
        assert _signature(getattr(gmodels, name)) == _signature(getattr(tv.models, name)), name
    for name in ["Conv2dNormActivation", "SqueezeExcitation", "MLP", "Permute"]:
        assert _signature(getattr(gvops, name)) == _signature(getattr(tv.misc, name)), name
    assert _signature(gvops.StochasticDepth) == _signature(tv.sd.StochasticDepth)
    assert _signature(gvops.stochastic_depth) == _signature(tv.sd.stochastic_depth)


# -- gradkit.vision.ops ----------------------------------------------------------------------

def test_stochastic_depth():
    gk.manual_seed(0)
    x = gk.ones(400, 3, 2, 2)
    assert gvops.stochastic_depth(x, 0.3, "row", training=False) is x
    assert gvops.stochastic_depth(x, 0.0, "batch") is x
    out = gvops.stochastic_depth(x, 0.25, "row").numpy()
    rows = out.reshape(400, -1)
    # each row is dropped whole or kept and scaled by 1 / (1 - p)
    np.testing.assert_allclose(rows, (rows[:, :1] > 0) / 0.75 * np.ones_like(rows), rtol=1e-6)
    kept = (rows[:, 0] > 0).mean()
    assert abs(kept - 0.75) < 4 * np.sqrt(0.75 * 0.25 / 400)
    whole = gvops.stochastic_depth(x, 0.5, "batch").numpy()
    assert len(np.unique(whole)) == 1
    assert float(gvops.stochastic_depth(x, 1.0, "row").abs().sum()) == 0.0
    with pytest.raises(ValueError, match="drop probability has to be between 0 and 1"):
        gvops.stochastic_depth(x, 1.5, "row")
    with pytest.raises(ValueError, match="mode has to be either 'batch' or 'row'"):
        gvops.stochastic_depth(x, 0.5, "rows")
    assert repr(gvops.StochasticDepth(0.2, "row")) == "StochasticDepth(p=0.2, mode=row)"


def test_ops_blocks_match_torchvision(tv):
    torch = tv.torch
    cases = [
        ("Conv2dNormActivation", (4, 6), {"kernel_size": 3, "stride": 2}),
        ("Conv2dNormActivation", (4, 6), {"kernel_size": (3, 5), "dilation": (1, 2),
                                          "norm_layer": None, "activation_layer": None}),
        ("SqueezeExcitation", (6, 3), {}),
        ("MLP", (6, [8, 5]), {"norm_layer": None, "dropout": 0.0}),
    ]
    for name, args, kwargs in cases:
        torch.manual_seed(0)
        t_mod = getattr(tv.misc, name)(*args, **kwargs).double()
        g_mod = getattr(gvops, name)(*args, **kwargs).double()
        assert shapes(g_mod.state_dict()) == shapes(t_mod.state_dict()), name
        load_from_torch(g_mod, t_mod)
        x = np.random.default_rng(0).standard_normal((2, 4, 7, 9) if name.startswith("Conv")
                                                     else (2, 6, 5, 5) if name[0] == "S"
                                                     else (2, 6))
        t_mod.eval()
        g_mod.eval()
        np.testing.assert_allclose(g_mod(gk.tensor(x)).detach().numpy(),
                                   t_mod(torch.tensor(x)).detach().numpy(), rtol=1e-10,
                                   atol=1e-12, err_msg=name)
    perm = gvops.Permute([0, 2, 3, 1])
    assert tuple(perm(gk.zeros(1, 2, 3, 4)).shape) == (1, 3, 4, 2)
