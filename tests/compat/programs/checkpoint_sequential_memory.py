"""Trading compute for memory on a deep MLP: torch.utils.checkpoint.checkpoint_sequential with
several segment counts (use_reentrant=False and True), checkpoint() around a custom block with
keyword arguments and dropout (preserve_rng_state), gradients equal to the plain forward, a
training loop with checkpointing switched by a flag, and no_grad evaluation through it."""
import torch
import torch.nn as nn
from torch.utils.checkpoint import checkpoint, checkpoint_sequential


def make(depth=8, width=32, seed=0):
    torch.manual_seed(seed)
    layers = [nn.Linear(10, width), nn.GELU()]
    for _ in range(depth):
        layers += [nn.Linear(width, width), nn.LayerNorm(width), nn.GELU()]
    layers += [nn.Linear(width, 1)]
    return nn.Sequential(*layers)


torch.manual_seed(42)
x = torch.randn(16, 10)
y = torch.randn(16, 1)
ref = make()
nn.functional.mse_loss(ref(x), y).backward()
ref_grads = [p.grad.clone() for p in ref.parameters()]
print("layers:", len(ref))
for segments in (1, 2, 4, 27):
    for reentrant in (False, True):
        m = make()
        inp = x.clone().requires_grad_(reentrant)
        out = checkpoint_sequential(m, segments, inp, use_reentrant=reentrant)
        loss = nn.functional.mse_loss(out, y)
        loss.backward()
        same = all(torch.allclose(p.grad, g, atol=1e-6) for p, g in zip(m.parameters(), ref_grads))
        print(f"segments {segments:2d} reentrant {reentrant!s:5s} loss {loss.item():.6f} "
              f"grads equal {same}")


class Block(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.fc1 = nn.Linear(dim, 4 * dim)
        self.fc2 = nn.Linear(4 * dim, dim)
        self.drop = nn.Dropout(0.3)

    def forward(self, h, scale=1.0):
        return h + scale * self.fc2(self.drop(torch.relu(self.fc1(h))))


class Net(nn.Module):
    def __init__(self, use_checkpoint):
        super().__init__()
        torch.manual_seed(1)
        self.blocks = nn.ModuleList([Block(8) for _ in range(3)])
        self.head = nn.Linear(8, 1)
        self.use_checkpoint = use_checkpoint

    def forward(self, h):
        for blk in self.blocks:
            if self.use_checkpoint and self.training:
                h = checkpoint(blk, h, scale=0.5, use_reentrant=False)
            else:
                h = blk(h, scale=0.5)
        return self.head(h)


h0 = torch.randn(6, 8)
target = torch.randn(6, 1)
results = {}
for flag in (False, True):
    net = Net(flag)
    opt = torch.optim.SGD(net.parameters(), lr=0.05)
    torch.manual_seed(123)
    losses = []
    for _ in range(4):
        opt.zero_grad()
        loss = nn.functional.mse_loss(net(h0), target)
        loss.backward()
        opt.step()
        losses.append(round(loss.item(), 6))
    net.eval()
    with torch.no_grad():
        results[flag] = net(h0)
    print("checkpoint" if flag else "plain     ", losses)
print("same eval outputs:", torch.allclose(results[False], results[True], atol=1e-6))
