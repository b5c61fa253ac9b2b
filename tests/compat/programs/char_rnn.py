"""Character-level RNN: Embedding + nn.RNN + Linear, trained on one string with Adam, then
greedy sampling."""
import torch
import torch.nn as nn

text = "hello world, hello gradkit, hello torch. " * 4
chars = sorted(set(text))
stoi = {c: i for i, c in enumerate(chars)}
itos = {i: c for c, i in stoi.items()}
data = torch.tensor([stoi[c] for c in text], dtype=torch.long)


class CharRNN(nn.Module):
    def __init__(self, vocab, hidden=32):
        super().__init__()
        self.embed = nn.Embedding(vocab, 16)
        self.rnn = nn.RNN(16, hidden, batch_first=True)
        self.head = nn.Linear(hidden, vocab)

    def forward(self, x, h=None):
        out, h = self.rnn(self.embed(x), h)
        return self.head(out), h


torch.manual_seed(0)
model = CharRNN(len(chars))
opt = torch.optim.Adam(model.parameters(), lr=0.01)
seq = 20
for step in range(80):
    i = torch.randint(0, len(data) - seq - 1, (8,))
    x = torch.stack([data[j:j + seq] for j in i])
    y = torch.stack([data[j + 1:j + seq + 1] for j in i])
    logits, _ = model(x)
    loss = nn.functional.cross_entropy(logits.reshape(-1, len(chars)), y.reshape(-1))
    opt.zero_grad()
    loss.backward()
    opt.step()
    if step % 20 == 0:
        print(step, f"{loss.item():.4f}")
x = torch.tensor([[stoi["h"]]])
h = None
out = "h"
with torch.no_grad():
    for _ in range(20):
        logits, h = model(x, h)
        nxt = logits[0, -1].argmax().item()
        out += itos[nxt]
        x = torch.tensor([[nxt]])
print(repr(out), h.shape)
