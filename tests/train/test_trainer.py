"""The fit loop: metrics, evaluation, accumulation, clipping, schedulers, early stopping, the
order in which it calls the callbacks, and a world of one process."""


import numpy as np
import pytest
from train_helpers import cross_entropy, params

import gradkit as gk
from gradkit.train import Callback, LambdaCallback, Trainer


def test_fit_learns_digits_and_reports_metrics(make_job):
    model, opt, train, test = make_job()
    trainer = Trainer(model, opt, cross_entropy, progress="off")
    history = trainer.fit(train, test, epochs=3)
    assert len(history) == 3 and trainer.epoch == 3
    row = history.last
    for key in ("epoch", "loss", "accuracy", "val_loss", "val_accuracy", "lr", "time",
                "samples_per_s"):
        assert key in row, key
    assert history["loss"][0] > history["loss"][-1]
    assert row["val_accuracy"] > 0.9
    assert trainer.global_step == 3 * len(train)
    result = trainer.evaluate(test)
    assert result["accuracy"] == pytest.approx(row["val_accuracy"])
    assert model.training  # evaluate restores the mode


def test_predict_matches_forward(make_job):
    model, opt, _train, test = make_job()
    trainer = Trainer(model, opt, cross_entropy, progress="off")
    x = gk.randn(300, 64)
    out = trainer.predict(x, batch_size=128)
    with gk.no_grad():
        np.testing.assert_allclose(out.numpy(), model(x).numpy(), rtol=1e-6, atol=1e-6)
    assert trainer.predict(test).shape == (450, 10)


def test_fit_epochs_is_a_total_not_an_increment(make_job):
    model, opt, train, _ = make_job()
    trainer = Trainer(model, opt, cross_entropy, progress="off")
    trainer.fit(train, epochs=2)
    trainer.fit(train, epochs=2)
    assert trainer.epoch == 2
    trainer.fit(train, epochs=3)
    assert trainer.epoch == 3 and len(trainer.history) == 3


def test_gradient_accumulation_equals_the_big_batch(make_job):
    # SGD without momentum: two half batches with accumulation == one full batch.
    model_a, opt_a, _, _ = make_job(optimizer="sgd", lr=0.5, shuffle=False, batch_size=64)
    model_b, opt_b, _, _ = make_job(optimizer="sgd", lr=0.5, shuffle=False, batch_size=32)
    _, _, big, _ = make_job(shuffle=False, batch_size=64)
    _, _, small, _ = make_job(shuffle=False, batch_size=32)
    big_batches = [b for _, b in zip(range(4), big)]
    small_batches = [b for _, b in zip(range(8), small)]
    Trainer(model_a, opt_a, cross_entropy, progress="off").fit(big_batches, epochs=1)
    tb = Trainer(model_b, opt_b, cross_entropy, progress="off", accumulate_steps=2)
    tb.fit(small_batches, epochs=1)
    assert tb.global_step == 4
    for a, b in zip(params(model_a), params(model_b)):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_accumulation_with_a_short_last_group_still_steps(make_job):
    model, opt, train, _ = make_job()
    batches = [b for _, b in zip(range(5), train)]
    trainer = Trainer(model, opt, cross_entropy, progress="off", accumulate_steps=2)
    trainer.fit(batches, epochs=1)
    assert trainer.global_step == 3


def test_grad_clip_bounds_the_norm_seen_by_the_optimizer(make_job, monkeypatch):
    model, opt, train, _ = make_job(lr=0.1)
    norms = []
    real_step = opt.step

    def spy_step(*a, **k):
        g = np.concatenate([p.grad.numpy().ravel() for p in model.parameters()])
        norms.append(float(np.linalg.norm(g)))
        return real_step(*a, **k)

    monkeypatch.setattr(opt, "step", spy_step)
    logs = []
    cb = LambdaCallback(on_batch_end=lambda t, i, lg: logs.append(lg))
    Trainer(model, opt, cross_entropy, progress="off", grad_clip=0.05,
            callbacks=[cb]).fit(train, epochs=1)
    assert max(norms) <= 0.05 * (1 + 1e-4)
    assert all("grad_norm" in lg for lg in logs)
    assert max(lg["grad_norm"] for lg in logs) > 0.05  # clipping did something


def test_callbacks_are_called_in_order(make_job):
    model, opt, train, test = make_job()
    calls = []

    class Recorder(Callback):
        def on_fit_start(self, trainer):
            calls.append("fit_start")

        def on_epoch_start(self, trainer, epoch):
            calls.append(f"epoch_start {epoch}")

        def on_batch_end(self, trainer, batch_idx, logs):
            if batch_idx == 0:
                calls.append(f"batch_end 0 loss={'loss' in logs} bs={logs['batch_size']}")

        def on_epoch_end(self, trainer, epoch, logs):
            calls.append(f"epoch_end {epoch} val={'val_loss' in logs}")

        def on_fit_end(self, trainer):
            calls.append("fit_end")

    Trainer(model, opt, cross_entropy, progress="off", callbacks=[Recorder()]).fit(
        train, test, epochs=2)
    assert calls == ["fit_start", "epoch_start 1", "batch_end 0 loss=True bs=64",
                     "epoch_end 1 val=True", "epoch_start 2", "batch_end 0 loss=True bs=64",
                     "epoch_end 2 val=True", "fit_end"]


