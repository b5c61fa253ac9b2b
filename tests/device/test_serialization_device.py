"""Checkpoints of device tensors: saving copies them to the host, and ``map_location`` puts them
back on the device (or on the CPU)."""

import copy

import numpy as np
import pytest

import gradkit as gk
import gradkit.nn as nn


def _trained(cuda):
    gk.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 3), nn.BatchNorm1d(3)).to(cuda)
    opt = gk.optim.Adam(model.parameters(), lr=0.01, amsgrad=True)
    x = gk.randn(8, 4, device=cuda)
    for _ in range(2):
        opt.zero_grad()
        model(x).pow(2).mean().backward()
        opt.step()
    return model, opt, x


@pytest.mark.parametrize("where", ["cuda", "cpu", None, "dict", "callable"])
def test_save_device_checkpoint_and_load_with_map_location(cuda, tmp_path, where):
    model, opt, x = _trained(cuda)
    path = tmp_path / "ckpt.safetensors"
    gk.save({"model": model.state_dict(), "optim": opt.state_dict(), "x": x,
             "nested": [x[0], {"i": gk.arange(3, device=cuda)}]}, path)
    loc = {"dict": {"cpu": cuda}, "callable": lambda t, loc: t.to(cuda)}.get(where, where)
    on_device = where not in ("cpu", None)
    ck = gk.load(path, map_location=loc)
    for k, t in ck["model"].items():
        assert t.is_cuda == on_device, k
        np.testing.assert_array_equal(t.cpu().numpy(), model.state_dict()[k].cpu().numpy())
    assert ck["x"].is_cuda == on_device and ck["nested"][1]["i"].is_cuda == on_device
    np.testing.assert_array_equal(ck["nested"][0].cpu().numpy(), x[0].cpu().numpy())
    assert ck["nested"][1]["i"].tolist() == [0, 1, 2]

    # the checkpoint resumes on the device (state follows its parameter) and on the CPU
    for dev in (cuda, "cpu"):
        fresh = copy.deepcopy(model).to(dev)
        fresh.load_state_dict(ck["model"])
        o = gk.optim.Adam(fresh.parameters(), lr=0.01, amsgrad=True)
        o.load_state_dict(ck["optim"])
        for p in fresh.parameters():
            assert p.is_cuda == (dev != "cpu")
            for key, v in o.state[p].items():
                if isinstance(v, gk.Tensor) and v.ndim:
                    assert v.is_cuda == (dev != "cpu"), key
        o.zero_grad()
        fresh(x.to(dev)).pow(2).mean().backward()
        o.step()
        assert all(p.is_cuda == (dev != "cpu") for p in fresh.parameters())


def test_save_state_dict_round_trip_on_device(cuda, tmp_path):
    model, _, _ = _trained(cuda)
    path = tmp_path / "w.safetensors"
    gk.save(model.state_dict(), path)
    sd = gk.load(path, map_location="cuda:0")
    assert all(t.is_cuda for t in sd.values())
    other = copy.deepcopy(model)
    with gk.no_grad():
        for p in other.parameters():
            p.zero_()
    other.load_state_dict(sd)
    for (k, a), (_, b) in zip(model.state_dict().items(), other.state_dict().items()):
        assert b.is_cuda
        np.testing.assert_array_equal(b.cpu().numpy(), a.cpu().numpy(), err_msg=k)
