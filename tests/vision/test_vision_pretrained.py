"""weights= on torchvision's model builders: the published checkpoint is downloaded once into
the hub cache (here from a local HTTP server standing in for download.pytorch.org), its SHA-256
prefix checked, its old key names mapped, and loaded strictly; weights.transforms() is the
preset torchvision publishes with them."""

from __future__ import annotations

import hashlib
import warnings

import numpy as np
import pytest

import gradkit as gk
from gradkit.vision import models as M


@pytest.fixture
def server(http_folder, tmp_path, monkeypatch):
    """The local HTTP server (``http_folder``), with the hub cache in the test's folder."""
    monkeypatch.setattr(gk.hub, "_HUB_DIR", [str(tmp_path / "hub")])
    return http_folder


def _publish(www, url, member, state, stem, monkeypatch):
    """Write ``state`` as a PyTorch checkpoint named <stem>-<sha256 prefix>.pth and point the
    enum member at it."""
    tmp = www / "tmp.pth"
    gk.save(state, str(tmp), format="torch")
    digest = hashlib.sha256(tmp.read_bytes()).hexdigest()
    name = f"{stem}-{digest[:8]}.pth"
    tmp.rename(www / name)
    monkeypatch.setattr(member.value, "url", url + name)


def _same_state(a, b):
    assert set(a) == set(b)
    for k in a:
        np.testing.assert_array_equal(a[k].numpy(), b[k].numpy(), err_msg=k)


def test_weights_load_once_and_strictly(server, monkeypatch, capsys):
    url, www, seen = server
    gk.manual_seed(0)
    source = M.squeezenet1_1()
    member = M.SqueezeNet1_1_Weights.IMAGENET1K_V1
    _publish(www, url, member, source.state_dict(), "squeezenet1_1", monkeypatch)
    model = M.squeezenet1_1(weights=M.SqueezeNet1_1_Weights.DEFAULT)
    _same_state(model.state_dict(), source.state_dict())
    assert "Downloading" in capsys.readouterr().out
    M.squeezenet1_1(weights="IMAGENET1K_V1")  # by name: from the cache
    with pytest.warns(UserWarning, match="'pretrained' is deprecated"):
        M.squeezenet1_1(pretrained=True)
    assert len(seen) == 1
    x = gk.randn(1, 3, 64, 64)
    source.eval()
    model.eval()
    np.testing.assert_array_equal(model(x).detach().numpy(), source(x).detach().numpy())


def test_densenet_checkpoints_with_old_key_names_load(server, monkeypatch):
    url, www, _ = server
    gk.manual_seed(1)
    source = M.densenet121()
    old = {}
    for k, v in source.state_dict().items():  # the published files: "norm.1", no counters
        if k.endswith("num_batches_tracked"):
            continue
        for part in ("norm", "relu", "conv"):
            for i in ("1", "2"):
                k = k.replace(f".{part}{i}.", f".{part}.{i}.")
        old[k] = v
    assert any(".norm.1." in k for k in old)
    _publish(www, url, M.DenseNet121_Weights.IMAGENET1K_V1, old, "densenet121", monkeypatch)
    loaded = M.densenet121(weights="DEFAULT").state_dict()
    _same_state({k: v for k, v in loaded.items() if not k.endswith("num_batches_tracked")},
                {k: v for k, v in source.state_dict().items()
                 if not k.endswith("num_batches_tracked")})


def test_googlenet_drops_its_untrained_auxiliary_heads_as_torchvision(server, monkeypatch):
    url, www, _ = server
    gk.manual_seed(2)
    source = M.googlenet(aux_logits=True, transform_input=True, init_weights=False)
    _publish(www, url, M.GoogLeNet_Weights.IMAGENET1K_V1, source.state_dict(), "googlenet",
             monkeypatch)
    model = M.googlenet(weights="DEFAULT")
    assert model.transform_input and not model.aux_logits and model.aux1 is None
    with pytest.warns(UserWarning, match="auxiliary heads in the pretrained googlenet"):
        M.googlenet(weights="DEFAULT", aux_logits=True)


def test_wrong_hash_refused_and_settings_the_weights_fix():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(ValueError, match="'num_classes' expected value 1000 but got 10"):
            M.resnet18(weights="DEFAULT", num_classes=10)
    with pytest.raises(ValueError, match="Invalid weight name"):
        M.resnet18(weights="IMAGENET9K")


def test_presets_and_meta_match_torchvision():
    torch = pytest.importorskip("torch")
    from test_vision_models_zoo import torchvision_modules

    _, tvm, _, _ = torchvision_modules()
    checked = 0
    for name in dir(M):
        enum = getattr(M, name)
        if not (name.endswith("_Weights") and hasattr(tvm, name)):
            continue
        for member in enum:
            theirs = getattr(getattr(tvm, name), member.name)
            assert member.url == theirs.url
            assert member.meta["min_size"] == theirs.meta["min_size"]
            assert repr(member.transforms()).replace("gradkit", "torch") == \
                repr(theirs.transforms()), (name, member.name)
            checked += 1
    assert checked > 90
    # the preset itself: the same tensor as torchvision's from the same image
    Image = pytest.importorskip("PIL.Image")
    img = Image.fromarray(np.random.default_rng(0).integers(0, 256, (300, 260, 3),
                                                            dtype=np.uint8))
    ours = M.ResNet50_Weights.IMAGENET1K_V2.transforms()(img)
    theirs = tvm.ResNet50_Weights.IMAGENET1K_V2.transforms()(img)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), atol=1e-6)
    assert torch is not None


def test_meta_categories_match_torchvision():
    """Every weights member torchvision gives ``meta["categories"]`` has the same list here (the
    1000 ImageNet class names in label order), and the feature extractor has none, as there."""
    pytest.importorskip("torch")
    from test_vision_models_zoo import torchvision_modules

    _, tvm, _, _ = torchvision_modules()
    checked = 0
    for name in dir(M):
        enum = getattr(M, name)
        if not (name.endswith("_Weights") and hasattr(tvm, name)):
            continue
        for member in enum:
            theirs = getattr(getattr(tvm, name), member.name).meta.get("categories")
            assert member.meta.get("categories") == theirs, (name, member.name)
            checked += theirs is not None
    assert checked > 90
    cats = M.ResNet18_Weights.DEFAULT.meta["categories"]
    assert len(cats) == len(set(cats)) == 1000 and cats[0] == "tench"
    # each member holds its own list: editing one leaves the others alone
    cats.append("x")
    assert len(M.ResNet34_Weights.DEFAULT.meta["categories"]) == 1000
    cats.pop()
