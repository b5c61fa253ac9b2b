"""Run under mpiexec -n 2: a Trainer on 2 ranks (half batches each) equals one on full batches.

The training loader is unshuffled, so the DistributedSampler gives rank r the samples r, r+2, ...
and each global batch holds the same samples as the single-process one. Rank 0 also trains a
reference Trainer with distributed=False on the full batches and compares parameters, the epoch
metrics and the validation metrics. argv: accumulation steps.
"""

import sys

import numpy as np

import gradkit as gk
import gradkit.distributed as dist
import gradkit.nn as nn
from gradkit.train import Trainer
from gradkit.utils.data import DataLoader, TensorDataset

accum = int(sys.argv[1]) if len(sys.argv) > 1 else 1
dist.init_process_group("mpi")
rank, world = dist.get_rank(), dist.get_world_size()

rng = np.random.default_rng(0)
X = rng.standard_normal((128, 6)).astype(np.float32)
Y = rng.integers(0, 3, 128)
Xv = rng.standard_normal((37, 6)).astype(np.float32)  # odd size: shards of 19 and 18
Yv = rng.integers(0, 3, 37)


def job(distributed):
    gk.manual_seed(0)
    model = nn.Sequential(nn.Linear(6, 16), nn.Tanh(), nn.Linear(16, 3))
    if distributed and rank != 0:  # the Trainer's DDP must broadcast rank 0's weights
        with gk.no_grad():
            for p in model.parameters():
                p.add_(1.0)
    opt = gk.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    train = DataLoader(TensorDataset(gk.tensor(X), gk.tensor(Y)), batch_size=16)
    val = DataLoader(TensorDataset(gk.tensor(Xv), gk.tensor(Yv)), batch_size=8)
    trainer = Trainer(model, opt, nn.CrossEntropyLoss(), accumulate_steps=accum, progress="off",
                      distributed=distributed, grad_clip=1.0)
    trainer.fit(train, val, epochs=2)
    return model, trainer


model, trainer = job(None)
assert trainer.world_size == world and trainer.ddp_model is not None
assert trainer.global_step == 2 * 8 // accum, trainer.global_step
# every rank holds the same parameters and the same history (lockstep)
rows = [None] * world
dist.all_gather_object(rows, trainer.history.rows)
for p in model.parameters():
    gathered = [gk.zeros(*p.shape) for _ in range(world)]
    dist.all_gather(gathered, p.detach().contiguous())
    for g in gathered:
        np.testing.assert_array_equal(g.numpy(), gathered[0].numpy())
for other in rows[1:]:
    for a, b in zip(rows[0], other):
        assert {k: v for k, v in a.items() if k not in ("time", "samples_per_s")} == \
            {k: v for k, v in b.items() if k not in ("time", "samples_per_s")}, (a, b)
if rank == 0:
    ref_model, ref = job(False)
    for (n, a), (_, b) in zip(model.named_parameters(), ref_model.named_parameters()):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-5, atol=1e-6,
                                   err_msg=n)
    assert list(model.state_dict()) == list(trainer.state_dict()["model"])
    for mine, theirs in zip(trainer.history, ref.history):
        for key in ("loss", "accuracy", "val_loss", "val_accuracy"):
            np.testing.assert_allclose(mine[key], theirs[key], rtol=1e-5, err_msg=key)
# an iterable that cannot be sharded is evaluated whole on every rank, with rank 0's numbers
batches = [(gk.tensor(Xv[:20]), gk.tensor(Yv[:20])), (gk.tensor(Xv[20:]), gk.tensor(Yv[20:]))]
everywhere = [None] * world
dist.all_gather_object(everywhere, trainer.evaluate(batches))
assert all(e == everywhere[0] for e in everywhere)
if rank == 0:
    np.testing.assert_allclose(everywhere[0]["loss"], ref.evaluate(batches)["loss"], rtol=1e-5)
# training data that cannot be sharded: the same clear error on every rank, nobody hangs
try:
    trainer.fit(batches, epochs=3)
except TypeError as exc:
    assert "needs a DataLoader" in str(exc), exc
else:
    raise AssertionError("a list of batches was accepted for distributed training")
print(f"trainer equivalence ok rank {rank}/{world} accum={accum}", flush=True)

# resume: 2 epochs, checkpoint, a fresh trainer continues to 3 == 3 epochs without a break
ckpt = sys.argv[2] if len(sys.argv) > 2 else None
if ckpt:
    def shuffled(seed=0):
        gk.manual_seed(seed)
        model = nn.Sequential(nn.Linear(6, 16), nn.Dropout(0.2), nn.Tanh(), nn.Linear(16, 3))
        opt = gk.optim.Adam(model.parameters(), lr=0.01)
        train = DataLoader(TensorDataset(gk.tensor(X), gk.tensor(Y)), batch_size=16,
                           shuffle=True, generator=gk.Generator().manual_seed(7))
        return model, Trainer(model, opt, nn.CrossEntropyLoss(), progress="off"), train

    model_a, trainer_a, train_a = shuffled()
    trainer_a.fit(train_a, epochs=2)
    if rank == 0:
        trainer_a.save_checkpoint(ckpt)
    dist.barrier()
    trainer_a.fit(train_a, epochs=3)
    model_b, trainer_b, train_b = shuffled(seed=5)
    trainer_b.load_checkpoint(ckpt, train_loader=train_b)
    trainer_b.fit(train_b, epochs=3)
    for (n, a), (_, b) in zip(model_a.named_parameters(), model_b.named_parameters()):
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy(), err_msg=n)
    print(f"trainer resume ok rank {rank}/{world}", flush=True)
