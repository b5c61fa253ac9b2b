"""Streaming data: an IterableDataset that shards itself with get_worker_info(), a map-style
Dataset returning dicts (default_collate of dicts, tuples, numbers and strings), a DataLoader
with batch_size=None, worker_init_fn and a seeded generator, pin_memory/persistent_workers
accepted, and ChainDataset / StackDataset."""
import math

import numpy as np
import torch
from torch.utils.data import (
    ChainDataset,
    DataLoader,
    Dataset,
    IterableDataset,
    StackDataset,
    TensorDataset,
    default_collate,
    get_worker_info,
)

torch.manual_seed(0)


class RangeStream(IterableDataset):
    def __init__(self, start, end):
        super().__init__()
        self.start, self.end = start, end

    def __iter__(self):
        info = get_worker_info()
        if info is None:
            lo, hi = self.start, self.end
        else:
            per = int(math.ceil((self.end - self.start) / float(info.num_workers)))
            lo = self.start + info.id * per
            hi = min(lo + per, self.end)
        return iter(range(lo, hi))


ds = RangeStream(3, 10)
print(list(DataLoader(ds, num_workers=0)))
print([b.tolist() for b in DataLoader(ds, batch_size=3)])
print([int(x) for x in DataLoader(ds, num_workers=2)])
print([b.tolist() for b in DataLoader(ds, batch_size=2, num_workers=3)])


class Records(Dataset):
    def __init__(self):
        self.x = torch.arange(12.).view(6, 2)

    def __len__(self):
        return 6

    def __getitem__(self, i):
        return {"x": self.x[i], "y": i % 2, "name": f"item{i}", "pair": (i, float(i) / 2),
                "arr": np.array([i, i + 1])}


loader = DataLoader(Records(), batch_size=4, shuffle=True, generator=torch.Generator().manual_seed(3),
                    pin_memory=False, drop_last=False)
for batch in loader:
    print(sorted(batch), batch["x"].shape, batch["y"], batch["name"], batch["pair"], batch["arr"].dtype)
print(default_collate([(1, 2.0, "a"), (3, 4.0, "b")]), default_collate([torch.ones(2), torch.zeros(2)]))
print(default_collate([np.float64(1.5), np.float64(2.5)]), default_collate([[1, 2], [3, 4]]))
for item in DataLoader(TensorDataset(torch.arange(4)), batch_size=None):
    print(item, end=" ")
print()
chained = ChainDataset([RangeStream(0, 2), RangeStream(5, 7)])
print(list(chained))
stack = StackDataset(TensorDataset(torch.arange(3.)), torch.arange(3) * 10)
print(len(stack), stack[1])
stack_kw = StackDataset(a=torch.arange(3), b=torch.ones(3))
print(stack_kw[2], next(iter(DataLoader(stack_kw, batch_size=2))))


def seed_worker(worker_id):
    worker_seed = torch.initial_seed() % 2**32
    np.random.seed(worker_seed)


g = torch.Generator()
g.manual_seed(0)
dl = DataLoader(TensorDataset(torch.arange(10)), batch_size=5, shuffle=True, num_workers=0,
                worker_init_fn=seed_worker, generator=g)
print([b[0].tolist() for b in dl], [b[0].tolist() for b in dl])
print(len(dl), dl.batch_size, dl.drop_last, type(dl.sampler).__name__, type(dl.batch_sampler).__name__)
