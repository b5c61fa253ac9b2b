"""Label smoothing three ways as translation code writes it: fairseq's label_smoothed_nll_loss
(gather the gold log-prob, sum over the vocabulary, eps / (V - 1) weighting, padding masked with
masked_fill_), nn.CrossEntropyLoss(label_smoothing=..., ignore_index=...), and the older
KLDivLoss against a true_dist built with fill_ / scatter_ / index_fill_ (The Annotated
Transformer's LabelSmoothing); values and gradients compared, then training with each."""
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(30)
V, PAD = 11, 0


def label_smoothed_nll_loss(lprobs, target, epsilon, ignore_index=None, reduce=True):
    if target.dim() == lprobs.dim() - 1:
        target = target.unsqueeze(-1)
    nll_loss = -lprobs.gather(dim=-1, index=target)
    smooth_loss = -lprobs.sum(dim=-1, keepdim=True)
    if ignore_index is not None:
        pad_mask = target.eq(ignore_index)
        nll_loss.masked_fill_(pad_mask, 0.0)
        smooth_loss.masked_fill_(pad_mask, 0.0)
    else:
        nll_loss = nll_loss.squeeze(-1)
        smooth_loss = smooth_loss.squeeze(-1)
    if reduce:
        nll_loss = nll_loss.sum()
        smooth_loss = smooth_loss.sum()
    eps_i = epsilon / (lprobs.size(-1) - 1)
    loss = (1.0 - epsilon - eps_i) * nll_loss + eps_i * smooth_loss
    return loss, nll_loss


class LabelSmoothing(nn.Module):
    def __init__(self, size, padding_idx, smoothing=0.0):
        super().__init__()
        self.criterion = nn.KLDivLoss(reduction="sum")
        self.padding_idx = padding_idx
        self.confidence = 1.0 - smoothing
        self.smoothing = smoothing
        self.size = size
        self.true_dist = None

    def forward(self, x, target):
        true_dist = x.data.clone()
        true_dist.fill_(self.smoothing / (self.size - 2))
        true_dist.scatter_(1, target.data.unsqueeze(1), self.confidence)
        true_dist[:, self.padding_idx] = 0
        mask = torch.nonzero(target.data == self.padding_idx)
        if mask.dim() > 0:
            true_dist.index_fill_(0, mask.squeeze(), 0.0)
        self.true_dist = true_dist
        return self.criterion(x, true_dist.clone().detach())


logits = torch.randn(8, V, requires_grad=True)
target = torch.tensor([3, 1, PAD, 7, 2, PAD, 10, 4])
lprobs = F.log_softmax(logits, dim=-1)
fs_loss, fs_nll = label_smoothed_nll_loss(lprobs, target, 0.1, ignore_index=PAD)
ce = nn.CrossEntropyLoss(label_smoothing=0.1, ignore_index=PAD, reduction="sum")(logits, target)
ls = LabelSmoothing(V, PAD, 0.1)(lprobs, target)
print(f"fairseq {fs_loss.item():.6f} nll {fs_nll.item():.6f} ce {ce.item():.6f} kl {ls.item():.6f}")
g1, = torch.autograd.grad(fs_loss, logits, retain_graph=True)
g2, = torch.autograd.grad(ce, logits, retain_graph=True)
g3, = torch.autograd.grad(ls, logits)
print("grad norms", [round(g.norm().item(), 6) for g in (g1, g2, g3)], g2[2].abs().sum().item())
print("mean", round(F.cross_entropy(logits, target, label_smoothing=0.1, ignore_index=PAD).item(),
                    6), round(F.cross_entropy(logits, target, label_smoothing=0.2).item(), 6))
w = torch.linspace(0.5, 1.5, V)
print("weighted", round(F.cross_entropy(logits, target, weight=w, label_smoothing=0.1,
                                        ignore_index=PAD).item(), 6))
probs_target = F.one_hot(target, V).float() * 0.8 + 0.2 / V
print("soft targets", round(F.cross_entropy(logits, probs_target, label_smoothing=0.1).item(), 6))

x = torch.randint(1, V, (32, 4))
y = x.sum(1) % V
for name in ("fairseq", "ce", "kl"):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Embedding(V, 8), nn.Flatten(), nn.Linear(32, V))
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    crit = LabelSmoothing(V, PAD, 0.1)
    for step in range(15):
        lp = F.log_softmax(model(x), -1)
        if name == "fairseq":
            loss = label_smoothed_nll_loss(lp, y, 0.1, ignore_index=PAD)[0] / 32
        elif name == "ce":
            loss = F.cross_entropy(model(x), y, label_smoothing=0.1, ignore_index=PAD)
        else:
            loss = crit(lp, y) / 32
        opt.zero_grad()
        loss.backward()
        opt.step()
    print(f"{name:8s} final {loss.item():.5f} acc {(model(x).argmax(1) == y).float().mean():.4f}")
