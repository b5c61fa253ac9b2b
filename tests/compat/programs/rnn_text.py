"""Text models: pad_sequence, pack_padded_sequence into a bidirectional 2-layer GRU, Conv1d
classifier, Embedding with padding_idx, LSTM with projections and a hidden state carried on."""
import torch
import torch.nn as nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence, pad_sequence

torch.manual_seed(0)
seqs = [torch.randint(1, 20, (n,)) for n in (5, 3, 4)]
lengths = torch.tensor([len(s) for s in seqs])
padded = pad_sequence(seqs, batch_first=True)
print(padded)
emb = nn.Embedding(20, 8, padding_idx=0)
gru = nn.GRU(8, 6, num_layers=2, bidirectional=True, batch_first=True)
packed = pack_padded_sequence(emb(padded), lengths, batch_first=True, enforce_sorted=False)
out, h = gru(packed)
out, lens = pad_packed_sequence(out, batch_first=True)
print(out.shape, h.shape, lens, out[1, 3:].abs().sum().item())
loss = out.sum() + h.sum()
loss.backward()
print(emb.weight.grad[0].abs().sum().item(), gru.weight_hh_l1_reverse.grad.shape)
conv = nn.Sequential(nn.Conv1d(8, 16, 3, padding=1), nn.ReLU(), nn.AdaptiveMaxPool1d(1),
                     nn.Flatten(), nn.Linear(16, 2))
print(conv(emb(padded).transpose(1, 2)))
lstm = nn.LSTM(8, 10, proj_size=4, batch_first=True)
x = emb(padded)
o1, (h1, c1) = lstm(x[:, :2])
o2, (h2, c2) = lstm(x[:, 2:], (h1, c1))
print(o1.shape, h1.shape, c1.shape, o2[0, -1])
cell = nn.GRUCell(8, 6)
hx = torch.zeros(3, 6)
for t in range(padded.size(1)):
    hx = cell(x[:, t], hx)
print(hx.sum().item())
