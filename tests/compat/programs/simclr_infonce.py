"""Contrastive learning as SimCLR and CLIP reference code write it: two augmented views
(random noise, masking and scaling with torch.rand/randn), a projection head, the NT-Xent loss
from F.cosine_similarity of every pair with a temperature, the diagonal masked with
torch.eye(...).bool(), positives picked by roll, written a second time with logsumexp, and a
symmetric InfoNCE (CLIP) loss with a learnable logit scale."""
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(123)


def augment(x):
    mask = (torch.rand_like(x) > 0.1).float()
    scale = 1 + 0.1 * torch.randn(x.size(0), 1)
    return x * mask * scale + 0.05 * torch.randn_like(x)


def nt_xent(z1, z2, temperature=0.5):
    z = torch.cat([z1, z2], dim=0)
    n = z1.size(0)
    sim = F.cosine_similarity(z.unsqueeze(1), z.unsqueeze(0), dim=2) / temperature
    sim = sim.masked_fill(torch.eye(2 * n, dtype=torch.bool), float("-inf"))
    targets = torch.arange(2 * n).roll(n)
    return F.cross_entropy(sim, targets)


def info_nce_logsumexp(z1, z2, temperature=0.5):
    z1, z2 = F.normalize(z1, dim=1), F.normalize(z2, dim=1)
    z = torch.cat([z1, z2])
    n = z1.size(0)
    sim = z @ z.T / temperature
    self_mask = torch.eye(2 * n, dtype=torch.bool)
    sim = sim.masked_fill(self_mask, -9e15)
    pos_mask = self_mask.roll(shifts=n, dims=0)
    nll = -sim[pos_mask] + torch.logsumexp(sim, dim=-1)
    ranks = (sim.argsort(dim=-1, descending=True)
             == pos_mask.nonzero()[:, 1:2]).nonzero()[:, 1]
    return nll.mean(), (ranks == 0).float().mean(), 1 + ranks.float().mean()


class Encoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.backbone = nn.Sequential(nn.Linear(20, 64), nn.BatchNorm1d(64), nn.ReLU(),
                                      nn.Linear(64, 32))
        self.projector = nn.Sequential(nn.ReLU(), nn.Linear(32, 32), nn.ReLU(),
                                       nn.Linear(32, 16))

    def forward(self, x):
        return self.projector(self.backbone(x))


prototypes = torch.randn(8, 20)
data = prototypes[torch.arange(128) % 8] + 0.3 * torch.randn(128, 20)
model = Encoder()
opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=1e-4)
sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=30)
for step in range(30):
    x = data[torch.randperm(128)[:32]]
    z1, z2 = model(augment(x)), model(augment(x))
    loss = nt_xent(z1, z2)
    opt.zero_grad()
    loss.backward()
    opt.step()
    sched.step()
    if step % 10 == 9:
        l2, top1, mean_pos = info_nce_logsumexp(z1, z2)
        print(f"step {step + 1} nt-xent {loss.item():.4f} logsumexp {l2.item():.4f} "
              f"top1 {top1.item():.3f} mean_pos {mean_pos.item():.3f} "
              f"lr {sched.get_last_lr()[0]:.5f}")

# CLIP-style symmetric loss with a learnable temperature
img_proj, txt_proj = nn.Linear(20, 16), nn.Linear(10, 16)
logit_scale = nn.Parameter(torch.ones([]) * np.log(1 / 0.07))
texts = torch.randn(8, 10)
opt = torch.optim.AdamW(list(img_proj.parameters()) + list(txt_proj.parameters())
                        + [logit_scale], lr=1e-2)
for step in range(20):
    ix = torch.randint(0, 8, (16,))
    ix = ix[torch.unique(ix, return_inverse=True)[1].argsort()]
    imgs = prototypes[ix] + 0.1 * torch.randn(16, 20)
    img = F.normalize(img_proj(imgs), dim=-1)
    txt = F.normalize(txt_proj(texts[ix]), dim=-1)
    logits = logit_scale.exp() * img @ txt.t()
    labels = (ix.unsqueeze(0) == ix.unsqueeze(1)).float()
    labels = labels / labels.sum(1, keepdim=True)
    loss = (F.cross_entropy(logits, labels) + F.cross_entropy(logits.t(), labels)) / 2
    opt.zero_grad()
    loss.backward()
    opt.step()
    with torch.no_grad():
        logit_scale.clamp_(0, np.log(100))
print(f"clip loss {loss.item():.4f} scale {logit_scale.exp().item():.4f}")
a, b = torch.randn(4, 16), torch.randn(4, 16)
print(F.cosine_similarity(a, b), F.cosine_similarity(a, a[:1]).shape)
print(nn.CosineSimilarity(dim=0)(a, b))
