"""FT-Transformer / TabTransformer on a synthetic tabular data set, the way the papers' code
writes it: one nn.Embedding per categorical column (offsets into a shared table as in
TabTransformer, and a ModuleList variant), numerical features tokenised by a per-feature weight
and bias (x[..., None] * W + b), a learnable [CLS] token concatenated with expand, a
nn.TransformerEncoder (batch_first, norm_first, gelu), the head on the CLS output, AdamW with
weight decay, and accuracy / per-class counts with torch.bincount."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(3)

N, n_num = 600, 3
card = [4, 6, 3]
cats = torch.stack([torch.randint(0, c, (N,)) for c in card], 1)
nums = torch.randn(N, n_num)
score = nums[:, 0] * 1.5 - nums[:, 1] + (cats[:, 0] == 2).float() * 2 - (cats[:, 1] > 3).float()
y = torch.bucketize(score, torch.tensor([-1.0, 1.0]))
print("class counts", torch.bincount(y).tolist())


class NumericalTokenizer(nn.Module):
    def __init__(self, n, d):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(n, d))
        self.bias = nn.Parameter(torch.empty(n, d))
        nn.init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        nn.init.kaiming_uniform_(self.bias, a=math.sqrt(5))

    def forward(self, x):
        return x[..., None] * self.weight + self.bias


class FTTransformer(nn.Module):
    def __init__(self, d=16, heads=4, layers=2, n_classes=3):
        super().__init__()
        self.register_buffer("offsets", torch.tensor([0] + card[:-1]).cumsum(0))
        self.cat_emb = nn.Embedding(sum(card), d)
        self.num_tok = NumericalTokenizer(n_num, d)
        self.cls = nn.Parameter(torch.zeros(1, 1, d))
        nn.init.normal_(self.cls, std=0.02)
        layer = nn.TransformerEncoderLayer(d, heads, dim_feedforward=2 * d, dropout=0.1,
                                           activation="gelu", batch_first=True, norm_first=True)
        self.encoder = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
        self.head = nn.Sequential(nn.LayerNorm(d), nn.ReLU(), nn.Linear(d, n_classes))

    def forward(self, x_cat, x_num):
        tok = torch.cat([self.cat_emb(x_cat + self.offsets), self.num_tok(x_num)], dim=1)
        tok = torch.cat([self.cls.expand(tok.shape[0], -1, -1), tok], dim=1)
        h = self.encoder(tok)
        return self.head(h[:, 0])


model = FTTransformer()
no_decay = [p for n, p in model.named_parameters() if "norm" in n or "bias" in n or "emb" in n]
decay = [p for n, p in model.named_parameters() if not ("norm" in n or "bias" in n or "emb" in n)]
opt = torch.optim.AdamW([{"params": decay, "weight_decay": 1e-4},
                         {"params": no_decay, "weight_decay": 0.0}], lr=3e-3)
print("groups", len(decay), len(no_decay))
tr, te = slice(0, 480), slice(480, N)
for epoch in range(8):
    model.train()
    perm = torch.randperm(480)
    losses = []
    for i in range(0, 480, 96):
        idx = perm[i:i + 96]
        logits = model(cats[tr][idx], nums[tr][idx])
        loss = F.cross_entropy(logits, y[tr][idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    model.eval()
    with torch.no_grad():
        pred = model(cats[te], nums[te]).argmax(1)
        acc = (pred == y[te]).float().mean().item()
    print(f"epoch {epoch} loss {sum(losses) / len(losses):.4f} test acc {acc:.3f}")

print("predicted counts", torch.bincount(pred, minlength=3).tolist())
print("cls token norm", model.cls.norm().item())


# TabTransformer-style: contextual embeddings for categoricals only, numericals layer-normed
class TabTransformer(nn.Module):
    def __init__(self, d=8):
        super().__init__()
        self.embs = nn.ModuleList([nn.Embedding(c, d) for c in card])
        layer = nn.TransformerEncoderLayer(d, 2, 16, dropout=0.0, batch_first=True)
        self.tr = nn.TransformerEncoder(layer, 1, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(n_num)
        self.mlp = nn.Sequential(nn.Linear(d * len(card) + n_num, 32), nn.ReLU(), nn.Linear(32, 3))

    def forward(self, x_cat, x_num):
        e = torch.stack([emb(x_cat[:, i]) for i, emb in enumerate(self.embs)], 1)
        ctx = self.tr(e).flatten(1)
        return self.mlp(torch.cat([ctx, self.norm(x_num)], 1))


tab = TabTransformer()
opt = torch.optim.Adam(tab.parameters(), lr=5e-3)
for step in range(40):
    loss = F.cross_entropy(tab(cats[tr], nums[tr]), y[tr])
    opt.zero_grad()
    loss.backward()
    opt.step()
with torch.no_grad():
    acc = (tab(cats[te], nums[te]).argmax(-1) == y[te]).float().mean()
print(f"tabtransformer loss {loss.item():.4f} acc {acc.item():.3f}")
