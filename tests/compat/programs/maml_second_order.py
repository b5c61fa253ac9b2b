"""MAML on sine-wave regression as in the paper's reference code and the learn2learn-free
tutorials: manual fast weights with torch.autograd.grad(create_graph=True) for a second-order
meta-gradient, the same inner loop with torch.func.functional_call over a params dict, first-order
MAML (detached inner grads) for comparison, and meta-testing on a new task."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.func import functional_call

torch.manual_seed(0)


class SineNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.l1 = nn.Linear(1, 32)
        self.l2 = nn.Linear(32, 32)
        self.l3 = nn.Linear(32, 1)

    def forward(self, x):
        return self.l3(torch.relu(self.l2(torch.relu(self.l1(x)))))


def manual_forward(x, w):
    x = F.linear(x, w[0], w[1]).relu()
    x = F.linear(x, w[2], w[3]).relu()
    return F.linear(x, w[4], w[5])


def sample_task(n):
    amp = torch.rand(()) * 4.9 + 0.1
    phase = torch.rand(()) * math.pi
    xs = torch.rand(n, 1) * 10 - 5
    xq = torch.rand(n, 1) * 10 - 5
    return xs, amp * torch.sin(xs + phase), xq, amp * torch.sin(xq + phase)


net = SineNet()
meta_opt = torch.optim.Adam(net.parameters(), lr=1e-3)
inner_lr = 0.01
for step in range(30):
    meta_opt.zero_grad()
    meta_loss = 0.0
    for _ in range(4):
        xs, ys, xq, yq = sample_task(10)
        fast = list(net.parameters())
        for _ in range(2):
            loss = F.mse_loss(manual_forward(xs, fast), ys)
            grads = torch.autograd.grad(loss, fast, create_graph=True)
            fast = [w - inner_lr * g for w, g in zip(fast, grads)]
        meta_loss = meta_loss + F.mse_loss(manual_forward(xq, fast), yq)
    meta_loss = meta_loss / 4
    meta_loss.backward()
    if step % 10 == 0:
        gn = torch.sqrt(sum((p.grad ** 2).sum() for p in net.parameters()))
        print(f"step {step} meta-loss {meta_loss.item():.5f} grad-norm {gn.item():.5f}")
    meta_opt.step()

# the same meta-gradient through functional_call, second and first order
xs, ys, xq, yq = sample_task(10)
params = dict(net.named_parameters())


def adapt(params, first_order):
    loss = F.mse_loss(functional_call(net, params, (xs,)), ys)
    grads = torch.autograd.grad(loss, list(params.values()), create_graph=not first_order)
    if first_order:
        grads = [g.detach() for g in grads]
    return {k: v - inner_lr * g for (k, v), g in zip(params.items(), grads)}


for first_order in (False, True):
    fast = adapt(params, first_order)
    q = F.mse_loss(functional_call(net, fast, (xq,)), yq)
    g = torch.autograd.grad(q, list(params.values()))
    print("first_order" if first_order else "second_order", f"{q.item():.5f}",
          [f"{t.norm().item():.5f}" for t in g[:2]])

# manual and functional_call agree
fast_m = list(net.parameters())
loss = F.mse_loss(manual_forward(xs, fast_m), ys)
gm = torch.autograd.grad(loss, fast_m, create_graph=True)
fast_m = [w - inner_lr * g for w, g in zip(fast_m, gm)]
qm = F.mse_loss(manual_forward(xq, fast_m), yq)
print("agree", torch.allclose(qm, F.mse_loss(functional_call(net, adapt(params, False), (xq,)), yq)))

# meta-test: adapt 5 steps on a fresh task
xs, ys, xq, yq = sample_task(10)
fast = {k: v.detach().clone().requires_grad_() for k, v in net.named_parameters()}
for k in range(5):
    loss = F.mse_loss(functional_call(net, fast, (xs,)), ys)
    grads = torch.autograd.grad(loss, list(fast.values()))
    with torch.no_grad():
        for (name, p), g in zip(fast.items(), grads):
            p -= inner_lr * g
    print("adapt", k, f"{loss.item():.5f}")
with torch.no_grad():
    print("query", f"{F.mse_loss(functional_call(net, fast, (xq,)), yq).item():.5f}")
