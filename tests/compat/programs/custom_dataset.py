"""A map-style Dataset subclass with a transform, a custom collate_fn padding variable-length
sequences, DataLoader(drop_last=True), random_split and Subset."""
import torch
from torch.utils.data import DataLoader, Dataset, random_split


class ToyText(Dataset):
    def __init__(self, n, transform=None):
        g = torch.Generator().manual_seed(3)
        self.lengths = torch.randint(2, 7, (n,), generator=g)
        self.items = [torch.randint(1, 50, (int(k),), generator=g) for k in self.lengths]
        self.labels = (self.lengths > 4).long()
        self.transform = transform

    def __len__(self):
        return len(self.items)

    def __getitem__(self, idx):
        x = self.items[idx]
        if self.transform:
            x = self.transform(x)
        return x, self.labels[idx]


def collate(batch):
    xs, ys = zip(*batch)
    lengths = torch.tensor([len(x) for x in xs])
    padded = torch.zeros(len(xs), int(lengths.max()), dtype=torch.long)
    for i, x in enumerate(xs):
        padded[i, :len(x)] = x
    return padded, lengths, torch.stack(ys)


torch.manual_seed(0)
ds = ToyText(50, transform=lambda x: x % 10)
train_ds, val_ds = random_split(ds, [40, 10], generator=torch.Generator().manual_seed(42))
print(len(train_ds), len(val_ds), val_ds.indices[:5])
loader = DataLoader(train_ds, batch_size=6, shuffle=True, collate_fn=collate, drop_last=True)
print(len(loader))
for padded, lengths, ys in loader:
    print(padded.shape, lengths.tolist(), ys.tolist())
x, y = ds[3]
print(x, y, type(y).__name__)
