"""gradkit.vision.models: torchvision's state_dict keys and shapes, forward, the weights rule.

The expected keys are spelled out here from the published architectures (He et al. 2015 as in
torchvision's resnet.py: a 7x7 stem, four stages of BasicBlock/Bottleneck with a 1x1 conv + BN
``downsample`` where the shape changes, ``fc``; VGG configuration "A": eight 3x3 convs in
``features``, a three-layer ``classifier``), and the parameter counts are the ``num_params``
torchvision publishes for its ImageNet weights.
"""

import numpy as np
import pytest

import gradkit as gk
from gradkit.vision import models

BN = ("weight", "bias", "running_mean", "running_var", "num_batches_tracked")


def _bn(prefix, c):
    return {f"{prefix}.{k}": ((c,) if k != "num_batches_tracked" else ()) for k in BN}


def _resnet_keys(block, layers, num_classes=1000):
    keys = {"conv1.weight": (64, 3, 7, 7), **_bn("bn1", 64)}
    inplanes = 64
    exp = 1 if block == "basic" else 4
    for stage, (planes, n) in enumerate(zip((64, 128, 256, 512), layers), start=1):
        for b in range(n):
            p = f"layer{stage}.{b}"
            stride = 2 if (b == 0 and stage > 1) else 1
            if block == "basic":
                keys[f"{p}.conv1.weight"] = (planes, inplanes, 3, 3)
                keys.update(_bn(f"{p}.bn1", planes))
                keys[f"{p}.conv2.weight"] = (planes, planes, 3, 3)
                keys.update(_bn(f"{p}.bn2", planes))
            else:
                keys[f"{p}.conv1.weight"] = (planes, inplanes, 1, 1)
                keys.update(_bn(f"{p}.bn1", planes))
                keys[f"{p}.conv2.weight"] = (planes, planes, 3, 3)
                keys.update(_bn(f"{p}.bn2", planes))
                keys[f"{p}.conv3.weight"] = (planes * 4, planes, 1, 1)
                keys.update(_bn(f"{p}.bn3", planes * 4))
            if b == 0 and (stride != 1 or inplanes != planes * exp):
                keys[f"{p}.downsample.0.weight"] = (planes * exp, inplanes, 1, 1)
                keys.update(_bn(f"{p}.downsample.1", planes * exp))
            inplanes = planes * exp
    keys["fc.weight"] = (num_classes, 512 * exp)
    keys["fc.bias"] = (num_classes,)
    return keys


def _state_shapes(model):
    return {k: tuple(v.shape) for k, v in model.state_dict().items()}


@pytest.mark.parametrize("name,block,layers,num_params", [
    ("resnet18", "basic", [2, 2, 2, 2], 11689512),
    ("resnet34", "basic", [3, 4, 6, 3], 21797672),
    ("resnet50", "bottleneck", [3, 4, 6, 3], 25557032),
])
def test_resnet_state_dict_matches_torchvision(name, block, layers, num_params):
    model = getattr(models, name)()
    expected = _resnet_keys(block, layers)
    assert list(model.state_dict().keys()) == list(expected.keys())
    assert _state_shapes(model) == expected
    assert sum(p.numel() for p in model.parameters()) == num_params


def test_resnet18_forward_num_classes_and_init():
    gk.manual_seed(0)
    model = models.resnet18(num_classes=10)
    assert tuple(model.fc.weight.shape) == (10, 512)
    model.eval()
    out = model(gk.randn(2, 3, 32, 32))
    assert tuple(out.shape) == (2, 10) and bool(gk.isfinite(out).all())
    model.train()
    loss = gk.nn.functional.cross_entropy(model(gk.randn(2, 3, 32, 32)), gk.tensor([1, 2]))
    loss.backward()
    assert model.conv1.weight.grad is not None
    # torchvision's init: kaiming_normal_(fan_out, relu) convs, BN weight 1 / bias 0
    w = model.layer3[0].conv2.weight.detach().numpy()
    assert abs(w.std() - np.sqrt(2.0 / (256 * 9))) < 0.05 * np.sqrt(2.0 / (256 * 9))
    assert bool((model.bn1.weight == 1).all()) and bool((model.bn1.bias == 0).all())
    zero = models.resnet18(zero_init_residual=True)
    assert bool((zero.layer1[0].bn2.weight == 0).all())
    assert bool((zero.layer1[0].bn1.weight == 1).all())