def test_a_callback_can_stop_training(make_job):
    model, opt, train, _ = make_job()

    class StopAfterOne(Callback):
        def on_epoch_end(self, trainer, epoch, logs):
            trainer.stop_training = True

    trainer = Trainer(model, opt, cross_entropy, progress="off", callbacks=[StopAfterOne()])
    trainer.fit(train, epochs=5)
    assert trainer.epoch == 1


class _FakePlateau:
    """A scheduler whose step takes the metric first, like ReduceLROnPlateau."""

    def __init__(self, optimizer):
        self.optimizer = optimizer
        self.seen = []

    def step(self, metrics):
        self.seen.append(metrics)
        for g in self.optimizer.param_groups:
            g["lr"] *= 0.5

    def state_dict(self):
        return {"seen": list(self.seen)}

    def load_state_dict(self, state):
        self.seen = list(state["seen"])


class _FakeStep:
    def __init__(self, optimizer):
        self.optimizer = optimizer
        self.count = 0

    def step(self):
        self.count += 1

    def state_dict(self):
        return {"count": self.count}

    def load_state_dict(self, state):
        self.count = state["count"]


def test_metric_scheduler_gets_the_validation_loss(make_job):
    model, opt, train, test = make_job()
    sched = _FakePlateau(opt)
    trainer = Trainer(model, opt, cross_entropy, scheduler=sched, progress="off")
    history = trainer.fit(train, test, epochs=2)
    assert sched.seen == pytest.approx(history["val_loss"])
    assert history["lr"] == pytest.approx([0.05, 0.025])  # lr of the epoch, before stepping


def test_monitor_picks_another_key_and_plain_schedulers_step_per_epoch(make_job):
    model, opt, train, test = make_job()
    sched = _FakePlateau(opt)
    trainer = Trainer(model, opt, cross_entropy, scheduler=sched, monitor="val_accuracy",
                      progress="off")
    history = trainer.fit(train, test, epochs=1)
    assert sched.seen == pytest.approx(history["val_accuracy"])
    model, opt, train, _ = make_job()
    step = _FakeStep(opt)
    Trainer(model, opt, cross_entropy, scheduler=step, progress="off").fit(train, epochs=2)
    assert step.count == 2
    step = _FakeStep(opt)
    t = Trainer(model, opt, cross_entropy, scheduler=step, scheduler_interval="step",
                progress="off")
    t.fit(train, epochs=1)
    assert step.count == len(train)


def test_real_reduce_lr_on_plateau(make_job):
    lrs = gk.optim.lr_scheduler
    model, opt, train, test = make_job(lr=0.05)
    sched = lrs.ReduceLROnPlateau(opt, mode="max", factor=0.1, patience=0)
    trainer = Trainer(model, opt, cross_entropy, scheduler=sched, progress="off")
    # watching val_loss with mode="max": each epoch that lowers the loss is a plateau
    history = trainer.fit(train, test, epochs=3)
    assert history["val_loss"][1] < history["val_loss"][0]
    assert history["lr"][0] == pytest.approx(0.05)
    assert trainer.lr < 0.05 * 0.1 * 1.0001


def test_warmup_then_plateau_gets_the_metric(make_job):
    lrs = gk.optim.lr_scheduler
    model, opt, train, test = make_job(lr=0.04)
    warmup = lrs.LinearLR(opt, start_factor=0.25, total_iters=2)
    plateau = lrs.ReduceLROnPlateau(opt, mode="max", factor=0.5, patience=0)
    sched = lrs.SequentialLR(opt, [warmup, plateau], milestones=[2])
    history = Trainer(model, opt, cross_entropy, scheduler=sched, progress="off").fit(
        train, test, epochs=5)
    lr = history["lr"]
    assert lr[0] == pytest.approx(0.01) and lr[0] < lr[1] < lr[2]  # warm-up
    assert lr[4] < lr[2]  # then plateau reductions, driven by the validation loss


def test_onecycle_steps_per_batch(make_job):
    lrs = gk.optim.lr_scheduler
    model, opt, train, _ = make_job(lr=0.01)
    sched = lrs.OneCycleLR(opt, max_lr=0.1, epochs=2, steps_per_epoch=len(train))
    trainer = Trainer(model, opt, cross_entropy, scheduler=sched, progress="off")
    assert trainer.scheduler_interval == "step"
    trainer.fit(train, epochs=2)
    assert sched.last_epoch == 2 * len(train)


def test_early_stopping_stops_and_restores_best_weights(make_job):
    model, opt, train, test = make_job(lr=0.05)
    stopper = gk.optim.EarlyStopping(patience=1, mode="max", restore_best_weights=True)
    snapshots = {}
    keep = LambdaCallback(on_epoch_end=lambda t, e, logs: snapshots.setdefault(e, params(model)))
    # the training loss falls every epoch, so in mode="max" epoch 1 stays the best
    trainer = Trainer(model, opt, cross_entropy, monitor="loss", early_stopping=stopper,
                      callbacks=[keep], progress="off")
    history = trainer.fit(train, test, epochs=6)
    assert trainer.epoch == 2 and len(history) == 2
    for a, b in zip(snapshots[1], params(model)):
        np.testing.assert_array_equal(a, b)


