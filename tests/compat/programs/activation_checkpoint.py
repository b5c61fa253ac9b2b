"""Activation checkpointing: torch.utils.checkpoint.checkpoint (use_reentrant=False and True),
checkpoint_sequential, gradients identical to the plain forward, RNG state preserved for dropout."""
import torch
import torch.nn as nn
from torch.utils.checkpoint import checkpoint, checkpoint_sequential

torch.manual_seed(2)


class Block(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.ff = nn.Sequential(nn.LayerNorm(d), nn.Linear(d, 2 * d), nn.GELU(), nn.Dropout(0.2),
                                nn.Linear(2 * d, d))

    def forward(self, x):
        return x + self.ff(x)


class Deep(nn.Module):
    def __init__(self, d=8, n=3, use_ckpt=False, reentrant=False):
        super().__init__()
        self.blocks = nn.ModuleList(Block(d) for _ in range(n))
        self.use_ckpt, self.reentrant = use_ckpt, reentrant

    def forward(self, x):
        for blk in self.blocks:
            if self.use_ckpt and self.training:
                x = checkpoint(blk, x, use_reentrant=self.reentrant)
            else:
                x = blk(x)
        return x.mean()


plain = Deep()
ck = Deep(use_ckpt=True)
ck_re = Deep(use_ckpt=True, reentrant=True)
ck.load_state_dict(plain.state_dict())
ck_re.load_state_dict(plain.state_dict())
x = torch.randn(4, 8, requires_grad=True)
grads = []
for m in (plain, ck, ck_re):
    torch.manual_seed(11)
    out = m(x)
    out.backward()
    grads.append((out.item(), m.blocks[0].ff[1].weight.grad.clone(), x.grad.clone()))
    x.grad = None
print([round(g[0], 6) for g in grads])
print(torch.allclose(grads[0][1], grads[1][1]), torch.allclose(grads[0][1], grads[2][1]))
print(torch.allclose(grads[0][2], grads[1][2]), grads[1][1][0, :4])

seq = nn.Sequential(*[nn.Sequential(nn.Linear(6, 6), nn.Tanh()) for _ in range(4)])
inp = torch.randn(3, 6, requires_grad=True)
out = checkpoint_sequential(seq, 2, inp, use_reentrant=False)
out.sum().backward()
g1 = seq[0][0].weight.grad.clone()
seq.zero_grad()
seq(inp).sum().backward()
print(out.shape, torch.allclose(g1, seq[0][0].weight.grad), out[0])


def fn(a, b, scale=1.0):
    return (a * b).sin() * scale


a = torch.randn(5, requires_grad=True)
b = torch.randn(5, requires_grad=True)
r = checkpoint(fn, a, b, 2.0, use_reentrant=False)
r.sum().backward()
print(r, a.grad, b.grad)
with torch.no_grad():
    print(checkpoint(fn, a, b, use_reentrant=False).requires_grad)
