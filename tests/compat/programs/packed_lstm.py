"""Variable-length batches through an LSTM with pad_sequence, pack_padded_sequence and
pad_packed_sequence, taking each sequence's last real output; bidirectional LSTM."""
import torch
import torch.nn as nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence, pad_sequence

torch.manual_seed(6)
seqs = [torch.randn(n, 3) for n in (5, 2, 4)]
lengths = torch.tensor([len(s) for s in seqs])
padded = pad_sequence(seqs, batch_first=True)
print(padded.shape, lengths.tolist())
lstm = nn.LSTM(3, 4, batch_first=True, bidirectional=True)
packed = pack_padded_sequence(padded, lengths, batch_first=True, enforce_sorted=False)
out, (h, c) = lstm(packed)
unpacked, out_lengths = pad_packed_sequence(out, batch_first=True)
print(unpacked.shape, out_lengths.tolist(), h.shape, c.shape)
last = unpacked[torch.arange(3), lengths - 1, :4]
print(torch.allclose(last, h[0], atol=1e-6))
print(h)
loss = unpacked.pow(2).sum()
loss.backward()
print(lstm.weight_ih_l0.grad.shape, round(loss.item(), 4))
