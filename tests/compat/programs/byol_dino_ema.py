# compat: rtol=5e-3 (BYOL amplifies float32 rounding: torch alone moves 0.3% with 1 vs 2 threads)
"""EMA-teacher self-distillation as BYOL and DINO reference code write it: an online network
with a predictor and a target network made by copy.deepcopy with requires_grad=False, momentum
updates with torch.no_grad over zip(parameters) (param_k.data.mul_(m).add_((1 - m) * param_q.data))
and a cosine momentum schedule; BYOL's normalised MSE 2 - 2 cos; DINO's teacher centering
(a center buffer updated by EMA of the batch mean), sharpening with a low teacher temperature,
cross-entropy between softmax(teacher) and log_softmax(student) over multi-crop pairs skipping
identical views; collapse monitored by the entropy of the teacher's mean output."""
import copy
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)

protos = torch.randn(5, 10) * 1.5


def crops(batch=32, n_local=2):
    y = torch.randint(0, 5, (batch,))
    x = protos[y]
    global_views = [x + 0.3 * torch.randn_like(x) for _ in range(2)]
    local_views = [x * (torch.rand(batch, 10) > 0.4).float() + 0.5 * torch.randn_like(x)
                   for _ in range(n_local)]
    return global_views, local_views, y


def mlp(i, h, o, bn=True):
    layers = [nn.Linear(i, h)]
    if bn:
        layers.append(nn.BatchNorm1d(h))
    return nn.Sequential(*layers, nn.ReLU(inplace=True), nn.Linear(h, o))


# ---------------- BYOL ----------------
online = nn.Sequential(mlp(10, 32, 16), mlp(16, 32, 8))   # encoder + projector
predictor = mlp(8, 32, 8)
target = copy.deepcopy(online)
for p in target.parameters():
    p.requires_grad = False
opt = torch.optim.Adam(list(online.parameters()) + list(predictor.parameters()), lr=3e-3)


def byol_loss(p, z):
    p = F.normalize(p, dim=-1, p=2)
    z = F.normalize(z, dim=-1, p=2)
    return 2 - 2 * (p * z).sum(dim=-1)


total_steps, base_m = 40, 0.99
for step in range(total_steps):
    (v1, v2), _, _ = crops()
    with torch.no_grad():
        t1, t2 = target(v1), target(v2)
    loss = (byol_loss(predictor(online(v1)), t2) + byol_loss(predictor(online(v2)), t1)).mean()
    opt.zero_grad()
    loss.backward()
    opt.step()
    m = 1 - (1 - base_m) * (math.cos(math.pi * step / total_steps) + 1) / 2
    with torch.no_grad():
        for param_q, param_k in zip(online.parameters(), target.parameters()):
            param_k.data.mul_(m).add_((1 - m) * param_q.detach().data)
    if step % 10 == 0:
        print(f"byol step {step} loss {loss.item():.4f} momentum {m:.5f}")
diff = sum((a - b).pow(2).sum() for a, b in zip(online.parameters(), target.parameters()))
print("online-target distance", diff.item())
print("target buffers are copies", target[0][1].running_mean.data_ptr() != online[0][1].running_mean.data_ptr())


# ---------------- DINO ----------------
class DINOLoss(nn.Module):
    def __init__(self, out_dim, ncrops, warmup_teacher_temp=0.04, teacher_temp=0.07,
                 warmup_epochs=2, nepochs=4, student_temp=0.1, center_momentum=0.9):
        super().__init__()
        self.student_temp = student_temp
        self.center_momentum = center_momentum
        self.ncrops = ncrops
        self.register_buffer("center", torch.zeros(1, out_dim))
        import numpy as np
        self.teacher_temp_schedule = np.concatenate((
            np.linspace(warmup_teacher_temp, teacher_temp, warmup_epochs),
            np.ones(nepochs - warmup_epochs) * teacher_temp))

    def forward(self, student_output, teacher_output, epoch):
        student_out = student_output / self.student_temp
        student_out = student_out.chunk(self.ncrops)
        temp = self.teacher_temp_schedule[epoch]
        teacher_out = F.softmax((teacher_output - self.center) / temp, dim=-1)
        teacher_out = teacher_out.detach().chunk(2)
        total_loss, n_loss_terms = 0, 0
        for iq, q in enumerate(teacher_out):
            for v in range(len(student_out)):
                if v == iq:
                    continue
                loss = torch.sum(-q * F.log_softmax(student_out[v], dim=-1), dim=-1)
                total_loss += loss.mean()
                n_loss_terms += 1
        total_loss /= n_loss_terms
        self.update_center(teacher_output)
        return total_loss

    @torch.no_grad()
    def update_center(self, teacher_output):
        batch_center = torch.sum(teacher_output, dim=0, keepdim=True)
        batch_center = batch_center / len(teacher_output)
        self.center = self.center * self.center_momentum + batch_center * (1 - self.center_momentum)


torch.manual_seed(1)
student = nn.Sequential(mlp(10, 32, 16, bn=False), nn.GELU(), nn.Linear(16, 32))
teacher = copy.deepcopy(student)
for p in teacher.parameters():
    p.requires_grad = False
dino_loss = DINOLoss(32, ncrops=4)
opt = torch.optim.AdamW(student.parameters(), lr=2e-3, weight_decay=0.04)
for epoch in range(4):
    for it in range(8):
        global_views, local_views, _ = crops()
        teacher_output = teacher(torch.cat(global_views))
        student_output = student(torch.cat(global_views + local_views))
        loss = dino_loss(student_output, teacher_output, epoch)
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(student.parameters(), 3.0)
        opt.step()
        with torch.no_grad():
            m = 0.996
            for param_q, param_k in zip(student.parameters(), teacher.parameters()):
                param_k.data.mul_(m).add_((1 - m) * param_q.detach().data)
    with torch.no_grad():
        probs = F.softmax((teacher_output - dino_loss.center) / dino_loss.teacher_temp_schedule[epoch], -1)
        mean_p = probs.mean(0)
        ent = -(mean_p * mean_p.clamp_min(1e-12).log()).sum()
    print(f"dino epoch {epoch} loss {loss.item():.4f} teacher temp {dino_loss.teacher_temp_schedule[epoch]:.3f} "
          f"center norm {dino_loss.center.norm().item():.4f} mean-output entropy {ent.item():.4f}")
with torch.no_grad():
    (g1, _), _, y = crops(64)
    cls = teacher(g1).argmax(1)
print("teacher cluster ids used", torch.unique(cls).numel(), "of", 32)
