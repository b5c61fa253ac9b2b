"""Variable-length sequences the nn.utils.rnn way: pad_sequence (batch_first and not, padding
value), pack_sequence with enforce_sorted=False, PackedSequence fields (data, batch_sizes,
sorted/unsorted indices), pad_packed_sequence with total_length, unpack_sequence, unpad_sequence;
a bidirectional 2-layer GRU and an LSTM with proj_size over packed input, clip_grad_value_."""
import torch
import torch.nn as nn
from torch.nn.utils.rnn import (
    pack_padded_sequence,
    pack_sequence,
    pad_packed_sequence,
    pad_sequence,
    unpack_sequence,
    unpad_sequence,
)

torch.manual_seed(0)
seqs = [torch.randn(n, 3) for n in (4, 6, 2, 5)]
lengths = torch.tensor([len(s) for s in seqs])
padded = pad_sequence(seqs)
print(padded.shape, pad_sequence(seqs, batch_first=True, padding_value=-1.0)[2])
print(pad_sequence([torch.arange(3), torch.arange(1)], batch_first=True, padding_side="left"))

packed = pack_sequence(seqs, enforce_sorted=False)
print(packed.data.shape, packed.batch_sizes, packed.sorted_indices, packed.unsorted_indices)
back, lens = pad_packed_sequence(packed, batch_first=True, total_length=7)
print(back.shape, lens, torch.equal(back[:, :6], pad_sequence(seqs, batch_first=True)))
print([u.shape for u in unpack_sequence(packed)])
print([u.shape for u in unpad_sequence(padded, lengths)])
print("after unpad_sequence", padded.shape)  # transposed in place by unpad_sequence
padded = padded.transpose(0, 1)

gru = nn.GRU(3, 5, num_layers=2, bidirectional=True, dropout=0.0)
out, h = gru(pack_padded_sequence(padded, lengths, enforce_sorted=False))
print(type(out).__name__, out.data.shape, h.shape)
o, ol = pad_packed_sequence(out)
print(o.shape, ol)
print("last fwd == h", torch.allclose(o[lengths - 1, torch.arange(4), :5], h[-2]))
print("first bwd == h", torch.allclose(o[0, :, 5:], h[-1]))
print(h[-1])

lstm = nn.LSTM(3, 8, num_layers=2, proj_size=4, batch_first=True, bidirectional=True)
print([(n, tuple(p.shape)) for n, p in lstm.named_parameters()][:6])
out, (hn, cn) = lstm(pack_sequence(seqs, enforce_sorted=False))
print(out.data.shape, hn.shape, cn.shape)
unpacked, ul = pad_packed_sequence(out, batch_first=True)
print(unpacked.shape, unpacked[2, 1:].abs().sum().item(), hn[-1, 0])

head = nn.Linear(8 + 10, 2)
params = list(gru.parameters()) + list(lstm.parameters()) + list(head.parameters())
opt = torch.optim.RMSprop(params, lr=1e-2)
y = torch.tensor([0, 1, 1, 0])
for step in range(5):
    _, hg = gru(pack_padded_sequence(padded, lengths, enforce_sorted=False))
    _, (hl, _) = lstm(pack_sequence(seqs, enforce_sorted=False))
    feat = torch.cat([hl[-2:].transpose(0, 1).reshape(4, -1), hg[-2:].permute(1, 0, 2).flatten(1)],
                     dim=1)
    loss = nn.functional.cross_entropy(head(feat), y)
    opt.zero_grad()
    loss.backward()
    torch.nn.utils.clip_grad_value_(params, 0.05)
    print(step, round(loss.item(), 5), max(p.grad.abs().max().item() for p in params))
    opt.step()

sorted_packed = pack_padded_sequence(padded[:, [1, 3, 0, 2]], lengths[[1, 3, 0, 2]])
print(sorted_packed.sorted_indices, sorted_packed.batch_sizes)
print(pack_padded_sequence(padded, lengths, enforce_sorted=False).to(torch.float64).data.dtype)
