"""The LR range test (lr_find): suggestion, divergence stop, argument checks."""

import numpy as np
import pytest
from train_helpers import cross_entropy, params

import gradkit as gk
from gradkit.train import lr_find


def test_lr_find_suggests_a_sane_lr_and_restores_everything(make_job, tmp_path):
    model, opt, train, _ = make_job(optimizer="sgd", lr=0.1, dropout=0.1)
    before = params(model)
    rng_before = gk.get_rng_state()
    loader_before = train.generator.get_state()
    result = lr_find(model, opt, cross_entropy, train, start_lr=1e-4, end_lr=100.0, num_iter=60)
    assert len(result.lrs) == len(result.losses) == len(result.raw_losses) >= 10
    assert result.lrs == sorted(result.lrs)
    assert 1e-3 < result.suggestion < 30.0
    # the loss around the suggestion is lower than at the start of the sweep
    assert min(result.losses) < result.losses[0]
    for a, b in zip(before, params(model)):
        np.testing.assert_array_equal(a, b)
    assert opt.param_groups[0]["lr"] == 0.1
    np.testing.assert_array_equal(gk.get_rng_state().numpy(), rng_before.numpy())
    np.testing.assert_array_equal(train.generator.get_state().numpy(), loader_before.numpy())
    pytest.importorskip("matplotlib")
    png = result.plot(tmp_path / "lr.png")
    assert png.read_bytes()[:4] == b"\x89PNG"


def test_lr_find_stops_when_the_loss_diverges(make_job):
    model, opt, train, _ = make_job(optimizer="sgd", lr=0.1)
    result = lr_find(model, opt, cross_entropy, train, start_lr=1e-2, end_lr=1e6, num_iter=80)
    assert result.diverged and len(result.lrs) < 80


def test_lr_find_validates_its_arguments(make_job):
    model, opt, train, _ = make_job()
    with pytest.raises(ValueError, match="start_lr"):
        lr_find(model, opt, cross_entropy, train, start_lr=1.0, end_lr=0.1)
    with pytest.raises(ValueError, match="num_iter"):
        lr_find(model, opt, cross_entropy, train, num_iter=1)
