"""torch.hub.load_state_dict_from_url / download_url_to_file from a local HTTP server standing
in for the web: cached once, SHA-256 prefix checked, PyTorch .pth files loaded."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

import gradkit as gk

torch = pytest.importorskip("torch")


@pytest.fixture
def server(http_folder):
    return http_folder


def _publish(www, name="net"):
    """A PyTorch checkpoint named as published ones are: <name>-<sha256 prefix>.pth"""
    torch.manual_seed(0)
    state = torch.nn.Linear(3, 2).state_dict()
    tmp = www / "tmp.pth"
    torch.save(state, tmp)
    digest = hashlib.sha256(tmp.read_bytes()).hexdigest()
    path = www / f"{name}-{digest[:8]}.pth"
    tmp.rename(path)
    return path.name, state


def test_downloads_once_checks_the_hash_and_loads(tmp_path, server, capsys):
    url, www, seen = server
    name, state = _publish(www)
    gk.hub.set_dir(tmp_path / "hub")
    try:
        ours = gk.hub.load_state_dict_from_url(url + name, check_hash=True)
        assert f'Downloading: "{url + name}"' in capsys.readouterr().out
        for k, v in state.items():
            np.testing.assert_array_equal(ours[k].numpy(), v.numpy())
        model = gk.nn.Linear(3, 2)
        model.load_state_dict(ours)
        again = gk.hub.load_state_dict_from_url(url + name, check_hash=True)
        assert len(seen) == 1 and set(again) == set(ours)  # cached
        assert (tmp_path / "hub" / "checkpoints" / name).is_file()
        assert gk.hub.get_dir() == str(tmp_path / "hub")
    finally:
        gk.hub._HUB_DIR.clear()


def test_wrong_hash_keeps_nothing(tmp_path, server):
    url, www, _ = server
    name, _ = _publish(www)
    bad = name.split("-")[0] + "-00000000.pth"
    (www / name).rename(www / bad)
    with pytest.raises(RuntimeError, match="invalid hash value"):
        gk.hub.load_state_dict_from_url(url + bad, model_dir=str(tmp_path / "m"),
                                        check_hash=True)
    assert list((tmp_path / "m").iterdir()) == []


def test_default_dir_follows_torch_home(monkeypatch, tmp_path):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "th"))
    assert gk.hub.get_dir() == str(tmp_path / "th" / "hub") == torch.hub.get_dir()


def test_hub_load_says_it_needs_pytorch_and_offline_errors_say_what_to_do(tmp_path):
    with pytest.raises(NotImplementedError, match="hubconf.py"):
        gk.hub.load("pytorch/vision", "resnet18")
    with pytest.raises(RuntimeError, match="put the file at"):
        gk.hub.download_url_to_file("http://127.0.0.1:9/x.pth", str(tmp_path / "x.pth"))
    from gradkit.utils import model_zoo

    assert model_zoo.load_url is gk.hub.load_state_dict_from_url
