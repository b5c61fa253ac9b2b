"""Knowledge distillation from a transformer teacher to a small student, Hinton style: the teacher
in eval mode under torch.no_grad, soft targets with a temperature, F.kl_div(log_softmax(s/T),
softmax(t/T), reduction='batchmean') * T**2 mixed with the hard-label loss, the log_target=True
form and nn.KLDivLoss agreeing, and cross_entropy with probability targets."""
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(18)
V, C = 30, 4


class Teacher(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(V, 32)
        layer = nn.TransformerEncoderLayer(32, 4, 64, dropout=0.1, batch_first=True)
        self.enc = nn.TransformerEncoder(layer, 2, enable_nested_tensor=False)
        self.fc = nn.Linear(32, C)

    def forward(self, x):
        return self.fc(self.enc(self.emb(x)).mean(1))


class Student(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.EmbeddingBag(V, 8, mode="mean")
        self.fc = nn.Linear(8, C)

    def forward(self, x):
        return self.fc(self.emb(x))


x = torch.randint(0, V, (32, 8))
y = (x[:, :2].sum(1) % C)
teacher = Teacher()
opt = torch.optim.Adam(teacher.parameters(), lr=2e-3)
for _ in range(12):
    loss = F.cross_entropy(teacher(x), y)
    opt.zero_grad()
    loss.backward()
    opt.step()
print(f"teacher loss {loss.item():.5f}")
teacher.eval()


def distillation_loss(s_logits, t_logits, labels, T=4.0, alpha=0.7):
    soft = F.kl_div(F.log_softmax(s_logits / T, dim=-1), F.softmax(t_logits / T, dim=-1),
                    reduction="batchmean") * (T * T)
    hard = F.cross_entropy(s_logits, labels)
    return alpha * soft + (1 - alpha) * hard, soft, hard


student = Student()
opt = torch.optim.SGD(student.parameters(), lr=0.5, momentum=0.9, nesterov=True)
for epoch in range(8):
    with torch.no_grad():
        t_logits = teacher(x)
    s_logits = student(x)
    loss, soft, hard = distillation_loss(s_logits, t_logits, y)
    opt.zero_grad()
    loss.backward()
    opt.step()
    print(f"epoch {epoch} total {loss.item():.5f} soft {soft.item():.5f} hard {hard.item():.5f}")

with torch.no_grad():
    s, t = student(x), teacher(x)
T = 2.0
a = F.kl_div(F.log_softmax(s / T, -1), F.softmax(t / T, -1), reduction="batchmean")
b = F.kl_div(F.log_softmax(s / T, -1), F.log_softmax(t / T, -1), reduction="batchmean",
             log_target=True)
c = nn.KLDivLoss(reduction="batchmean", log_target=True)(F.log_softmax(s / T, -1),
                                                         F.log_softmax(t / T, -1))
d = F.cross_entropy(s / T, F.softmax(t / T, -1)) - (-(F.softmax(t / T, -1)
                                                       * F.log_softmax(t / T, -1)).sum(-1)).mean()
print([round(v.item(), 6) for v in (a, b, c, d)])
print("sum/mean", round(F.kl_div(F.log_softmax(s, -1), F.softmax(t, -1), reduction="sum").item(), 5),
      round(F.kl_div(F.log_softmax(s, -1), F.softmax(t, -1), reduction="mean").item(), 6))
print("agreement", (s.argmax(1) == t.argmax(1)).float().mean().item(),
      "student acc", (s.argmax(1) == y).float().mean().item())
