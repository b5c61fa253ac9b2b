"""gradkit.train.diagnostics: grad_flow's numbers (against PyTorch and the SGD update rule) and
the GradientDiagnostics callback: a vanishing deep sigmoid MLP and a dead ReLU are flagged (once
per layer), a healthy ReLU MLP is not, and the summary and plots are written."""

import json
import math

import numpy as np
import pytest

import gradkit as gk
from gradkit import nn
from gradkit.train import GradientDiagnostics, Trainer, grad_flow, snapshot_weights
from gradkit.utils.data import DataLoader, TensorDataset


def _loader(n=128, d=16, classes=4, seed=0, batch_size=32):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, d)).astype(np.float32)
    y = (x[:, :classes] .argmax(1)).astype(np.int64)
    return DataLoader(TensorDataset(gk.tensor(x), gk.tensor(y)), batch_size=batch_size)


def _mlp(widths, act):
    layers = []
    for a, b in zip(widths, widths[1:]):
        layers += [nn.Linear(a, b), act()]
    return nn.Sequential(*layers[:-1])


def _fit(model, diag, *, lr=0.1, epochs=2, opt="sgd"):
    optim = (gk.optim.SGD(model.parameters(), lr=lr) if opt == "sgd"
             else gk.optim.Adam(model.parameters(), lr=lr))
    Trainer(model, optim, nn.CrossEntropyLoss(), callbacks=[diag], progress="off").fit(
        _loader(), epochs=epochs)
    return diag


def test_grad_flow_matches_torch_and_sgd_update():
    torch = pytest.importorskip("torch")
    gk.manual_seed(0)
    model = _mlp([5, 7, 3], nn.Tanh)
    x = np.random.default_rng(1).standard_normal((4, 5)).astype(np.float32)
    model(gk.tensor(x)).pow(2).sum().backward()
    rows = grad_flow(model)
    assert [r["name"] for r in rows] == ["0.weight", "0.bias", "2.weight", "2.bias"]
    assert all(r["update_to_weight"] is None for r in rows)
    tm = torch.nn.Sequential(torch.nn.Linear(5, 7), torch.nn.Tanh(), torch.nn.Linear(7, 3))
    with torch.no_grad():
        for (_, p), (_, q) in zip(model.named_parameters(), tm.named_parameters()):
            q.copy_(torch.tensor(p.detach().numpy()))
    tm(torch.tensor(x)).pow(2).sum().backward()
    for r, (name, q) in zip(rows, tm.named_parameters()):
        assert r["name"] == name
        np.testing.assert_allclose(r["grad_norm"], q.grad.norm().item(), rtol=1e-5)
        np.testing.assert_allclose(r["weight_norm"], q.detach().norm().item(), rtol=1e-5)
        np.testing.assert_allclose(r["grad_to_weight"], r["grad_norm"] / r["weight_norm"])
    # plain SGD moves each weight by lr * grad: the update-to-weight ratio follows
    before = snapshot_weights(model)
    gk.optim.SGD(model.parameters(), lr=0.01).step()
    for r, r2 in zip(rows, grad_flow(model, previous=before)):
        np.testing.assert_allclose(r2["update_to_weight"],
                                   0.01 * r["grad_norm"] / r2["weight_norm"], rtol=1e-4)
    model.zero_grad()
    assert grad_flow(model)[0]["grad_norm"] is None


