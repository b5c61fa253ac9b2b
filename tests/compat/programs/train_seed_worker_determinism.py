"""The reproducibility recipe from the PyTorch notes as projects copy it: a seed_everything()
helper (random, numpy, torch, PYTHONHASHSEED), use_deterministic_algorithms(True) with
cudnn.deterministic/benchmark flags, a seed_worker() worker_init_fn deriving numpy/random seeds
from torch.initial_seed() % 2**32, a DataLoader with a seeded generator under num_workers=0 and
2 (which worker loaded each batch: batch k goes to worker k % num_workers), and two full
runs compared for equality; the dataset adds torch.randn noise, drawn in each worker from
its own generator seeded base_seed + worker_id."""
import os
import random

import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset


def seed_everything(seed=42):
    random.seed(seed)
    os.environ["PYTHONHASHSEED"] = str(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.backends.cudnn.deterministic = True
    torch.backends.cudnn.benchmark = False


def seed_worker(worker_id):
    worker_seed = torch.initial_seed() % 2 ** 32
    np.random.seed(worker_seed)
    random.seed(worker_seed)


class NoisyDataset(Dataset):
    def __init__(self, n=24):
        self.x = torch.linspace(-1, 1, n).unsqueeze(1)

    def __len__(self):
        return len(self.x)

    def __getitem__(self, i):
        info = torch.utils.data.get_worker_info()
        wid = -1 if info is None else info.id
        noise = 0.01 * torch.randn(1)  # augmentation from the worker's own torch generator
        return self.x[i] + noise, self.x[i] * 2, wid


def run(num_workers):
    seed_everything(7)
    g = torch.Generator()
    g.manual_seed(0)
    loader = DataLoader(NoisyDataset(), batch_size=6, shuffle=True, num_workers=num_workers,
                        worker_init_fn=seed_worker, generator=g)
    model = nn.Sequential(nn.Linear(1, 8), nn.Dropout(0.1), nn.Tanh(), nn.Linear(8, 1))
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    losses, workers, orders = [], [], []
    for epoch in range(2):
        for xb, yb, wid in loader:
            loss = nn.functional.mse_loss(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(round(loss.item(), 6))
            workers.append(sorted(set(wid.tolist())))
            orders.append(yb[:, 0].mul(5.75).add(11.5).round().int().tolist())
    return losses, workers, orders, model[0].weight.detach().clone()


torch.use_deterministic_algorithms(True)
print("deterministic", torch.are_deterministic_algorithms_enabled(),
      torch.is_deterministic_algorithms_warn_only_enabled(), torch.backends.cudnn.deterministic,
      torch.backends.cudnn.benchmark)
l0, w0, o0, p0 = run(0)
l0b, _, o0b, p0b = run(0)
print("losses", l0)
print("orders epoch 0", o0[:4])
print("workers", w0[:2])
print("same twice", l0 == l0b, o0 == o0b, torch.equal(p0, p0b))
l2, w2, o2, p2 = run(2)
print("two workers", w2[:4], "same order as in-process", o2 == o0, "same losses", l2 == l0)
torch.use_deterministic_algorithms(False)
print("initial_seed", torch.initial_seed(), os.environ["PYTHONHASHSEED"])
