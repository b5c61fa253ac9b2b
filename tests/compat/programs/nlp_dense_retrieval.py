"""Dense passage retrieval (DPR) training and evaluation: separate query and passage encoders,
in-batch negatives plus one hard negative per query (scores = q @ p.T over 2B passages),
cross-entropy against the positive's index, nn.MarginRankingLoss and
nn.TripletMarginWithDistanceLoss with a cosine distance as alternatives, then retrieval with
torch.topk over a normalised index, recall@k and MRR computed with tensor ops."""
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(32)
V = 40


class Encoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.EmbeddingBag(V, 24, mode="sum", padding_idx=0)
        self.proj = nn.Sequential(nn.Linear(24, 24), nn.GELU(), nn.Linear(24, 16, bias=False))

    def forward(self, ids):
        return self.proj(self.emb(ids))


N = 24
passages = torch.randint(1, V, (N, 8))
queries = passages[:, :3].clone()
queries[:, 2] = torch.randint(1, V, (N,))
hard = passages.roll(1, 0).clone()
hard[:, :2] = queries[:, :2]
q_enc, p_enc = Encoder(), Encoder()
opt = torch.optim.AdamW(list(q_enc.parameters()) + list(p_enc.parameters()), lr=1e-2)
for epoch in range(6):
    perm = torch.randperm(N)
    for i in range(0, N, 8):
        idx = perm[i:i + 8]
        q = q_enc(queries[idx])
        p = p_enc(torch.cat([passages[idx], hard[idx]]))
        scores = q @ p.T
        loss = F.cross_entropy(scores, torch.arange(len(idx)))
        opt.zero_grad()
        loss.backward()
        opt.step()
    print(f"epoch {epoch} nll {loss.item():.5f} pos {scores.diag().mean():.4f}")

with torch.no_grad():
    q = F.normalize(q_enc(queries), dim=-1)
    index = F.normalize(p_enc(passages), dim=-1)
    sims = q @ index.T
    top = sims.topk(5, dim=1).indices
    gold = torch.arange(N)[:, None]
    for k in (1, 3, 5):
        print(f"recall@{k}", (top[:, :k] == gold).any(1).float().mean().item())
    ranks = (sims > sims.gather(1, gold)).sum(1) + 1
    print("MRR", round((1.0 / ranks.float()).mean().item(), 5), ranks[:8].tolist())

qv, pv, nv = q_enc(queries[:6]), p_enc(passages[:6]), p_enc(hard[:6])
pos_s, neg_s = (qv * pv).sum(-1), (qv * nv).sum(-1)
mr = nn.MarginRankingLoss(margin=1.0)(pos_s, neg_s, torch.ones(6))
tm = nn.TripletMarginWithDistanceLoss(
    distance_function=lambda a, b: 1.0 - F.cosine_similarity(a, b), margin=0.5)(qv, pv, nv)
tl = nn.TripletMarginLoss(margin=1.0, p=2, swap=True)(qv, pv, nv)
print("margin", round(mr.item(), 5), "triplet-cos", round(tm.item(), 5), "triplet", round(tl.item(), 5))
(mr + tm + tl).backward()
print("grads", round(q_enc.proj[0].weight.grad.norm().item(), 5),
      round(p_enc.emb.weight.grad.norm().item(), 5))
