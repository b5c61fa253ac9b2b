"""A tokenizer-free byte-level language model: text turned into a uint8 tensor with
torch.frombuffer / torch.tensor(list(text.encode())), windows with Tensor.unfold, a causal
dilated Conv1d stack (left padding with F.pad), bits-per-byte as the metric, and sampling bytes
back into a string with bytes(...).decode(errors="replace")."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(25)
text = ("the quick brown fox jumps over the lazy dog. über naïve café — "
        "pack my box with five dozen liquor jugs. ") * 3
raw = bytearray(text.encode("utf-8"))
data = torch.frombuffer(raw, dtype=torch.uint8).long()
print(len(text), data.numel(), data.dtype, data[:8].tolist(), data.max().item())
same = torch.tensor(list(text.encode("utf-8")), dtype=torch.uint8)
print("frombuffer == list", torch.equal(same.long(), data), same.dtype)

CTX = 16
windows = data.unfold(0, CTX + 1, 4)
print("windows", tuple(windows.shape), windows.stride() if windows.is_contiguous() else "view")


class CausalConv(nn.Module):
    def __init__(self, cin, cout, k, dilation):
        super().__init__()
        self.pad = (k - 1) * dilation
        self.conv = nn.Conv1d(cin, cout, k, dilation=dilation)

    def forward(self, x):
        return self.conv(F.pad(x, (self.pad, 0)))


class ByteLM(nn.Module):
    def __init__(self, d=24):
        super().__init__()
        self.emb = nn.Embedding(256, d)
        self.convs = nn.ModuleList(CausalConv(d, 2 * d, 2, dil) for dil in (1, 2, 4))
        self.out = nn.Linear(d, 256)

    def forward(self, x):
        h = self.emb(x).transpose(1, 2)
        for conv in self.convs:
            a, b = conv(h).chunk(2, dim=1)
            h = h + torch.tanh(a) * torch.sigmoid(b)
        return self.out(h.transpose(1, 2))


model = ByteLM()
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
for epoch in range(6):
    perm = torch.randperm(windows.size(0))
    total, n = 0.0, 0
    for i in range(0, len(perm), 16):
        batch = windows[perm[i:i + 16]]
        logits = model(batch[:, :-1])
        loss = F.cross_entropy(logits.reshape(-1, 256), batch[:, 1:].reshape(-1))
        opt.zero_grad()
        loss.backward()
        opt.step()
        total += loss.item() * batch.size(0)
        n += batch.size(0)
    print(f"epoch {epoch} bits/byte {total / n / math.log(2):.4f}")

model.eval()
g = torch.Generator().manual_seed(7)
ctx = torch.tensor(list(b"the "))[None]
with torch.no_grad():
    for _ in range(24):
        probs = F.softmax(model(ctx[:, -CTX:])[:, -1] / 0.7, dim=-1)
        ctx = torch.cat([ctx, torch.multinomial(probs, 1, generator=g)], dim=1)
print(repr(bytes(ctx[0].tolist()).decode("utf-8", errors="replace")))
print("greedy byte after 'qu':", chr(model(torch.tensor([list(b"the qu")]))[0, -1].argmax().item()))
