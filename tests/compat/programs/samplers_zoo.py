"""torch.utils.data samplers and splits: WeightedRandomSampler for class imbalance,
SubsetRandomSampler for train/val indices, BatchSampler, random_split with a seeded generator
(fractions too), Subset, ConcatDataset, a DataLoader with sampler= / batch_sampler= /
generator= / drop_last and a custom collate_fn."""
import torch
from torch.utils.data import (
    BatchSampler,
    ConcatDataset,
    DataLoader,
    RandomSampler,
    SequentialSampler,
    Subset,
    SubsetRandomSampler,
    TensorDataset,
    WeightedRandomSampler,
    random_split,
)

torch.manual_seed(0)
X = torch.arange(40, dtype=torch.float32).view(20, 2)
y = torch.tensor([0] * 16 + [1] * 4)
ds = TensorDataset(X, y)
counts = torch.bincount(y)
class_w = 1.0 / counts.float()
sample_w = class_w[y]
sampler = WeightedRandomSampler(sample_w, num_samples=40, replacement=True)
idx = list(sampler)
print(len(sampler), idx[:12], torch.bincount(y[idx]))
loader = DataLoader(ds, batch_size=8, sampler=sampler)
for xb, yb in loader:
    print(xb.shape, yb.tolist())
    break
g = torch.Generator().manual_seed(42)
train, val, test = random_split(ds, [12, 5, 3], generator=g)
print(len(train), len(val), train.indices, val.indices, type(train).__name__)
a, b = random_split(range(10), [0.7, 0.3], generator=torch.Generator().manual_seed(1))
print(list(a), list(b))
sub = SubsetRandomSampler([1, 3, 5, 7, 9], generator=torch.Generator().manual_seed(3))
print(list(sub), len(sub))
print(list(BatchSampler(SequentialSampler(range(10)), batch_size=3, drop_last=False)))
print(list(BatchSampler(RandomSampler(range(10), generator=torch.Generator().manual_seed(5)), 4, True)))
bl = DataLoader(ds, batch_sampler=BatchSampler(SubsetRandomSampler(range(0, 20, 2)), 3, False))
print([yb.tolist() for _, yb in bl])
print(list(WeightedRandomSampler([0.1, 0.9, 0.0, 0.5], 6, replacement=True, generator=torch.Generator().manual_seed(2))))
print(list(WeightedRandomSampler([0.1, 0.9, 0.4, 0.5], 3, replacement=False)))
print(list(RandomSampler(range(5), replacement=True, num_samples=8)))


def collate(batch):
    xs, ys = zip(*batch)
    return torch.stack(xs).sum(1), torch.tensor(ys)


cat = ConcatDataset([Subset(ds, [0, 1, 2]), TensorDataset(torch.zeros(2, 2), torch.tensor([5, 6]))])
print(len(cat), cat.cumulative_sizes, cat[3], cat[4][1])
dl = DataLoader(cat, batch_size=2, shuffle=True, collate_fn=collate, drop_last=True,
                generator=torch.Generator().manual_seed(9))
print(len(dl), [(s.tolist(), t.tolist()) for s, t in dl])
dl2 = DataLoader(ds, batch_size=6, shuffle=True)
for epoch in range(2):
    print(epoch, [yb.sum().item() for _, yb in dl2], torch.randint(0, 100, (2,)).tolist())
