"""A pointer network (Vinyals et al.) that learns to sort numbers: an LSTM encoder, an LSTMCell
decoder whose additive attention over the encoder states is the output distribution, already
chosen positions masked with masked_fill(-inf), teacher forcing with the target indices,
torch.gather for the chosen inputs, and greedy decoding."""
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(5)


class Attention(nn.Module):
    def __init__(self, hidden):
        super().__init__()
        self.W1 = nn.Linear(hidden, hidden, bias=False)
        self.W2 = nn.Linear(hidden, hidden, bias=False)
        self.v = nn.Parameter(torch.empty(hidden).uniform_(-0.1, 0.1))

    def forward(self, enc, dec, mask):
        u = torch.tanh(self.W1(enc) + self.W2(dec).unsqueeze(1)) @ self.v
        return u.masked_fill(mask, float("-inf"))


class PointerNet(nn.Module):
    def __init__(self, hidden=32):
        super().__init__()
        self.embed = nn.Linear(1, hidden)
        self.encoder = nn.LSTM(hidden, hidden, batch_first=True)
        self.decoder = nn.LSTMCell(hidden, hidden)
        self.attn = Attention(hidden)
        self.start = nn.Parameter(torch.zeros(hidden))

    def forward(self, x, targets=None):
        B, L = x.shape
        emb = self.embed(x.unsqueeze(-1))
        enc, (h, c) = self.encoder(emb)
        h, c = h[0], c[0]
        inp = self.start.expand(B, -1)
        mask = torch.zeros(B, L, dtype=torch.bool)
        logps, picks = [], []
        for t in range(L):
            h, c = self.decoder(inp, (h, c))
            scores = self.attn(enc, h, mask)
            logp = F.log_softmax(scores, dim=-1)
            idx = targets[:, t] if targets is not None else logp.argmax(-1)
            logps.append(logp)
            picks.append(idx)
            mask = mask.scatter(1, idx.unsqueeze(1), True)
            inp = torch.gather(emb, 1, idx.view(B, 1, 1).expand(-1, 1, emb.size(-1))).squeeze(1)
        return torch.stack(logps, 1), torch.stack(picks, 1)


model = PointerNet()
opt = torch.optim.Adam(model.parameters(), lr=5e-3)
for step in range(60):
    x = torch.rand(32, 6)
    target = torch.argsort(x, dim=1)
    logps, _ = model(x, target)
    loss = F.nll_loss(logps.reshape(-1, 6), target.reshape(-1))
    opt.zero_grad()
    loss.backward()
    nn.utils.clip_grad_norm_(model.parameters(), 2.0)
    opt.step()
    if step % 15 == 14:
        print(f"step {step + 1} loss {loss.item():.4f}")

model.eval()
with torch.no_grad():
    x = torch.rand(64, 6)
    _, picks = model(x)
    target = torch.argsort(x, dim=1)
    seq_acc = (picks == target).all(1).float().mean()
    tok_acc = (picks == target).float().mean()
    print(f"token accuracy {tok_acc.item():.3f} sequence accuracy {seq_acc.item():.3f}")
    print("every position used once:", bool((picks.sort(1).values == torch.arange(6)).all()))
    print(x[0], picks[0], torch.gather(x[0], 0, picks[0]))
