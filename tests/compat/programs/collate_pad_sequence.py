"""Variable-length batches as NLP tutorials build them: a Dataset of token-id tensors of
different lengths, a custom collate_fn with torch.nn.utils.rnn.pad_sequence (batch_first and
padding_value), lengths and a padding mask, sorting by length, pin_memory=True on CPU, drop_last,
a bucketing batch_sampler, pack_padded_sequence into a GRU, masked mean pooling, and
default_collate / default_convert on nested structures."""
import torch
import torch.nn as nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence, pad_sequence
from torch.utils.data import DataLoader, Dataset
from torch.utils.data.dataloader import default_collate

torch.manual_seed(0)


class Sentences(Dataset):
    def __init__(self, n):
        self.lengths = torch.randint(2, 9, (n,)).tolist()
        self.items = [torch.randint(1, 20, (L,)) for L in self.lengths]
        self.labels = [int(x.sum() % 2) for x in self.items]

    def __len__(self):
        return len(self.items)

    def __getitem__(self, i):
        return self.items[i], self.labels[i]


def collate(batch):
    seqs, labels = zip(*batch)
    lengths = torch.tensor([len(s) for s in seqs])
    padded = pad_sequence(seqs, batch_first=True, padding_value=0)
    return padded, lengths, torch.tensor(labels)


ds = Sentences(30)
loader = DataLoader(ds, batch_size=8, shuffle=True, collate_fn=collate, drop_last=True,
                    pin_memory=True, generator=torch.Generator().manual_seed(1))
print("batches", len(loader))
for padded, lengths, labels in loader:
    mask = torch.arange(padded.shape[1]) < lengths.unsqueeze(1)
    print(tuple(padded.shape), lengths.tolist(), mask.sum().item(), labels.tolist())
print("time-major", pad_sequence([torch.ones(2), torch.ones(4)], padding_value=-1).T)
print("left pad", pad_sequence([torch.ones(2), torch.ones(4)], batch_first=True,
                               padding_side="left"))

order = sorted(range(len(ds)), key=lambda i: ds.lengths[i])
buckets = [order[i:i + 6] for i in range(0, len(order), 6)]
bucket_loader = DataLoader(ds, batch_sampler=buckets, collate_fn=collate)
print("bucket widths", [b[0].shape[1] for b in bucket_loader])


class Classifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(20, 8, padding_idx=0)
        self.gru = nn.GRU(8, 12, batch_first=True)
        self.out = nn.Linear(24, 2)

    def forward(self, x, lengths):
        e = self.emb(x)
        packed = pack_padded_sequence(e, lengths, batch_first=True, enforce_sorted=False)
        out, h = self.gru(packed)
        out, out_len = pad_packed_sequence(out, batch_first=True)
        mask = (torch.arange(out.shape[1]) < out_len.unsqueeze(1)).unsqueeze(-1)
        mean = (out * mask).sum(1) / out_len.unsqueeze(1)
        return self.out(torch.cat([h[-1], mean], dim=1))


model = Classifier()
opt = torch.optim.Adam(model.parameters(), lr=0.01)
for epoch in range(5):
    total = 0.0
    for padded, lengths, labels in loader:
        opt.zero_grad()
        loss = nn.functional.cross_entropy(model(padded, lengths), labels)
        loss.backward()
        opt.step()
        total += loss.item()
    print(f"epoch {epoch} loss {total / len(loader):.5f}")
print("pad row zero", model.emb.weight[0].abs().sum().item())

nested = [{"x": torch.tensor([1.0, 2.0]), "meta": (3, "a")},
          {"x": torch.tensor([3.0, 4.0]), "meta": (4, "b")}]
batch = default_collate(nested)
print(batch["x"], batch["meta"])
print(default_collate([(1, 2.5), (3, 4.5)]))
