"""Activation checkpointing as transformer training code uses it: torch.utils.checkpoint.checkpoint
on each block with use_reentrant=False (and True with inputs that require grad), keyword args
passed through, dropout replayed identically thanks to preserve_rng_state, gradients equal to the
plain run, and checkpoint_sequential over an nn.Sequential of blocks."""
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.checkpoint import checkpoint, checkpoint_sequential

torch.manual_seed(11)


class Block(nn.Module):
    def __init__(self, d=16, p=0.2):
        super().__init__()
        self.ln = nn.LayerNorm(d)
        self.fc1 = nn.Linear(d, 4 * d)
        self.fc2 = nn.Linear(4 * d, d)
        self.drop = nn.Dropout(p)

    def forward(self, x, scale=1.0):
        return x + scale * self.drop(self.fc2(F.gelu(self.fc1(self.ln(x)))))


class Model(nn.Module):
    def __init__(self, n=3, gradient_checkpointing=False, reentrant=False):
        super().__init__()
        self.blocks = nn.ModuleList(Block() for _ in range(n))
        self.head = nn.Linear(16, 4)
        self.gradient_checkpointing = gradient_checkpointing
        self.reentrant = reentrant

    def forward(self, x):
        for block in self.blocks:
            if self.gradient_checkpointing and self.training:
                x = checkpoint(block, x, use_reentrant=self.reentrant, scale=0.5) \
                    if not self.reentrant else checkpoint(block, x, 0.5, use_reentrant=True)
            else:
                x = block(x, scale=0.5)
        return self.head(x.mean(1))


x = torch.randn(6, 5, 16)
y = torch.randint(0, 4, (6,))
grads = {}
for name, kw in [("plain", {}), ("non-reentrant", dict(gradient_checkpointing=True)),
                 ("reentrant", dict(gradient_checkpointing=True, reentrant=True))]:
    torch.manual_seed(0)
    model = Model(**kw)
    torch.manual_seed(1)
    inp = x.clone().requires_grad_(name == "reentrant")
    loss = F.cross_entropy(model(inp), y)
    loss.backward()
    grads[name] = [p.grad.clone() for p in model.parameters()]
    print(f"{name:14s} loss {loss.item():.6f} fc1 grad {model.blocks[0].fc1.weight.grad.norm():.6f}")
for name in ("non-reentrant", "reentrant"):
    print(name, "grads equal", all(torch.allclose(a, b, atol=1e-6)
                                   for a, b in zip(grads["plain"], grads[name])))

torch.manual_seed(0)
seq = nn.Sequential(*[Block(p=0.0) for _ in range(4)], nn.Flatten(), nn.Linear(80, 4))
inp = x.clone().requires_grad_()
out = checkpoint_sequential(seq, 2, inp, use_reentrant=False)
plain = seq(inp)
print("checkpoint_sequential equal", torch.allclose(out, plain), out.grad_fn is not None)
F.cross_entropy(out, y).backward()
g1 = inp.grad.clone()
inp.grad = None
F.cross_entropy(plain, y).backward()
print("input grads equal", torch.allclose(g1, inp.grad, atol=1e-6), round(g1.norm().item(), 5))

torch.manual_seed(0)
model = Model(gradient_checkpointing=True)
opt = torch.optim.AdamW(model.parameters(), lr=1e-2)
for step in range(4):
    loss = F.cross_entropy(model(x), y)
    opt.zero_grad()
    loss.backward()
    opt.step()
    print(f"train step {step} {loss.item():.5f}")
