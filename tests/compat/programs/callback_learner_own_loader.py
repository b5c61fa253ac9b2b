"""A small learner in the manner of fastai's: its own DataLoader (batches built by the loader and
read through PyTorch's single-process loader iterator with a stand-in loader object), a device
parsed with torch._C._nn._parse_to, a callback loop with one-cycle scheduling, a flat float32
master copy of the parameters (torch._utils flatten helpers), and a collaborative-filtering
dot-product model beside a tabular embedding MLP."""
# compat: rtol=1e-4 atol=1e-6

import random

import numpy as np
import torch
import torch.distributed as dist
import torch.nn as nn
import torch.nn.functional as F
from torch._utils import _flatten_dense_tensors, _unflatten_dense_tensors
from torch.amp.grad_scaler import OptState
from torch.utils.data.dataloader import _DatasetKind, _SingleProcessDataLoaderIter

# a library maps its reduction names to ReduceOp members at import time
REDUCE = {"SUM": dist.ReduceOp.SUM, "AND": dist.ReduceOp.BAND, "OR": dist.ReduceOp.BOR}
print("scaler stages", [s.name for s in OptState])


class _StandInLoader:
    """What PyTorch's iterator reads from a loader; the 'dataset' yields whole batches."""

    _IterableDataset_len_called, _auto_collation, drop_last, in_order = None, False, False, True
    generator, prefetch_factor, num_workers, timeout, pin_memory = None, 2, 0, 0, False
    persistent_workers = False
    _dataset_kind = _DatasetKind.Iterable

    def __init__(self, owner):
        self.owner, self.dataset = owner, self
        self._index_sampler = iter(int, 1)

    def collate_fn(self, batch):
        return batch

    def __iter__(self):
        return iter(self.owner.create_batches())


