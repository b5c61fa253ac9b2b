"""HyperNetworks as the papers' small-scale code writes them: a hypernetwork mapping a task
embedding (nn.Embedding) to the flattened weights of a target MLP, unflattened with split/view
and applied through F.linear; the target run functionally via torch.func.functional_call with a
dict of generated parameters; a chunked hypernetwork (one generator shared over weight chunks with
learned chunk embeddings); sine-wave regression tasks with per-task amplitude and phase, and a new
task solved by fitting only its embedding."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.func import functional_call

torch.manual_seed(0)

n_tasks = 6
amps = torch.linspace(0.5, 2.0, n_tasks)
phases = torch.linspace(0, math.pi, n_tasks)


def task_batch(t, n=32):
    x = torch.rand(n, 1) * 10 - 5
    return x, amps[t] * torch.sin(x + phases[t])


target = nn.Sequential(nn.Linear(1, 24), nn.Tanh(), nn.Linear(24, 24), nn.Tanh(), nn.Linear(24, 1))
shapes = {name: p.shape for name, p in target.named_parameters()}
n_params = sum(p.numel() for p in target.parameters())
print("target parameters", n_params, list(shapes))


class HyperNet(nn.Module):
    def __init__(self, z_dim=4):
        super().__init__()
        self.task_emb = nn.Embedding(n_tasks, z_dim)
        self.net = nn.Sequential(nn.Linear(z_dim, 64), nn.ReLU(), nn.Linear(64, n_params))
        with torch.no_grad():
            self.net[-1].weight.mul_(0.1)

    def forward(self, z):
        flat = self.net(z)
        params, i = {}, 0
        for name, shape in shapes.items():
            n = math.prod(shape)
            params[name] = flat[i:i + n].view(shape)
            i += n
        return params


def run_target(params, x):
    h = torch.tanh(F.linear(x, params["0.weight"], params["0.bias"]))
    h = torch.tanh(F.linear(h, params["2.weight"], params["2.bias"]))
    return F.linear(h, params["4.weight"], params["4.bias"])


hyper = HyperNet()
opt = torch.optim.Adam(hyper.parameters(), lr=2e-3)
for step in range(150):
    loss = 0
    for t in range(n_tasks):
        x, y = task_batch(t)
        params = hyper(hyper.task_emb.weight[t])
        loss = loss + F.mse_loss(run_target(params, x), y)
    loss = loss / n_tasks
    opt.zero_grad()
    loss.backward()
    opt.step()
    if step % 50 == 0:
        print(f"step {step} mean task mse {loss.item():.4f}")

with torch.no_grad():
    x = torch.linspace(-5, 5, 7).unsqueeze(1)
    params = hyper(hyper.task_emb.weight[2])
    by_hand = run_target(params, x)
    by_func = functional_call(target, params, (x,))
    print("functional_call agrees", torch.allclose(by_hand, by_func, atol=1e-6))
    print("task 2 prediction", by_func.squeeze(1))
    print("task 2 truth     ", (amps[2] * torch.sin(x + phases[2])).squeeze(1))

# a new task: freeze the hypernetwork, learn only a fresh embedding
for p in hyper.parameters():
    p.requires_grad_(False)
z_new = torch.zeros(4, requires_grad=True)
opt_z = torch.optim.Adam([z_new], lr=0.05)
new_amp, new_phase = 1.3, 0.8
for step in range(60):
    x = torch.rand(32, 1) * 10 - 5
    loss = F.mse_loss(functional_call(target, hyper(z_new), (x,)), new_amp * torch.sin(x + new_phase))
    opt_z.zero_grad()
    loss.backward()
    opt_z.step()
print(f"new task mse {loss.item():.4f} embedding {z_new.detach()}")
print("hypernet grads frozen", all(p.grad is None or p.grad.abs().sum() == 0 for p in hyper.parameters()))


class ChunkedHyperNet(nn.Module):
    """One generator emits chunks of size c; each chunk has a learned embedding."""

    def __init__(self, chunk=64, z_dim=4, c_dim=4):
        super().__init__()
        self.n_chunks = math.ceil(n_params / chunk)
        self.chunk_emb = nn.Parameter(torch.randn(self.n_chunks, c_dim) * 0.1)
        self.task_emb = nn.Embedding(n_tasks, z_dim)
        self.gen = nn.Sequential(nn.Linear(z_dim + c_dim, 32), nn.ReLU(), nn.Linear(32, chunk))

    def forward(self, t):
        z = self.task_emb(t).expand(self.n_chunks, -1)
        flat = self.gen(torch.cat([z, self.chunk_emb], 1)).flatten()[:n_params]
        return dict(zip(shapes, (c.view(s) for c, s in
                                 zip(flat.split([math.prod(s) for s in shapes.values()]),
                                     shapes.values()))))


torch.manual_seed(2)
chunked = ChunkedHyperNet()
print("chunks", chunked.n_chunks, "generator parameters",
      sum(p.numel() for p in chunked.parameters()))
opt = torch.optim.Adam(chunked.parameters(), lr=3e-3)
for step in range(80):
    t = step % n_tasks
    x, y = task_batch(t)
    loss = F.mse_loss(functional_call(target, chunked(torch.tensor(t)), (x,)), y)
    opt.zero_grad()
    loss.backward()
    opt.step()
print(f"chunked last loss {loss.item():.4f}")
