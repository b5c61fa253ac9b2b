"""Loss functions with their options, values and gradients."""
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)
logits = torch.randn(6, 4, requires_grad=True)
target = torch.tensor([0, 3, 1, 1, 2, 0])
probs = torch.rand(6, 4)
w = torch.tensor([1.0, 2.0, 0.5, 1.0])
cases = {
    "ce": F.cross_entropy(logits, target, weight=w, label_smoothing=0.2),
    "ce_ignore": F.cross_entropy(logits, target, ignore_index=1, reduction="sum"),
    "ce_probs": F.cross_entropy(logits, probs.softmax(1)),
    "nll": F.nll_loss(logits.log_softmax(1), target, reduction="none").sum(),
    "bce": F.binary_cross_entropy(logits.sigmoid(), probs, weight=w),
    "bce_logits": F.binary_cross_entropy_with_logits(logits, probs, pos_weight=w),
    "kl": F.kl_div(logits.log_softmax(1), probs.softmax(1), reduction="batchmean"),
    "kl_log": F.kl_div(logits.log_softmax(1), probs.log_softmax(1), log_target=True, reduction="sum"),
    "mse": F.mse_loss(logits, probs), "l1": F.l1_loss(logits, probs, reduction="sum"),
    "smooth_l1": F.smooth_l1_loss(logits * 3, probs, beta=0.5), "huber": F.huber_loss(logits * 3, probs, delta=0.7),
    "soft_margin": F.soft_margin_loss(logits, probs.sign() * 2 - 1),
    "multilabel_soft": F.multilabel_soft_margin_loss(logits, (probs > 0.5).float()),
    "multi_margin": F.multi_margin_loss(logits, target, p=2, margin=0.5, weight=w),
    "multilabel_margin": F.multilabel_margin_loss(logits, torch.tensor([[3, 0, -1, 1]] * 6)),
    "hinge": F.hinge_embedding_loss(logits, (probs > 0.5).float() * 2 - 1, margin=0.5),
    "cos_emb": F.cosine_embedding_loss(logits, probs, torch.tensor([1, -1, 1, 1, -1, 1]), margin=0.1),
    "margin_rank": F.margin_ranking_loss(logits[:, 0], logits[:, 1], torch.tensor([1., -1, 1, -1, 1, 1]), margin=0.2),
    "triplet": F.triplet_margin_loss(logits, probs, probs.flip(0), swap=True),
    "poisson": F.poisson_nll_loss(logits, probs * 3, log_input=True, full=True),
    "gauss": F.gaussian_nll_loss(logits, probs, probs + 0.1, full=True),
}
for name, loss in cases.items():
    (g,) = torch.autograd.grad(loss, logits)
    print(name, round(loss.item(), 5), round(g.abs().sum().item(), 5))
acts = torch.randn(12, 2, 5, requires_grad=True)
lp = acts.log_softmax(2)
ctc = F.ctc_loss(lp, torch.tensor([[1, 2, 2], [3, 4, 0]]), torch.tensor([12, 10]), torch.tensor([3, 2]), zero_infinity=True)
ctc.backward()
print("ctc", round(ctc.item(), 5), round(acts.grad.abs().sum().item(), 5))
crit = nn.CrossEntropyLoss(reduction="none")
print(crit(torch.randn(2, 3, 4, 4), torch.randint(0, 3, (2, 4, 4))).shape)
print(nn.BCEWithLogitsLoss()(torch.zeros(3), torch.ones(3)), nn.NLLLoss()(torch.zeros(1, 2, 3), torch.zeros(1, 3, dtype=torch.long)))
