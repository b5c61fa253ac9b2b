"""torch.utils.data plumbing beyond TensorDataset: ChainDataset of IterableDatasets,
ConcatDataset.cumulative_sizes and index lookup, Subset of a Subset, random_split with a seeded
torch.Generator and with fractions, default_collate of dicts / namedtuples / nested lists /
numpy arrays / strings / numbers, default_convert, and a DataLoader with batch_size=None."""
import collections

import numpy as np
import torch
from torch.utils.data import (
    ChainDataset,
    ConcatDataset,
    DataLoader,
    Dataset,
    IterableDataset,
    Subset,
    TensorDataset,
    random_split,
)
from torch.utils.data.dataloader import default_collate

try:
    from torch.utils.data import default_convert
except ImportError:  # older torch
    from torch.utils.data._utils.collate import default_convert


class Squares(Dataset):
    def __init__(self, n, offset=0):
        self.n, self.offset = n, offset

    def __len__(self):
        return self.n

    def __getitem__(self, idx):
        v = idx + self.offset
        return {"x": torch.tensor([v, v * v], dtype=torch.float32), "y": v % 3,
                "name": f"item{v}"}


class Stream(IterableDataset):
    def __init__(self, start, end):
        super().__init__()
        self.start, self.end = start, end

    def __iter__(self):
        return iter(torch.arange(self.start, self.end).tolist())


chain = ChainDataset([Stream(0, 3), Stream(10, 13)])
print("chain:", list(chain))
print("chain loader:", [b.tolist() for b in DataLoader(chain, batch_size=4)])

concat = ConcatDataset([Squares(4), Squares(3, offset=100)])
print(len(concat), concat.cumulative_sizes, concat[5]["name"], concat[-1]["name"])

g = torch.Generator().manual_seed(42)
train, val, test = random_split(concat, [4, 2, 1], generator=g)
print("split indices:", train.indices, val.indices, test.indices)
a, b = random_split(range(10), [0.7, 0.3], generator=torch.Generator().manual_seed(0))
print("fractions:", len(a), len(b), list(a), list(b))
sub = Subset(train, [0, 2])
print("subset of subset:", [sub[i]["name"] for i in range(len(sub))], type(sub.dataset).__name__)

batch = default_collate([concat[i] for i in range(3)])
print(sorted(batch), batch["x"].shape, batch["y"], batch["name"])

Point = collections.namedtuple("Point", ["pos", "label"])
pts = [Point(torch.tensor([1.0, 2.0]), 0), Point(torch.tensor([3.0, 4.0]), 1)]
pb = default_collate(pts)
print(type(pb).__name__, pb.pos, pb.label)

nested = default_collate([[1, 2.5, np.array([1, 2])], [3, 4.5, np.array([3, 4])]])
print([type(t).__name__ for t in nested], nested[0], nested[1], nested[1].dtype, nested[2])
print(default_collate([np.float64(1.5), np.float64(2.5)]),
      default_collate([(1, "a"), (2, "b")]))
conv = default_convert({"a": np.arange(3), "b": [np.float32(1.0)], "c": "text"})
print(conv["a"], conv["b"], conv["c"])
print(default_collate([torch.tensor(1), torch.tensor(2)]), default_collate([True, False]))

loader = DataLoader(Squares(5), batch_size=2, shuffle=False)
for i, batch in enumerate(loader):
    print(i, batch["x"].tolist(), batch["y"].tolist(), batch["name"])
unbatched = DataLoader(TensorDataset(torch.arange(3.0)), batch_size=None)
print("batch_size=None:", [b for b in unbatched])
try:
    DataLoader(chain, shuffle=True)
except ValueError as e:
    print("ValueError:", str(e)[:60])
