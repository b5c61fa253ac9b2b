"""The less common nn losses as metric-learning and multi-label projects use them, each in a
short training loop against its functional and by-hand forms: MultiLabelMarginLoss (targets
padded with -1), SoftMarginLoss, HingeEmbeddingLoss on pair distances, CosineEmbeddingLoss
with margin, MarginRankingLoss for a ranker, TripletMarginWithDistanceLoss with a cosine
distance and swap=True, KLDivLoss(log_target=True), MultiMarginLoss with p=2 and class
weights; reductions none/sum/mean compared."""
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(67)
x = torch.randn(6, 5, requires_grad=True)
ml_target = torch.tensor([[0, 3, -1, 1, 1], [2, -1, 0, 0, 0], [1, 2, 4, -1, 0],
                          [4, -1, 2, 2, 2], [0, 1, 2, 3, 4], [3, 0, -1, 4, 4]])
for red in ("none", "sum", "mean"):
    print("multilabel margin", red, nn.MultiLabelMarginLoss(reduction=red)(x, ml_target))


def mlm_by_hand(x, y):
    out = []
    for xi, yi in zip(x, y):
        stop = (yi == -1).nonzero()
        n = int(stop[0]) if len(stop) else len(yi)
        tgt = yi[:n]
        mask = torch.ones(x.shape[1], dtype=torch.bool)
        mask[tgt] = False
        terms = F.relu(1 - (xi[tgt][:, None] - xi[mask][None, :]))
        out.append(terms.sum() / x.shape[1])
    return torch.stack(out)


print("by hand equal", torch.allclose(mlm_by_hand(x, ml_target), F.multilabel_margin_loss(x, ml_target, reduction="none")))
sm_t = torch.randint(0, 2, (6, 5)).float() * 2 - 1
print("soft margin", F.soft_margin_loss(x, sm_t), torch.log1p(torch.exp(-sm_t * x)).mean())
l = F.multi_margin_loss(x, torch.tensor([0, 1, 2, 3, 4, 0]), p=2, margin=0.5,
                        weight=torch.tensor([1.0, 2.0, 0.5, 1.0, 1.5]), reduction="none")
print("multi margin p=2 weighted", l)
l.sum().backward()
print("grad", x.grad[0])

emb = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))
ranker = nn.Linear(4, 1)
opt = torch.optim.Adam(list(emb.parameters()) + list(ranker.parameters()), lr=1e-2)
hinge = nn.HingeEmbeddingLoss(margin=1.5)
cos = nn.CosineEmbeddingLoss(margin=0.2)
rank = nn.MarginRankingLoss(margin=0.1)
trip = nn.TripletMarginWithDistanceLoss(distance_function=lambda a, b: 1.0 - F.cosine_similarity(a, b),
                                        margin=0.3, swap=True)
kl = nn.KLDivLoss(reduction="batchmean", log_target=True)
for step in range(10):
    a, b = torch.randn(8, 4), torch.randn(8, 4)
    same = torch.where(torch.rand(8) < 0.5, 1.0, -1.0)
    b = torch.where(same[:, None] > 0, a + 0.1 * torch.randn(8, 4), b)
    ea, eb = emb(a), emb(b)
    d = F.pairwise_distance(ea, eb)
    l_hinge = hinge(d, same)
    l_cos = cos(ea, eb, same)
    s1, s2 = ranker(a).squeeze(1), ranker(b).squeeze(1)
    order = torch.sign(a.sum(1) - b.sum(1))
    l_rank = rank(s1, s2, order)
    neg = emb(torch.randn(8, 4))
    l_trip = trip(ea, eb, neg)
    l_kl = kl(F.log_softmax(ea, 1), F.log_softmax(eb.detach(), 1))
    loss = l_hinge + l_cos + l_rank + l_trip + l_kl
    opt.zero_grad()
    loss.backward()
    opt.step()
    if step % 3 == 0:
        print(f"step {step} hinge {l_hinge.item():.5f} cos {l_cos.item():.5f} rank {l_rank.item():.5f} "
              f"trip {l_trip.item():.5f} kl {l_kl.item():.6f}")
print("hinge by hand", torch.where(same > 0, d, F.relu(1.5 - d)).mean().item(), l_hinge.item())
print("ranking acc", ((s1 - s2).sign() == order).float().mean().item())