def test_bad_arguments_are_rejected(make_job):
    model, opt, _, _ = make_job()
    with pytest.raises(ValueError, match="accumulate_steps"):
        Trainer(model, opt, cross_entropy, accumulate_steps=0)
    with pytest.raises(ValueError, match="grad_clip"):
        Trainer(model, opt, cross_entropy, grad_clip=-1.0)
    with pytest.raises(ValueError, match="unknown metric"):
        Trainer(model, opt, cross_entropy, metrics=("f1",))
    with pytest.raises(TypeError, match="loss_fn"):
        Trainer(model, opt, "mse")
    trainer = Trainer(model, opt, cross_entropy, progress="off")
    with pytest.raises(ValueError, match="no batches"):
        trainer.fit([], epochs=1)
    with pytest.raises(TypeError, match="inputs, targets"):
        trainer.fit([(gk.zeros(2, 64), gk.zeros(2), gk.zeros(2))], epochs=1)


def test_custom_metric_and_perplexity(make_job):
    model, opt, train, test = make_job()

    def top2(out, y):
        top = np.argsort(out.detach().numpy(), axis=1)[:, -2:]
        return float((top == y.numpy()[:, None]).any(axis=1).mean())

    trainer = Trainer(model, opt, cross_entropy, progress="off",
                      metrics=("loss", "perplexity", ("top2", top2)))
    row = trainer.fit(train, test, epochs=1).last
    assert row["perplexity"] == pytest.approx(np.exp(row["loss"]))
    assert row["val_top2"] >= row.get("val_accuracy", 0.0)
    assert "accuracy" not in row


def test_a_nan_loss_stops_with_a_clear_error(make_job):
    def nan_after_three(out, y, calls=[0]):  # noqa: B006 - a call counter
        calls[0] += 1
        return cross_entropy(out, y) * (float("nan") if calls[0] > 3 else 1.0)

    model, opt, train, _ = make_job()
    trainer = Trainer(model, opt, nan_after_three, progress="off")
    with pytest.raises(FloatingPointError, match="epoch 1, batch 3; lower the learning rate"):
        trainer.fit(train, epochs=3)
    model, opt, train, _ = make_job()
    Trainer(model, opt, lambda o, y: cross_entropy(o, y) * float("nan"), progress="off",
            terminate_on_nan=False).fit(train, epochs=1)


def test_schedulers_without_the_monitored_key_still_step(make_job):
    lrs = gk.optim.lr_scheduler
    model, opt, train, _ = make_job(lr=0.1)
    sched = lrs.StepLR(opt, step_size=1, gamma=0.5)
    Trainer(model, opt, cross_entropy, scheduler=sched, monitor="val_accuracy",
            progress="off").fit(train, epochs=2)
    assert opt.param_groups[0]["lr"] == pytest.approx(0.025)
    model, opt, train, _ = make_job()
    plateau = _FakePlateau(opt)
    with pytest.raises(ValueError, match="val_accuracy"):
        Trainer(model, opt, cross_entropy, scheduler=plateau, monitor="val_accuracy",
                progress="off").fit(train, epochs=1)


def test_one_process_is_a_world_of_one(make_job):
    model, opt, train, test = make_job()
    trainer = Trainer(model, opt, cross_entropy, progress="off")
    assert (trainer.rank, trainer.world_size, trainer.ddp_model) == (0, 1, None)
    assert trainer.is_main_process and trainer.model is model
    with pytest.raises(ValueError, match="distributed must be None, True or False"):
        Trainer(model, opt, cross_entropy, distributed="yes")


def test_a_wrapped_model_in_a_world_of_one_checkpoints_plain_keys(make_job, tmp_path):
    pytest.importorskip("mpi4py")
    import gradkit.distributed as dist
    from gradkit.nn.parallel import DistributedDataParallel

    if dist.is_initialized():
        pytest.skip("a process group is active in this process")
    model, opt, train, test = make_job()
    dist.init_process_group("mpi")
    try:
        trainer = Trainer(DistributedDataParallel(model), opt, cross_entropy, progress="off")
        assert trainer.model is model and trainer.ddp_model is not None
        trainer.fit(train, test, epochs=1)
        path = trainer.save_checkpoint(tmp_path / "ck.safetensors")
        with pytest.raises(ValueError, match="distributed=False"):
            Trainer(DistributedDataParallel(model), opt, cross_entropy, distributed=False)
    finally:
        dist.destroy_process_group()
    fresh, fresh_opt, _, _ = make_job(seed=3)
    plain = Trainer(fresh, fresh_opt, cross_entropy, progress="off")
    plain.load_checkpoint(path)
    assert sorted(plain.state_dict()["model"]) == ["bias", "weight"]
    assert plain.evaluate(test)["accuracy"] == pytest.approx(trainer.history.last["val_accuracy"])
