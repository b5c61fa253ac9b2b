"""A text classifier over variable-length sentences with torch.nn.utils.rnn: pad_sequence of
token tensors, pack_padded_sequence(enforce_sorted=False) with the PackedSequence's data,
batch_sizes, sorted_indices and unsorted_indices, a bidirectional 2-layer GRU, the final forward
and backward hidden states concatenated, pad_packed_sequence(total_length=...) for max-pooling
with a -inf mask, and pack_sequence / unpack_sequence round trips."""
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils.rnn import (
    pack_padded_sequence,
    pack_sequence,
    pad_packed_sequence,
    pad_sequence,
    unpack_sequence,
)

torch.manual_seed(12)
sentences = [torch.randint(1, 25, (n,)) for n in (5, 2, 7, 3, 7, 1)]
labels = torch.tensor([0, 1, 1, 0, 2, 1])
lengths = torch.tensor([len(s) for s in sentences])
padded = pad_sequence(sentences, batch_first=True, padding_value=0)
print(tuple(padded.shape), padded[1].tolist())


class BiGRU(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(25, 12, padding_idx=0)
        self.rnn = nn.GRU(12, 10, num_layers=2, bidirectional=True, batch_first=True,
                          dropout=0.0)
        self.fc = nn.Linear(40, 3)

    def forward(self, x, lengths, verbose=False):
        packed = pack_padded_sequence(self.emb(x), lengths, batch_first=True,
                                      enforce_sorted=False)
        if verbose:
            print("batch_sizes", packed.batch_sizes.tolist(), "sorted",
                  packed.sorted_indices.tolist(), "unsorted", packed.unsorted_indices.tolist(),
                  "data", tuple(packed.data.shape))
        out, h_n = self.rnn(packed)
        last = torch.cat([h_n[-2], h_n[-1]], dim=1)
        unpacked, out_lens = pad_packed_sequence(out, batch_first=True, total_length=9)
        mask = torch.arange(9)[None, :] < out_lens[:, None]
        pooled = unpacked.masked_fill(~mask[..., None], float("-inf")).max(dim=1).values
        if verbose:
            print("unpacked", tuple(unpacked.shape), out_lens.tolist(), "h_n", tuple(h_n.shape))
        return self.fc(torch.cat([last, pooled], dim=1))


model = BiGRU()
opt = torch.optim.RMSprop(model.parameters(), lr=5e-3)
for step in range(8):
    logits = model(padded, lengths, verbose=step == 0)
    loss = F.cross_entropy(logits, labels)
    opt.zero_grad()
    loss.backward()
    opt.step()
    print(f"step {step} {loss.item():.5f}")
with torch.no_grad():
    full = model(padded, lengths)
    single = torch.cat([model(s[None], torch.tensor([len(s)])) for s in sentences])
print("batch == one at a time", torch.allclose(full, single, atol=1e-5))

emb = [model.emb(s).detach() for s in sentences]
packed = pack_sequence(emb, enforce_sorted=False)
back = unpack_sequence(packed)
print("round trip", all(torch.equal(a, b) for a, b in zip(emb, back)), len(back))
out, h = model.rnn(packed)
print(type(out).__name__, tuple(out.data.shape), round(out.data.abs().sum().item(), 4))
sorted_lens, idx = lengths.sort(descending=True)
p2 = pack_padded_sequence(padded[idx], sorted_lens, batch_first=True)
print(p2.sorted_indices, p2.batch_sizes.tolist())
