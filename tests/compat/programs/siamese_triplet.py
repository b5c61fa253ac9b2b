"""Contrastive and siamese learning: a shared embedding net, cosine similarity, TripletMarginLoss,
TripletMarginWithDistanceLoss, CosineEmbeddingLoss, an InfoNCE loss with cross_entropy."""
# compat: rtol=3e-3 (ten steps of triplet mining amplify float32 rounding: PyTorch alone moves its similarities by 5e-4 between MKL's kernel paths)
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(3)


class EmbeddingNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.convnet = nn.Sequential(nn.Conv2d(1, 4, 3), nn.PReLU(), nn.MaxPool2d(2, stride=2),
                                     nn.Conv2d(4, 8, 3), nn.PReLU(), nn.AdaptiveAvgPool2d(1))
        self.fc = nn.Sequential(nn.Flatten(), nn.Linear(8, 16), nn.PReLU(), nn.Linear(16, 4))

    def forward(self, x):
        return F.normalize(self.fc(self.convnet(x)), p=2, dim=1)


class SiameseNet(nn.Module):
    def __init__(self, embedding_net):
        super().__init__()
        self.embedding_net = embedding_net

    def forward(self, x1, x2):
        return self.embedding_net(x1), self.embedding_net(x2)


emb = EmbeddingNet()
siam = SiameseNet(emb)
protos = torch.randn(3, 1, 12, 12)


def sample(n):
    labels = torch.randint(0, 3, (n,))
    return protos[labels] + 0.3 * torch.randn(n, 1, 12, 12), labels


triplet = nn.TripletMarginLoss(margin=0.5, p=2)
tdist = nn.TripletMarginWithDistanceLoss(
    distance_function=lambda a, b: 1.0 - F.cosine_similarity(a, b), margin=0.3, swap=True)
cos_loss = nn.CosineEmbeddingLoss(margin=0.1)
opt = torch.optim.SGD(emb.parameters(), lr=0.1, momentum=0.9, nesterov=True)
for step in range(10):
    x, y = sample(24)
    e = emb(x)
    same = y[:, None] == y[None, :]
    anchors, pos, neg = [], [], []
    for i in range(len(y)):
        p = torch.nonzero(same[i] & (torch.arange(len(y)) != i)).flatten()
        n = torch.nonzero(~same[i]).flatten()
        if len(p) and len(n):
            anchors.append(i)
            pos.append(p[0].item())
            neg.append(n[0].item())
    a, p, n = e[anchors], e[pos], e[neg]
    x1, x2 = sample(8)[0], sample(8)[0]
    o1, o2 = siam(x1, x2)
    target = torch.where(torch.rand(8) > 0.5, 1.0, -1.0)
    loss = triplet(a, p, n) + tdist(a, p, n) + cos_loss(o1, o2, target)
    opt.zero_grad()
    loss.backward()
    opt.step()
    print(f"{step}: loss={loss.item():.5f} n_triplets={len(anchors)}")

# InfoNCE / SimCLR-style
z1 = F.normalize(torch.randn(6, 4), dim=1)
z2 = F.normalize(z1 + 0.1 * torch.randn(6, 4), dim=1)
logits = z1 @ z2.T / 0.1
labels = torch.arange(6)
print("infonce", F.cross_entropy(logits, labels).item(), (logits.argmax(1) == labels).float().mean())
sim = F.cosine_similarity(z1.unsqueeze(1), z2.unsqueeze(0), dim=-1)
print(sim.shape, sim.diagonal(), torch.cdist(z1, z2).min(dim=1))
print(F.pairwise_distance(z1, z2, keepdim=True).squeeze(), F.triplet_margin_loss(z1, z2, z2.flip(0), reduction="none"))
print(nn.CosineSimilarity(dim=0)(z1[:, 0], z2[:, 0]), nn.PairwiseDistance(p=1)(z1, z2))
emb.eval()
with torch.inference_mode():
    e = emb(protos)
    print(e @ e.T, torch.is_inference_mode_enabled())
print(emb.fc[2].weight, emb.convnet[1])