class Loader:
    def __init__(self, tensors, bs, shuffle=False, device=None):
        self.tensors, self.bs, self.shuffle = tensors, bs, shuffle
        self.rng = random.Random(random.randint(0, 2**32 - 1))
        self.device = torch._C._nn._parse_to(device=device)[0]
        self.fake = _StandInLoader(self)

    def __len__(self):
        return -(-len(self.tensors[0]) // self.bs)

    def create_batches(self):
        idx = list(range(len(self.tensors[0])))
        if self.shuffle:
            self.rng.shuffle(idx)
        for i in range(0, len(idx), self.bs):
            sel = torch.tensor(idx[i:i + self.bs])
            yield tuple(t[sel] for t in self.tensors)

    def __iter__(self):
        for b in _SingleProcessDataLoaderIter(self.fake):
            yield tuple(t.to(self.device) if self.device is not None else t for t in b)


class Callback:
    def __call__(self, name, learn):
        getattr(self, name, lambda learn: None)(learn)


class OneCycle(Callback):
    def __init__(self, lr_max, total):
        self.lr_max, self.total = lr_max, total

    def before_batch(self, learn):
        pct = learn.it / self.total
        warm = 0.25
        if pct < warm:
            lr = self.lr_max / 25 + (self.lr_max - self.lr_max / 25) * (1 - np.cos(np.pi * pct / warm)) / 2
        else:
            p = (pct - warm) / (1 - warm)
            lr = self.lr_max + (self.lr_max / 1e4 - self.lr_max) * (1 - np.cos(np.pi * p)) / 2
        for g in learn.opt.param_groups:
            g["lr"] = lr


class MasterParams(Callback):
    """A flat float32 copy of the weights, stepped by the optimizer and copied back."""

    def before_fit(self, learn):
        self.model_params = [p for p in learn.model.parameters() if p.requires_grad]
        self.flat = nn.Parameter(_flatten_dense_tensors([p.data.float() for p in self.model_params]))
        learn.opt = torch.optim.AdamW([self.flat], lr=1e-3, weight_decay=0.01)

    def after_backward(self, learn):
        self.flat.grad = _flatten_dense_tensors([p.grad.data for p in self.model_params])

    def after_step(self, learn):
        for p, m in zip(self.model_params, _unflatten_dense_tensors(self.flat.data, self.model_params)):
            p.data.copy_(m)


class Recorder(Callback):
    def before_epoch(self, learn):
        self.losses = []

    def after_batch(self, learn):
        self.losses.append(learn.loss.item())

    def after_epoch(self, learn):
        learn.model.eval()
        with torch.no_grad():
            tot, n = 0.0, 0
            for *xb, yb in learn.valid:
                tot += learn.loss_func(learn.model(*xb), yb).item() * len(yb)
                n += len(yb)
        learn.model.train()
        print(f"epoch {learn.epoch} train {np.mean(self.losses):.6f} valid {tot / n:.6f} "
              f"lr {learn.opt.param_groups[0]['lr']:.7f}")


class Learner:
    def __init__(self, train, valid, model, loss_func, cbs):
        self.train, self.valid, self.model, self.loss_func, self.cbs = train, valid, model, loss_func, cbs
        self.opt = torch.optim.Adam(model.parameters(), lr=1e-3)

    def _cb(self, name):
        for cb in self.cbs:
            cb(name, self)

    def fit(self, epochs):
        self.it = 0
        self._cb("before_fit")
        for self.epoch in range(epochs):
            self._cb("before_epoch")
            for *xb, yb in self.train:
                self._cb("before_batch")
                self.loss = self.loss_func(self.model(*xb), yb)
                self.loss.backward()
                self._cb("after_backward")
                gn = torch.nn.utils.clip_grad_norm_(self.model.parameters(), 1.0) if self.flat_free() else None
                self.opt.step()
                self._cb("after_step")
                self.opt.zero_grad()
                self.model.zero_grad()
                self.it += 1
                self._cb("after_batch")
                if self.it == 1 and gn is not None:
                    print(f"first grad norm {gn.item():.6f}")
            self._cb("after_epoch")

    def flat_free(self):
        return not any(isinstance(c, MasterParams) for c in self.cbs)


class TabularModel(nn.Module):
    def __init__(self, cards, n_cont, layers, n_out):
        super().__init__()
        self.embeds = nn.ModuleList([nn.Embedding(c, min(8, (c + 1) // 2)) for c in cards])
        n_emb = sum(e.embedding_dim for e in self.embeds)
        self.bn_cont = nn.BatchNorm1d(n_cont)
        sizes = [n_emb + n_cont] + layers
        blocks = []
        for a, b in zip(sizes[:-1], sizes[1:]):
            blocks += [nn.Linear(a, b, bias=False), nn.ReLU(inplace=True), nn.BatchNorm1d(b)]
        self.layers = nn.Sequential(*blocks, nn.Linear(sizes[-1], n_out))

    def forward(self, x_cat, x_cont):
        x = torch.cat([e(x_cat[:, i]) for i, e in enumerate(self.embeds)], 1)
        return self.layers(torch.cat([x, self.bn_cont(x_cont)], 1))


class DotProductBias(nn.Module):
    def __init__(self, n_users, n_items, n_factors, y_range):
        super().__init__()
        self.u_weight, self.i_weight = nn.Embedding(n_users, n_factors), nn.Embedding(n_items, n_factors)
        self.u_bias, self.i_bias = nn.Embedding(n_users, 1), nn.Embedding(n_items, 1)
        for e in (self.u_weight, self.i_weight, self.u_bias, self.i_bias):
            nn.init.trunc_normal_(e.weight, std=0.01)
        self.y_range = y_range

    def forward(self, x, _unused=None):
        users, items = x[:, 0], x[:, 1]
        dot = (self.u_weight(users) * self.i_weight(items)).sum(1)
        res = dot + self.u_bias(users).squeeze(1) + self.i_bias(items).squeeze(1)
        lo, hi = self.y_range
        return torch.sigmoid(res) * (hi - lo) + lo


random.seed(0)
np.random.seed(0)
torch.manual_seed(0)
n = 240
x_cat = torch.stack([torch.randint(0, 4, (n,)), torch.randint(0, 3, (n,))], 1)
x_cont = torch.randn(n, 3)
y = ((x_cont[:, 0] + (x_cat[:, 0] == 1).float() * 1.5) > 0.4).long()
tr = Loader((x_cat[:192], x_cont[:192], y[:192]), bs=32, shuffle=True, device="cpu")
va = Loader((x_cat[192:], x_cont[192:], y[192:]), bs=64)
first = next(iter(va))
print("batch", type(first).__name__, [tuple(t.shape) for t in first], tr.device)
model = TabularModel([4, 3], 3, [16, 8], 2)
learn = Learner(tr, va, model, F.cross_entropy, [OneCycle(1e-2, 3 * len(tr)), Recorder()])
learn.fit(3)
model.eval()
with torch.no_grad():
    print("probs", [[round(v, 5) for v in r] for r in F.softmax(model(*first[:2])[:3], 1).tolist()])

torch.manual_seed(1)
users, items = torch.randint(0, 20, (400,)), torch.randint(0, 15, (400,))
uf, itf = torch.randn(20, 3), torch.randn(15, 3)
r = ((uf[users] * itf[items]).sum(1) + 3 + 0.2 * torch.randn(400)).clamp(0.5, 5.0)
pairs = torch.stack([users, items], 1)
tr = Loader((pairs[:320], r[:320]), bs=64, shuffle=True)
va = Loader((pairs[320:], r[320:]), bs=80)
cf = DotProductBias(20, 15, 4, (0.0, 5.5))
learn = Learner(tr, va, cf, F.mse_loss, [MasterParams(), OneCycle(5e-2, 4 * len(tr)), Recorder()])
learn.fit(4)
print("item bias", [round(v, 6) for v in cf.i_bias.weight[:4, 0].tolist()])
print("reduce ops", sorted(REDUCE))
