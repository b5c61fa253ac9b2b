"""A GRU encoder-decoder (the seq2seq tutorial's shape) reversing short digit sequences, with
teacher forcing and greedy decoding."""
import torch
import torch.nn as nn
import torch.nn.functional as F

SOS, V, L = 10, 11, 5


class EncoderRNN(nn.Module):
    def __init__(self, hidden):
        super().__init__()
        self.embedding = nn.Embedding(V, hidden)
        self.gru = nn.GRU(hidden, hidden, batch_first=True)

    def forward(self, x):
        return self.gru(self.embedding(x))


class DecoderRNN(nn.Module):
    def __init__(self, hidden):
        super().__init__()
        self.embedding = nn.Embedding(V, hidden)
        self.gru = nn.GRU(hidden, hidden, batch_first=True)
        self.out = nn.Linear(hidden, V)

    def forward(self, hidden, target=None):
        batch = hidden.size(1)
        inp = torch.full((batch, 1), SOS, dtype=torch.long)
        outputs = []
        for i in range(L):
            out, hidden = self.gru(F.relu(self.embedding(inp)), hidden)
            logits = self.out(out)
            outputs.append(logits)
            inp = target[:, i].unsqueeze(1) if target is not None else logits.argmax(-1).detach()
        return F.log_softmax(torch.cat(outputs, 1), dim=-1)


torch.manual_seed(4)
enc, dec = EncoderRNN(24), DecoderRNN(24)
params = list(enc.parameters()) + list(dec.parameters())
opt = torch.optim.Adam(params, lr=0.01)
x = torch.randint(0, 10, (64, L))
y = x.flip(1)
for step in range(40):
    _, h = enc(x)
    out = dec(h, y)
    loss = F.nll_loss(out.view(-1, V), y.view(-1))
    opt.zero_grad()
    loss.backward()
    opt.step()
    if step % 10 == 0:
        print(step, f"{loss.item():.4f}")
with torch.no_grad():
    _, h = enc(x[:3])
    pred = dec(h).argmax(-1)
print(pred.shape, h.shape, (pred == y[:3]).float().mean().item())
