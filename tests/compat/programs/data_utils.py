"""torch.utils.data: random_split with a generator, Subset, ConcatDataset, WeightedRandomSampler,
dict batches, drop_last, BatchSampler, default_collate of tuples."""
import torch
from torch.utils.data import (
    BatchSampler,
    ConcatDataset,
    DataLoader,
    Dataset,
    RandomSampler,
    SequentialSampler,
    Subset,
    TensorDataset,
    WeightedRandomSampler,
    random_split,
)


class Dicts(Dataset):
    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return {"x": torch.full((2,), float(i)), "y": i % 3, "name": f"s{i}"}


torch.manual_seed(0)
ds = TensorDataset(torch.arange(20.).reshape(10, 2), torch.arange(10))
a, b = random_split(ds, [7, 3], generator=torch.Generator().manual_seed(42))
print(a.indices, b.indices)
a2, b2, c2 = random_split(range(10), [0.5, 0.3, 0.2], generator=torch.Generator().manual_seed(1))
print(list(a2), list(b2), list(c2))
cat = ConcatDataset([ds, Subset(ds, [0, 1])])
print(len(cat), cat[11])
for xb, yb in DataLoader(ds, batch_size=4, shuffle=True, drop_last=True):
    print(xb.tolist(), yb.tolist())
w = WeightedRandomSampler([0.1, 0.9, 0.5, 0.0], num_samples=8, replacement=True,
                          generator=torch.Generator().manual_seed(3))
print(list(w))
print(list(BatchSampler(SequentialSampler(range(7)), batch_size=3, drop_last=False)))
print(list(RandomSampler(range(6), generator=torch.Generator().manual_seed(5))))
for batch in DataLoader(Dicts(5), batch_size=2):
    print(batch["x"], batch["y"], batch["name"])
