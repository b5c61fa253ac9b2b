"""Training checkpoints: exact resume, atomic writes, clean errors."""

import numpy as np
import pytest
from train_helpers import cross_entropy, params

import gradkit as gk
from gradkit.train import (
    CheckpointError,
    ModelCheckpoint,
    Trainer,
    load_checkpoint,
    save_checkpoint,
)


def _scheduler(opt):
    lrs = gk.optim.lr_scheduler
    if hasattr(lrs, "StepLR"):
        return lrs.StepLR(opt, step_size=1, gamma=0.5)
    return None


def test_resume_is_bit_identical_to_an_uninterrupted_run(make_job, tmp_path):
    # dropout draws from gradkit's generator, shuffling from the loader's: both must resume.
    model, opt, train, test = make_job(dropout=0.2)
    Trainer(model, opt, cross_entropy, scheduler=_scheduler(opt), progress="off").fit(
        train, test, epochs=2)
    reference = params(model)

    model, opt, train, test = make_job(dropout=0.2)
    first = Trainer(model, opt, cross_entropy, scheduler=_scheduler(opt), progress="off")
    first.fit(train, test, epochs=1)
    first.save_checkpoint(tmp_path / "ckpt.safetensors")
    gk.manual_seed(12345)  # disturb the global stream: the checkpoint must put it back
    del model, opt, train, first

    model, opt, train, test = make_job(seed=7, dropout=0.2)  # other init, other loader seed
    resumed = Trainer(model, opt, cross_entropy, scheduler=_scheduler(opt), progress="off")
    resumed.load_checkpoint(tmp_path / "ckpt.safetensors", train_loader=train)
    assert resumed.epoch == 1 and len(resumed.history) == 1
    resumed.fit(train, test, epochs=2)
    for a, b in zip(reference, params(model)):
        np.testing.assert_array_equal(a, b)
    assert resumed.history["epoch"] == [1, 2]


def test_checkpoint_holds_the_training_state(make_job, tmp_path):
    model, opt, train, _ = make_job()
    trainer = Trainer(model, opt, cross_entropy, progress="off",
                      callbacks=[ModelCheckpoint(tmp_path / "last.ckpt")])
    trainer.fit(train, epochs=2)
    state = load_checkpoint(tmp_path / "last.ckpt")
    assert state["epoch"] == 2 and state["global_step"] == 2 * len(train)
    assert set(state) >= {"model", "optimizer", "scheduler", "rng", "history"}
    assert state["rng"]["loader"] is not None and state["rng"]["gradkit"] is not None
    assert [r["epoch"] for r in state["history"]] == [1, 2]
    for (name, p), q in zip(model.state_dict().items(), state["model"].values()):
        np.testing.assert_array_equal(p.numpy(), q.numpy(), err_msg=name)


def test_a_failed_save_leaves_the_old_checkpoint_readable(make_job, tmp_path, monkeypatch):
    model, opt, train, _ = make_job()
    trainer = Trainer(model, opt, cross_entropy, progress="off")
    trainer.fit(train, epochs=1)
    path = tmp_path / "ckpt.safetensors"
    trainer.save_checkpoint(path)
    before = path.read_bytes()

    real_save = gk.save

    def dying_save(obj, f, **kw):
        # write part of a file, then "crash" (a kill or a full disk mid-write)
        real_save(obj, f, **kw)
        with open(f, "r+b") as fh:
            fh.truncate(100)
        raise OSError("No space left on device")

    monkeypatch.setattr(gk, "save", dying_save)
    trainer.fit(train, epochs=2)
    with pytest.raises(OSError, match="No space"):
        trainer.save_checkpoint(path)
    monkeypatch.setattr(gk, "save", real_save)
    assert path.read_bytes() == before
    assert load_checkpoint(path)["epoch"] == 1
    assert [p.name for p in tmp_path.iterdir()] == ["ckpt.safetensors"]  # no temp file left


def test_a_crash_inside_the_writer_leaves_the_old_checkpoint(make_job, tmp_path, monkeypatch):
    serialization = pytest.importorskip("gradkit.serialization")
    if not hasattr(serialization, "_write_chunks"):
        pytest.skip("serialization has no _write_chunks to break")
    model, opt, train, _ = make_job()
    trainer = Trainer(model, opt, cross_entropy, progress="off")
    trainer.fit(train, epochs=1)
    path = tmp_path / "ckpt.safetensors"
    trainer.save_checkpoint(path)

    def broken(fh, header, arrays):
        fh.write(header[:10])
        raise KeyboardInterrupt  # a kill between two writes

    monkeypatch.setattr(serialization, "_write_chunks", broken)
    trainer.fit(train, epochs=2)
    with pytest.raises(KeyboardInterrupt):
        trainer.save_checkpoint(path)
    monkeypatch.undo()
    assert load_checkpoint(path)["epoch"] == 1


@pytest.mark.parametrize("damage", ["truncate", "flip", "garbage", "empty"])
def test_corrupted_checkpoints_raise_checkpoint_error(make_job, tmp_path, damage):
    model, opt, train, _ = make_job()
    trainer = Trainer(model, opt, cross_entropy, progress="off")
    trainer.fit(train, epochs=1)
    path = tmp_path / "ckpt.safetensors"
    trainer.save_checkpoint(path)
    data = bytearray(path.read_bytes())
    if damage == "truncate":
        data = data[: len(data) // 2]
    elif damage == "flip":
        data[len(data) - 40] ^= 0xFF
        data[20] ^= 0xFF
    elif damage == "garbage":
        data = bytearray(b"not a checkpoint at all" * 10)
    else:
        data = bytearray()
    path.write_bytes(bytes(data))
    with pytest.raises(CheckpointError, match="ckpt.safetensors"):
        trainer.load_checkpoint(path)


def test_missing_and_foreign_files(tmp_path):
    with pytest.raises(FileNotFoundError):
        load_checkpoint(tmp_path / "nope")
    save_checkpoint({"weights": gk.zeros(3)}, tmp_path / "other.safetensors")
    with pytest.raises(CheckpointError, match="not a gradkit training checkpoint"):
        load_checkpoint(tmp_path / "other.safetensors")


def test_early_stopping_state_survives_a_resume(make_job, tmp_path):
    model, opt, train, test = make_job()
    stopper = gk.train.EarlyStopping(patience=3, restore_best_weights=True)
    trainer = Trainer(model, opt, cross_entropy, early_stopping=stopper, progress="off")
    trainer.fit(train, test, epochs=2)
    trainer.save_checkpoint(tmp_path / "c")
    model2, opt2, train2, _ = make_job(seed=3)
    stopper2 = gk.train.EarlyStopping(patience=3, restore_best_weights=True)
    resumed = Trainer(model2, opt2, cross_entropy, early_stopping=stopper2, progress="off")
    resumed.load_checkpoint(tmp_path / "c", train_loader=train2)
    assert stopper2.steps == 2 and stopper2.best == pytest.approx(stopper.best)
    assert stopper2.num_bad_steps == stopper.num_bad_steps
    for name, t in stopper.best_weights.items():
        np.testing.assert_array_equal(np.asarray(t), np.asarray(stopper2.best_weights[name]))
