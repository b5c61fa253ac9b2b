"""Knowledge distillation variants from recent papers as their code writes them: vanilla KD
(KL of temperature-softened distributions times T^2), decoupled KD (target-class vs
non-target-class KD: a gt mask built by scatter_, binary probabilities by cat of masked sums,
the non-target distribution by subtracting 1000*gt_mask before softmax), FitNets hints
through a 1x1 conv regressor, a frozen teacher in eval() with torch.no_grad, and student
accuracy/agreement with the teacher after a few SGD steps."""
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(79)
NCLS = 6


def make_net(width):
    return nn.ModuleDict({"features": nn.Sequential(nn.Conv2d(3, width, 3, padding=1), nn.BatchNorm2d(width), nn.ReLU(),
                                                    nn.MaxPool2d(2)),
                          "head": nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(width, NCLS))})


def forward(net, x):
    f = net["features"](x)
    return f, net["head"](f)


teacher, student = make_net(16), make_net(6)
X = torch.randn(48, 3, 8, 8)
Y = (X[:, 0].mean(dim=(1, 2)) * 3).floor().clamp(-3, 2).long() + 3
t_opt = torch.optim.SGD(teacher.parameters(), lr=0.1, momentum=0.9)
for _ in range(15):
    loss = F.cross_entropy(forward(teacher, X)[1], Y)
    t_opt.zero_grad()
    loss.backward()
    t_opt.step()
teacher.eval()
for p in teacher.parameters():
    p.requires_grad = False
print("teacher loss", loss.item())


def kd_loss(logits_s, logits_t, T):
    return F.kl_div(F.log_softmax(logits_s / T, dim=1), F.softmax(logits_t / T, dim=1),
                    reduction="batchmean") * T * T


def _get_gt_mask(logits, target):
    return torch.zeros_like(logits).scatter_(1, target.reshape(-1).unsqueeze(1), 1).bool()


def _get_other_mask(logits, target):
    return torch.ones_like(logits).scatter_(1, target.reshape(-1).unsqueeze(1), 0).bool()


def cat_mask(t, mask1, mask2):
    t1 = (t * mask1).sum(dim=1, keepdims=True)
    t2 = (t * mask2).sum(1, keepdims=True)
    return torch.cat([t1, t2], dim=1)


def dkd_loss(logits_student, logits_teacher, target, alpha, beta, temperature):
    gt_mask = _get_gt_mask(logits_student, target)
    other_mask = _get_other_mask(logits_student, target)
    pred_student = F.softmax(logits_student / temperature, dim=1)
    pred_teacher = F.softmax(logits_teacher / temperature, dim=1)
    pred_student = cat_mask(pred_student, gt_mask, other_mask)
    pred_teacher = cat_mask(pred_teacher, gt_mask, other_mask)
    log_pred_student = torch.log(pred_student)
    tckd = F.kl_div(log_pred_student, pred_teacher, size_average=False) * temperature ** 2 / target.shape[0]
    pred_teacher_part2 = F.softmax(logits_teacher / temperature - 1000.0 * gt_mask, dim=1)
    log_pred_student_part2 = F.log_softmax(logits_student / temperature - 1000.0 * gt_mask, dim=1)
    nckd = F.kl_div(log_pred_student_part2, pred_teacher_part2, size_average=False) * temperature ** 2 / target.shape[0]
    return alpha * tckd + beta * nckd, tckd, nckd


regressor = nn.Conv2d(6, 16, 1)
opt = torch.optim.SGD(list(student.parameters()) + list(regressor.parameters()), lr=0.05, momentum=0.9,
                      weight_decay=5e-4)
for step in range(12):
    idx = torch.randperm(48)[:16]
    x, y = X[idx], Y[idx]
    with torch.no_grad():
        f_t, logit_t = forward(teacher, x)
    f_s, logit_s = forward(student, x)
    ce = F.cross_entropy(logit_s, y)
    kd = kd_loss(logit_s, logit_t, T=4.0)
    dkd, tckd, nckd = dkd_loss(logit_s, logit_t, y, alpha=1.0, beta=8.0, temperature=4.0)
    hint = F.mse_loss(regressor(f_s), f_t)
    warm = min(step / 5, 1.0)
    loss = ce + 0.5 * kd + warm * dkd + 0.1 * hint
    opt.zero_grad()
    loss.backward()
    opt.step()
    if step % 3 == 0:
        print(f"step {step} ce {ce.item():.5f} kd {kd.item():.5f} tckd {tckd.item():.5f} "
              f"nckd {nckd.item():.5f} hint {hint.item():.5f}")
student.eval()
with torch.no_grad():
    ps, pt = forward(student, X)[1].argmax(1), forward(teacher, X)[1].argmax(1)
print("student acc", (ps == Y).float().mean().item(), "teacher acc", (pt == Y).float().mean().item(),
      "agreement", (ps == pt).float().mean().item())
