"""Knowledge distillation (teacher/student with temperature-softened KLDivLoss, log_target both
ways), label smoothing in CrossEntropyLoss, soft-label cross_entropy, class weights and
ignore_index, NLLLoss on log_softmax, and the reductions of each."""
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(8)
teacher = nn.Sequential(nn.Linear(10, 64), nn.ReLU(), nn.Linear(64, 5))
student = nn.Sequential(nn.Linear(10, 8), nn.ReLU(), nn.Linear(8, 5))
X = torch.randn(80, 10)
y = (X[:, :5].argmax(1))
opt_t = torch.optim.Adam(teacher.parameters(), lr=1e-2)
for _ in range(30):
    loss = F.cross_entropy(teacher(X), y, label_smoothing=0.1)
    opt_t.zero_grad()
    loss.backward()
    opt_t.step()
print("teacher", round(loss.item(), 4), (teacher(X).argmax(1) == y).float().mean().item())
teacher.eval()
T, alpha = 4.0, 0.7
kl = nn.KLDivLoss(reduction="batchmean")
kl_log = nn.KLDivLoss(reduction="batchmean", log_target=True)
ce = nn.CrossEntropyLoss(label_smoothing=0.05)
opt_s = torch.optim.SGD(student.parameters(), lr=0.1, momentum=0.9)
for epoch in range(6):
    for xb, yb in zip(X.split(16), y.split(16)):
        with torch.no_grad():
            t_logits = teacher(xb)
        s_logits = student(xb)
        soft = kl(F.log_softmax(s_logits / T, dim=1), F.softmax(t_logits / T, dim=1)) * T * T
        soft2 = kl_log(F.log_softmax(s_logits / T, dim=1), F.log_softmax(t_logits / T, dim=1)) * T * T
        hard = ce(s_logits, yb)
        loss = alpha * soft + (1 - alpha) * hard
        opt_s.zero_grad()
        loss.backward()
        opt_s.step()
    print(epoch, f"{soft.item():.5f} {soft2.item():.5f} {hard.item():.5f}")
logits = torch.randn(6, 4, requires_grad=True)
target = torch.tensor([0, 3, 1, -100, 2, 1])
w = torch.tensor([1.0, 2.0, 0.5, 1.0])
for red in ("mean", "sum", "none"):
    print(red, F.cross_entropy(logits, target, weight=w, ignore_index=-100, label_smoothing=0.2,
                               reduction=red))
probs = F.softmax(torch.randn(6, 4), dim=1)
soft_ce = F.cross_entropy(logits, probs, label_smoothing=0.1)
soft_ce.backward()
print(soft_ce, logits.grad[0])
print(F.nll_loss(F.log_softmax(logits, 1), target.clamp(min=0), reduction="sum"))
print(F.kl_div(torch.log(probs), probs.flip(0), reduction="none").sum(1), F.kl_div(torch.log(probs), probs, reduction="mean"))
seg = torch.randn(2, 3, 4, 4)
seg_t = torch.randint(0, 3, (2, 4, 4))
print(F.cross_entropy(seg, seg_t, label_smoothing=0.1), nn.CrossEntropyLoss(reduction="none")(seg, seg_t).shape)
print(F.binary_cross_entropy_with_logits(torch.randn(4), torch.tensor([0.05, 0.95, 0.95, 0.05])))
print(nn.KLDivLoss(reduction="sum")(F.log_softmax(torch.randn(2, 3), 1), torch.tensor([[0.2, 0.3, 0.5], [1.0, 0.0, 0.0]])))