def test_vanishing_deep_sigmoid_mlp_is_flagged_once_per_layer(tmp_path, capsys):
    gk.manual_seed(0)
    model = _mlp([16] * 11 + [4], nn.Sigmoid)  # 11 linear layers, 10 sigmoids between
    diag = _fit(model, GradientDiagnostics(tmp_path / "diag"))
    vanishing = [f["layer"] for f in diag.flags if f["kind"] == "vanishing"]
    assert "0.weight" in vanishing and "2.weight" in vanishing
    assert "18.weight" not in vanishing and "20.weight" not in vanishing  # near the output
    # the gradient norm really falls by orders of magnitude from the last layer to the first
    first = np.mean(diag.layers["0.weight"]["grad_norm"])
    last = np.mean(diag.layers["20.weight"]["grad_norm"])
    assert first < 1e-3 * last
    err = capsys.readouterr().err.splitlines()
    warned = [line for line in err if line.startswith("gradkit: warning: vanishing")]
    assert len(warned) == len(vanishing) == len(set(vanishing))  # once per layer, 8 steps
    assert any("'0.weight'" in line for line in warned)
    assert len(diag.steps) == 8
    summary = json.loads((tmp_path / "diag" / "diagnostics.json").read_text())
    assert summary["steps_recorded"] == 8
    layer0 = next(r for r in summary["layers"] if r["name"] == "0.weight")
    assert layer0["flags"] == ["vanishing"] and layer0["grad_norm"]["mean"] > 0


def test_healthy_relu_mlp_is_not_flagged(tmp_path, capsys):
    gk.manual_seed(0)
    model = _mlp([16, 32, 32, 4], nn.ReLU)
    diag = _fit(model, GradientDiagnostics(tmp_path, plots=False), lr=0.05)
    assert diag.flags == []
    assert "warning" not in capsys.readouterr().err
    assert set(diag.relus) == {"1", "3"}
    assert all(0.2 < np.mean(v) < 0.8 for v in diag.relus.values())
    ratios = diag.layers["0.weight"]["update_to_weight"]
    assert len(ratios) == 8 and all(0 < r < 0.5 for r in ratios)


def test_dead_relu_is_flagged(tmp_path, capsys):
    gk.manual_seed(0)
    model = _mlp([16, 32, 32, 4], nn.ReLU)
    with gk.no_grad():
        model[0].bias.fill_(-100.0)  # every pre-activation negative: the first ReLU is dead
    diag = _fit(model, GradientDiagnostics(tmp_path / "d"), lr=0.05, epochs=1)
    dead = [f for f in diag.flags if f["kind"] == "dead_relu"]
    assert [f["layer"] for f in dead] == ["1"]
    assert dead[0]["value"] == 1.0
    assert diag.relus["1"] == [1.0] * 4
    assert "gradkit: warning: dead ReLU '1'" in capsys.readouterr().err
    # no gradient reaches the first layer through a dead ReLU
    assert diag.layers["0.weight"]["grad_norm"] == [0.0] * 4
    assert "0.weight" in {f["layer"] for f in diag.flags if f["kind"] == "vanishing"}
    if pytest.importorskip("matplotlib"):
        PIL = pytest.importorskip("PIL.Image")
        for name in ("grad_norms.png", "grad_flow.png"):
            with PIL.open(tmp_path / "d" / name) as im:
                assert im.size[0] > 300
    summary = json.loads((tmp_path / "d" / "diagnostics.json").read_text())
    assert summary["relus"][0]["name"] == "1" and summary["relus"][0]["flags"] == ["dead_relu"]


def test_exploding_every_and_hooks_removed(tmp_path):
    gk.manual_seed(0)
    model = _mlp([16, 16, 4], nn.ReLU)
    with gk.no_grad():
        model[0].weight.mul_(1e4)
    diag = GradientDiagnostics(None, every=3, patience=1, verbose=False)
    opt = gk.optim.SGD(model.parameters(), lr=1e-12)
    Trainer(model, opt, nn.CrossEntropyLoss(), callbacks=[diag], progress="off").fit(
        _loader(), epochs=2)
    assert diag.steps == [1, 4, 7]
    assert any(f["kind"] == "exploding" for f in diag.flags)
    assert not opt._optimizer_step_pre_hooks and not model[1]._forward_hooks
    assert all(math.isfinite(v) for v in diag.layers["2.weight"]["grad_norm"])
    with pytest.raises(ValueError, match="every"):
        GradientDiagnostics(every=0)
    with pytest.raises(ValueError, match="vanishing"):
        GradientDiagnostics(vanishing=2)
