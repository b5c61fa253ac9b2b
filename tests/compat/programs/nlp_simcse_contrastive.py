"""Unsupervised SimCSE-style sentence embeddings: each batch encoded twice so dropout gives two
views, attention-mask mean pooling, a cosine-similarity matrix from F.cosine_similarity on
unsqueezed operands divided by a temperature, cross-entropy against torch.arange labels, then an
evaluation with F.normalize, a Spearman correlation from double argsort ranks, and nearest
neighbours with torch.topk."""
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(16)


class Encoder(nn.Module):
    def __init__(self, vocab=40, d=24):
        super().__init__()
        self.emb = nn.Embedding(vocab, d, padding_idx=0)
        layer = nn.TransformerEncoderLayer(d, 4, 48, dropout=0.1, batch_first=True,
                                           norm_first=True)
        self.enc = nn.TransformerEncoder(layer, 2, enable_nested_tensor=False)
        self.mlp = nn.Sequential(nn.Linear(d, d), nn.Tanh())

    def forward(self, ids, attention_mask):
        h = self.enc(self.emb(ids), src_key_padding_mask=attention_mask == 0)
        m = attention_mask.unsqueeze(-1).float()
        pooled = (h * m).sum(1) / m.sum(1).clamp(min=1e-9)
        return self.mlp(pooled)


def batch(n=8, T=9):
    lens = torch.randint(3, T + 1, (n,))
    am = (torch.arange(T)[None] < lens[:, None]).long()
    return torch.randint(1, 40, (n, T)) * am, am


model = Encoder()
opt = torch.optim.AdamW(model.parameters(), lr=3e-4, weight_decay=0.0)
temp = 0.05
for step in range(5):
    ids, am = batch()
    z1, z2 = model(ids, am), model(ids, am)
    sim = F.cosine_similarity(z1.unsqueeze(1), z2.unsqueeze(0), dim=-1) / temp
    labels = torch.arange(sim.size(0))
    loss = F.cross_entropy(sim, labels)
    opt.zero_grad()
    loss.backward()
    opt.step()
    acc = (sim.argmax(1) == labels).float().mean()
    print(f"step {step} loss {loss.item():.5f} acc {acc.item():.3f} diag {sim.diag().mean():.4f}")

model.eval()


def spearman(a, b):
    ra = a.argsort().argsort().float()
    rb = b.argsort().argsort().float()
    ra, rb = ra - ra.mean(), rb - rb.mean()
    return (ra * rb).sum() / (ra.norm() * rb.norm())


with torch.no_grad():
    ids, am = batch(10)
    e = F.normalize(model(ids, am), p=2, dim=1)
    noisy = ids.clone()
    noisy[:, 0] = (noisy[:, 0] % 39) + 1
    e2 = F.normalize(model(noisy, am), p=2, dim=1)
    cos = (e * e2).sum(-1)
    gold = (ids == noisy).float().sum(1) / am.sum(1)
    print("cos", [round(c, 4) for c in cos.tolist()])
    print("spearman", round(spearman(cos, gold).item(), 4))
    sims = e @ e.T
    sims.fill_diagonal_(-1)
    vals, idx = sims.topk(2, dim=1)
    print("neighbours", idx.tolist())
    print("norms", torch.allclose(e.norm(dim=1), torch.ones(10)), round(vals[0, 0].item(), 5))
    print(torch.cdist(e[:3], e[:3]).round(decimals=4))
