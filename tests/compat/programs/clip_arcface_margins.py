"""Metric-learning heads as face-recognition and CLIP code write them: a CLIP-style symmetric
contrastive loss with a learnable temperature (logit_scale = log(1/0.07), exp() and clamp to 100
as in OpenAI's code), ArcFace (additive angular margin with cos(theta + m) from torch.acos /
the cos/sin expansion, the easy-margin and th/mm fallbacks), CosFace (additive cosine margin) and
a scale s, on synthetic classes; normalised weights via F.normalize, one_hot via scatter_, and
retrieval accuracy with argmax."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)

n_classes, dim = 6, 12
centers = F.normalize(torch.randn(n_classes, dim), dim=1) * 3


def sample(n):
    y = torch.randint(0, n_classes, (n,))
    return centers[y] + torch.randn(n, dim), y


class ArcMarginProduct(nn.Module):
    def __init__(self, in_features, out_features, s=30.0, m=0.50, easy_margin=False):
        super().__init__()
        self.s, self.m = s, m
        self.weight = nn.Parameter(torch.FloatTensor(out_features, in_features))
        nn.init.xavier_uniform_(self.weight)
        self.easy_margin = easy_margin
        self.cos_m, self.sin_m = math.cos(m), math.sin(m)
        self.th = math.cos(math.pi - m)
        self.mm = math.sin(math.pi - m) * m

    def forward(self, input, label):
        cosine = F.linear(F.normalize(input), F.normalize(self.weight))
        sine = torch.sqrt((1.0 - torch.pow(cosine, 2)).clamp(0, 1))
        phi = cosine * self.cos_m - sine * self.sin_m
        if self.easy_margin:
            phi = torch.where(cosine > 0, phi, cosine)
        else:
            phi = torch.where(cosine > self.th, phi, cosine - self.mm)
        one_hot = torch.zeros(cosine.size())
        one_hot.scatter_(1, label.view(-1, 1).long(), 1)
        output = (one_hot * phi) + ((1.0 - one_hot) * cosine)
        return output * self.s


class AddMarginProduct(nn.Module):
    """CosFace: s * (cos(theta) - m) for the target class."""

    def __init__(self, in_features, out_features, s=30.0, m=0.35):
        super().__init__()
        self.s, self.m = s, m
        self.weight = nn.Parameter(torch.empty(out_features, in_features))
        nn.init.xavier_uniform_(self.weight)

    def forward(self, input, label):
        cosine = F.linear(F.normalize(input), F.normalize(self.weight))
        one_hot = F.one_hot(label, cosine.shape[1]).float()
        return self.s * (cosine - one_hot * self.m)


def arcface_by_acos(cosine, label, s=30.0, m=0.5):
    theta = torch.acos(cosine.clamp(-1 + 1e-7, 1 - 1e-7))
    target = torch.cos(theta + m)
    return s * torch.where(F.one_hot(label, cosine.shape[1]).bool(), target, cosine)


for name, head in [("arcface", ArcMarginProduct(16, n_classes)),
                   ("arcface-easy", ArcMarginProduct(16, n_classes, easy_margin=True)),
                   ("cosface", AddMarginProduct(16, n_classes))]:
    torch.manual_seed(1)
    backbone = nn.Sequential(nn.Linear(dim, 32), nn.PReLU(), nn.Linear(32, 16), nn.BatchNorm1d(16))
    opt = torch.optim.SGD(list(backbone.parameters()) + list(head.parameters()), lr=0.05,
                          momentum=0.9, weight_decay=5e-4)
    for it in range(40):
        x, y = sample(64)
        loss = F.cross_entropy(head(backbone(x), y), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    backbone.eval()
    with torch.no_grad():
        x, y = sample(200)
        emb = F.normalize(backbone(x))
        cos = emb @ F.normalize(head.weight).T
        acc = (cos.argmax(1) == y).float().mean().item()
        ang = torch.rad2deg(torch.acos(cos.gather(1, y[:, None]).clamp(-1, 1))).mean().item()
    print(f"{name:13s} loss {loss.item():.4f} acc {acc:.3f} mean angle to own class {ang:.2f} deg")

cos = torch.tensor([[0.9, 0.1, -0.3], [0.2, -0.95, 0.5]])
lab = torch.tensor([0, 2])
print("acos form ", arcface_by_acos(cos, lab, s=1.0))
head = ArcMarginProduct(3, 3, s=1.0)
print("cos(theta+m) expansion", (cos[0, 0] * head.cos_m - (1 - cos[0, 0] ** 2).sqrt() * head.sin_m).item())

# ---- CLIP-style contrastive pretraining of two encoders ----
torch.manual_seed(2)
img_enc = nn.Sequential(nn.Linear(dim, 32), nn.ReLU(), nn.Linear(32, 8))
txt_emb = nn.Embedding(n_classes * 4, 16)
txt_proj = nn.Linear(16, 8, bias=False)
logit_scale = nn.Parameter(torch.ones([]) * math.log(1 / 0.07))
params = list(img_enc.parameters()) + list(txt_emb.parameters()) + list(txt_proj.parameters())
opt = torch.optim.AdamW([{"params": params}, {"params": [logit_scale], "weight_decay": 0.0}],
                        lr=3e-3, weight_decay=0.1)
for step in range(50):
    x, y = sample(32)
    tokens = y * 4 + torch.randint(0, 4, (32,))   # 4 "captions" per class
    image_features = img_enc(x)
    text_features = txt_proj(txt_emb(tokens))
    image_features = image_features / image_features.norm(dim=1, keepdim=True)
    text_features = text_features / text_features.norm(dim=1, keepdim=True)
    scale = logit_scale.exp()
    logits_per_image = scale * image_features @ text_features.t()
    logits_per_text = logits_per_image.t()
    labels = torch.arange(len(x))
    loss = (F.cross_entropy(logits_per_image, labels) + F.cross_entropy(logits_per_text, labels)) / 2
    opt.zero_grad()
    loss.backward()
    opt.step()
    with torch.no_grad():
        logit_scale.clamp_(0, math.log(100))
    if step % 10 == 0:
        print(f"clip step {step} loss {loss.item():.4f} scale {logit_scale.exp().item():.3f}")

with torch.no_grad():
    x, y = sample(100)
    class_text = F.normalize(txt_proj(txt_emb(torch.arange(n_classes) * 4)), dim=-1)
    zero_shot = (F.normalize(img_enc(x), dim=-1) @ class_text.T).argmax(-1)
    print("zero-shot accuracy", (zero_shot == y).float().mean().item())
