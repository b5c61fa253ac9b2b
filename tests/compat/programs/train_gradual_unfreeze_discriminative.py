"""ULMFiT-style fine-tuning: a pretrained-like backbone of three blocks plus a new head, the
backbone frozen with requires_grad_(False), gradual unfreezing one block per epoch from the top
with optimizer.add_param_group for the newly unfrozen block, discriminative learning rates
(lr / 2.6**depth), slanted triangular learning rates through LambdaLR applied to every group,
clip_grad_value_ on trainable parameters, and checks that frozen parameters keep grad None,
stay unchanged, and get no optimizer state."""
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(12)
backbone = nn.Sequential(*[nn.Sequential(nn.Linear(8, 8), nn.LayerNorm(8), nn.GELU()) for _ in range(3)])
head = nn.Linear(8, 3)
model = nn.Sequential(backbone, head)
for p in backbone.parameters():
    p.requires_grad_(False)
snapshot = {k: v.clone() for k, v in backbone.state_dict().items()}
base_lr = 1e-2
opt = torch.optim.Adam(head.parameters(), lr=base_lr)


def stlr(step, total=40, cut_frac=0.2, ratio=32):
    cut = int(total * cut_frac)
    p = step / cut if step < cut else 1 - (step - cut) / (cut * (1 / cut_frac - 1))
    return (1 + p * (ratio - 1)) / ratio


X = torch.randn(48, 8)
Y = (X[:, :3].sum(1) > 0).long() + (X[:, 3] > 1).long()
step = 0
for epoch in range(4):
    if 1 <= epoch <= 3:
        depth = epoch - 1
        block = backbone[2 - depth]
        block.requires_grad_(True)
        opt.add_param_group({"params": block.parameters(), "lr": base_lr / 2.6 ** (depth + 1)})
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s, start=step: stlr(start + s))
    for i in range(0, 48, 12):
        loss = F.cross_entropy(model(X[i:i + 12]), Y[i:i + 12])
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_value_([p for p in model.parameters() if p.requires_grad], 0.05)
        opt.step()
        sched.step()
    step += 4
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    frozen_none = all(p.grad is None for p in model.parameters() if not p.requires_grad)
    print(f"epoch {epoch} loss {loss.item():.5f} trainable {trainable} groups {len(opt.param_groups)} "
          f"lrs {[round(g['lr'], 6) for g in opt.param_groups]} frozen-grads-None {frozen_none}")
    print("  unchanged blocks", [all(torch.equal(backbone.state_dict()[k], snapshot[k])
                                     for k in snapshot if k.startswith(f"{b}."))
                                 for b in range(3)], "state entries", len(opt.state))
print("max |grad| after clip", max(p.grad.abs().max().item() for p in model.parameters() if p.grad is not None))
print("initial_lr per group", [round(g["initial_lr"], 6) for g in opt.param_groups])
