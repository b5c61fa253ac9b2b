"""A Kaggle-style training loop on CPU: torch.autocast("cpu", dtype=torch.bfloat16) around the
forward pass, torch.amp.GradScaler (disabled on CPU, as notebooks leave it via enabled=...),
gradient accumulation over micro-batches with unscale_ before clipping, an EMA of the weights
updated with copy_/lerp_ under torch.no_grad, and best-checkpoint saving by validation metric
into an in-memory buffer, reloaded at the end."""
import copy
import io

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)
X = torch.randn(256, 10)
y = ((X[:, :3].sum(1) + 0.3 * torch.randn(256)) > 0).long()
Xtr, ytr, Xva, yva = X[:192], y[:192], X[192:], y[192:]

model = nn.Sequential(nn.Linear(10, 32), nn.GELU(), nn.Dropout(0.1), nn.Linear(32, 2))
ema = copy.deepcopy(model).eval()
for p in ema.parameters():
    p.requires_grad_(False)
opt = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=0.01)
use_amp = torch.cuda.is_available()
scaler = torch.amp.GradScaler("cuda", enabled=use_amp)
accum, micro = 4, 8


@torch.no_grad()
def update_ema(decay):
    msd, esd = model.state_dict(), ema.state_dict()
    for k, v in esd.items():
        if v.dtype.is_floating_point:
            v.mul_(decay).add_(msd[k].detach(), alpha=1 - decay)
        else:
            v.copy_(msd[k])


@torch.no_grad()
def evaluate(net):
    net.eval()
    with torch.autocast("cpu", dtype=torch.bfloat16):
        logits = net(Xva)
    print_dtype = logits.dtype
    loss = F.cross_entropy(logits.float(), yva).item()
    acc = (logits.argmax(1) == yva).float().mean().item()
    return loss, acc, print_dtype


best, best_state = -1.0, None
step = 0
for epoch in range(4):
    model.train()
    perm = torch.randperm(len(Xtr))
    for i in range(0, len(Xtr), micro):
        idx = perm[i:i + micro]
        with torch.autocast(device_type="cpu", dtype=torch.bfloat16):
            logits = model(Xtr[idx])
            loss = F.cross_entropy(logits, ytr[idx]) / accum
        scaler.scale(loss).backward()
        if (i // micro + 1) % accum == 0:
            scaler.unscale_(opt)
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            scaler.step(opt)
            scaler.update()
            opt.zero_grad(set_to_none=True)
            step += 1
            update_ema(min(0.99, (1 + step) / (10 + step)))
    vl, va, dt = evaluate(model)
    el, ea, _ = evaluate(ema)
    print(f"epoch {epoch} logits {dt} val loss {vl:.3f} acc {va:.4f} | ema loss {el:.3f} acc {ea:.4f}")
    if ea > best:
        best = ea
        buf = io.BytesIO()
        torch.save({"model": ema.state_dict(), "epoch": epoch, "metric": ea}, buf)
        best_state = buf.getvalue()
        print(f"  saved best checkpoint (acc {ea:.4f})")

ckpt = torch.load(io.BytesIO(best_state), weights_only=True)
fresh = nn.Sequential(nn.Linear(10, 32), nn.GELU(), nn.Dropout(0.1), nn.Linear(32, 2))
fresh.load_state_dict(ckpt["model"])
print("best epoch", ckpt["epoch"], "metric %.4f" % ckpt["metric"],
      "reloaded acc %.4f" % evaluate(fresh)[1])
print("scaler enabled", scaler.is_enabled(), "scale", scaler.get_scale())