def test_resnet_state_dict_round_trip():
    a, b = models.resnet18(num_classes=3), models.resnet18(num_classes=3)
    b.load_state_dict(a.state_dict())
    a.eval()
    b.eval()
    x = gk.randn(1, 3, 16, 16)
    np.testing.assert_array_equal(a(x).detach().numpy(), b(x).detach().numpy())


VGG_A = [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"]


def _vgg_keys(bn, num_classes=1000):
    keys, idx, cin = {}, 0, 3
    for v in VGG_A:
        if v == "M":
            idx += 1
            continue
        keys[f"features.{idx}.weight"] = (v, cin, 3, 3)
        keys[f"features.{idx}.bias"] = (v,)
        if bn:
            keys.update(_bn(f"features.{idx + 1}", v))
        idx += 3 if bn else 2
        cin = v
    keys.update({"classifier.0.weight": (4096, 25088), "classifier.0.bias": (4096,),
                 "classifier.3.weight": (4096, 4096), "classifier.3.bias": (4096,),
                 "classifier.6.weight": (num_classes, 4096), "classifier.6.bias": (num_classes,)})
    return keys


@pytest.mark.parametrize("name,bn,num_params", [("vgg11", False, 132863336),
                                                ("vgg11_bn", True, 132868840)])
def test_vgg11_state_dict_forward_and_num_classes(name, bn, num_params):
    # init_weights=False: keys and shapes do not depend on it, and normal_ over the 100M
    # classifier weights is slow here
    gk.manual_seed(0)
    model = getattr(models, name)(init_weights=False, num_classes=7 if bn else 1000)
    expected = _vgg_keys(bn, num_classes=7 if bn else 1000)
    assert list(model.state_dict().keys()) == list(expected.keys())
    assert _state_shapes(model) == expected
    if not bn:
        assert sum(p.numel() for p in model.parameters()) == num_params
    else:  # the published count is at 1000 classes: 4097 parameters per class
        assert sum(p.numel() for p in model.parameters()) == num_params - 993 * 4097
        model.eval()
        out = model(gk.randn(1, 3, 32, 32))
        assert tuple(out.shape) == (1, 7) and bool(gk.isfinite(out).all())


def test_pretrained_weights_offline_say_where_to_put_the_file(tmp_path, monkeypatch):
    # no server on port 9: the download fails at once (hermetic), and the error says which
    # file to put where
    monkeypatch.setattr(gk.hub, "_HUB_DIR", [str(tmp_path)])
    member = models.ResNet18_Weights.IMAGENET1K_V1
    monkeypatch.setattr(member.value, "url", "http://127.0.0.1:9/resnet18-f37072fd.pth")
    for call in (lambda: models.resnet18(weights=models.ResNet18_Weights.DEFAULT),
                 lambda: models.resnet18(weights="IMAGENET1K_V1")):
        with pytest.raises(RuntimeError) as err:
            call()
        msg = str(err.value)
        assert "could not download http://127.0.0.1:9/resnet18-f37072fd.pth" in msg
        assert str(tmp_path / "checkpoints" / "resnet18-f37072fd.pth") in msg
    with pytest.raises(ValueError, match="Invalid weight name"):
        models.resnet50(weights="IMAGENET9K")
    assert models.ResNet50_Weights.DEFAULT is models.ResNet50_Weights.IMAGENET1K_V2
    assert models.ResNet18_Weights.DEFAULT.meta["num_params"] == 11689512
