"""Prototypical networks for few-shot classification (Snell et al.): episodes sampled from
synthetic Gaussian classes (N-way K-shot with queries), an embedding network, class prototypes
as support means via view/mean, squared Euclidean distances with torch.cdist, log_softmax over
negative distances, episode accuracy, and the cosine-similarity variant with a learnable
temperature."""
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)
n_classes, dim = 20, 16
class_means = 2.0 * torch.randn(n_classes, dim)


def episode(n_way=5, k_shot=3, n_query=4):
    classes = torch.randperm(n_classes)[:n_way]
    x = class_means[classes].repeat_interleave(k_shot + n_query, 0)
    x = (x + 1.5 * torch.randn_like(x)).view(n_way, k_shot + n_query, dim)
    support, query = x[:, :k_shot], x[:, k_shot:]
    labels = torch.arange(n_way).repeat_interleave(n_query)
    return support, query.reshape(-1, dim), labels


class ProtoNet(nn.Module):
    def __init__(self, metric="euclidean"):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(dim, 32), nn.BatchNorm1d(32), nn.ReLU(),
                                     nn.Linear(32, 16))
        self.metric = metric
        self.log_tau = nn.Parameter(torch.tensor(2.0))

    def forward(self, support, query):
        n_way, k_shot, _ = support.shape
        emb = self.encoder(torch.cat([support.reshape(-1, dim), query]))
        protos = emb[:n_way * k_shot].view(n_way, k_shot, -1).mean(1)
        q = emb[n_way * k_shot:]
        if self.metric == "euclidean":
            return -torch.cdist(q, protos).pow(2)
        return self.log_tau.exp() * F.cosine_similarity(q.unsqueeze(1), protos.unsqueeze(0),
                                                        dim=-1)


for metric in ("euclidean", "cosine"):
    torch.manual_seed(1)
    net = ProtoNet(metric)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    for ep in range(60):
        s, q, y = episode()
        logits = net(s, q)
        loss = F.cross_entropy(logits, y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    net.eval()
    accs = []
    with torch.no_grad():
        for _ in range(20):
            s, q, y = episode()
            accs.append((net(s, q).argmax(1) == y).float().mean())
    accs = torch.stack(accs)
    ci = 1.96 * accs.std() / accs.numel() ** 0.5
    print(f"{metric:9s} last loss {loss.item():.4f} acc {accs.mean().item():.4f} "
          f"+- {ci.item():.4f} tau {net.log_tau.exp().item():.4f}")
a, b = torch.randn(3, 4), torch.randn(2, 4)
d = torch.cdist(a, b)
by_hand = (a.unsqueeze(1) - b.unsqueeze(0)).pow(2).sum(-1).sqrt()
print("cdist", tuple(d.shape), "matches broadcasting", torch.allclose(d, by_hand, atol=1e-5))
