"""Knowledge distillation variants as the distillation repositories (RepDistiller-style) write
them: a wider teacher CNN trained first, then a thin student with (1) Hinton's KD, KL between
log_softmax(s/T) and softmax(t/T) with reduction='batchmean' times T^2 plus hard-label CE,
(2) FitNets hints: a 1x1 Conv2d regressor mapping the student's middle features to the teacher's,
MSE on them, and (3) attention transfer (Zagoruyko & Komodakis): F.normalize(f.pow(2).mean(1)
.view(B, -1)) maps matched across layers; teacher frozen with eval() and torch.no_grad(), and
agreement between student and teacher reported."""
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)


def make_data(n):
    # 8x8 single-channel images: class = which quadrant holds the bright blob
    y = torch.randint(0, 4, (n,))
    img = 0.3 * torch.randn(n, 1, 8, 8)
    for q in range(4):
        r, c = divmod(q, 2)
        sel = y == q
        img[sel, :, r * 4:r * 4 + 4, c * 4:c * 4 + 4] += 1.0
    return img, y


xtr, ytr = make_data(128)
xte, yte = make_data(128)


class Net(nn.Module):
    def __init__(self, width):
        super().__init__()
        self.block1 = nn.Sequential(nn.Conv2d(1, width, 3, padding=1), nn.BatchNorm2d(width), nn.ReLU())
        self.block2 = nn.Sequential(nn.Conv2d(width, 2 * width, 3, padding=1, stride=2),
                                    nn.BatchNorm2d(2 * width), nn.ReLU())
        self.fc = nn.Linear(2 * width, 4)

    def forward(self, x, is_feat=False):
        f1 = self.block1(x)
        f2 = self.block2(f1)
        out = self.fc(F.adaptive_avg_pool2d(f2, 1).flatten(1))
        return ([f1, f2], out) if is_feat else out


def train(model, loss_fn, epochs=3, extra_params=()):
    opt = torch.optim.SGD(list(model.parameters()) + list(extra_params), lr=0.05, momentum=0.9,
                          weight_decay=5e-4)
    for epoch in range(epochs):
        model.train()
        perm = torch.randperm(len(xtr))
        for b in perm.split(32):
            loss = loss_fn(model, xtr[b], ytr[b])
            opt.zero_grad()
            loss.backward()
            opt.step()
    return loss.item()


def accuracy(model):
    model.eval()
    with torch.no_grad():
        return (model(xte).argmax(1) == yte).float().mean().item()


teacher = Net(16)
print("teacher", sum(p.numel() for p in teacher.parameters()), "params, final loss",
      round(train(teacher, lambda m, x, y: F.cross_entropy(m(x), y), epochs=8), 4), "acc", accuracy(teacher))
teacher.eval()
for p in teacher.parameters():
    p.requires_grad = False


class DistillKL(nn.Module):
    def __init__(self, T):
        super().__init__()
        self.T = T

    def forward(self, y_s, y_t):
        p_s = F.log_softmax(y_s / self.T, dim=1)
        p_t = F.softmax(y_t / self.T, dim=1)
        return F.kl_div(p_s, p_t, reduction="batchmean") * self.T ** 2


def at(f):
    return F.normalize(f.pow(2).mean(1).view(f.size(0), -1))


def at_loss(f_s, f_t):
    return (at(f_s) - at(f_t)).pow(2).mean()


kd = DistillKL(4.0)
results = {}
for method in ("ce", "kd", "fitnets", "at"):
    torch.manual_seed(5)
    student = Net(4)
    regressor = nn.Conv2d(4, 16, 1)   # student block1 width -> teacher block1 width

    def loss_fn(m, x, y, method=method, regressor=regressor):
        feats_s, logit_s = m(x, is_feat=True)
        with torch.no_grad():
            feats_t, logit_t = teacher(x, is_feat=True)
        loss = F.cross_entropy(logit_s, y)
        if method == "kd":
            loss = 0.1 * loss + 0.9 * kd(logit_s, logit_t)
        elif method == "fitnets":
            loss = loss + 2.0 * F.mse_loss(regressor(feats_s[0]), feats_t[0])
        elif method == "at":
            loss = loss + 100.0 * sum(at_loss(a, b) for a, b in zip(feats_s, feats_t))
        return loss

    final = train(student, loss_fn, extra_params=regressor.parameters() if method == "fitnets" else ())
    student.eval()
    with torch.no_grad():
        agree = (student(xte).argmax(1) == teacher(xte).argmax(1)).float().mean().item()
        kl = kd(student(xte), teacher(xte)).item()
    results[method] = accuracy(student)
    print(f"student[{method:7s}] loss {final:.4f} acc {results[method]:.4f} agreement {agree:.4f} "
          f"KL(T=4) {kl:.4f}")

x = torch.randn(2, 3, 4, 4)
print("attention map", at(x).shape, at(x).norm(dim=1))
print("teacher still frozen", all(not p.requires_grad for p in teacher.parameters()),
      "teacher in eval", not teacher.training)
