"""A DQN-style update and assorted utilities: replay of namedtuples, gather/max(1).values,
target-network soft update, clip_grad_value_, AdamW(amsgrad), prune, parametrizations,
utils.checkpoint, torch.compile/jit.script pass-through, random functions' streams."""
import random
from collections import deque, namedtuple

import torch
import torch.nn as nn
import torch.nn.utils.prune as prune
from torch.nn.utils import parametrizations
from torch.utils.checkpoint import checkpoint

Transition = namedtuple("Transition", ("state", "action", "next_state", "reward"))
torch.manual_seed(0)
random.seed(0)
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
policy = nn.Sequential(nn.Linear(4, 32), nn.ReLU(), nn.Linear(32, 2)).to(device)
target = nn.Sequential(nn.Linear(4, 32), nn.ReLU(), nn.Linear(32, 2)).to(device)
target.load_state_dict(policy.state_dict())
opt = torch.optim.AdamW(policy.parameters(), lr=1e-3, amsgrad=True)
memory = deque(maxlen=100)
for i in range(64):
    s = torch.randn(1, 4)
    memory.append(Transition(s, torch.tensor([[i % 2]]), None if i % 7 == 0 else torch.randn(1, 4),
                             torch.tensor([float(i % 3)])))
for it in range(5):
    batch = Transition(*zip(*random.sample(memory, 16)))
    mask = torch.tensor(tuple(s is not None for s in batch.next_state), dtype=torch.bool)
    nxt = torch.cat([s for s in batch.next_state if s is not None])
    state, action, reward = torch.cat(batch.state), torch.cat(batch.action), torch.cat(batch.reward)
    q = policy(state).gather(1, action)
    nv = torch.zeros(16)
    with torch.no_grad():
        nv[mask] = target(nxt).max(1).values
    loss = nn.SmoothL1Loss()(q, (nv * 0.99 + reward).unsqueeze(1))
    opt.zero_grad()
    loss.backward()
    torch.nn.utils.clip_grad_value_(policy.parameters(), 100)
    opt.step()
    tsd, psd = target.state_dict(), policy.state_dict()
    for k in psd:
        tsd[k] = psd[k] * 0.005 + tsd[k] * (1 - 0.005)
    target.load_state_dict(tsd)
    print(it, round(loss.item(), 5))
lin = nn.Linear(6, 3)
prune.l1_unstructured(lin, name="weight", amount=0.5)
print(sorted(n for n, _ in lin.named_buffers()), int((lin.weight == 0).sum()))
prune.remove(lin, "weight")
wn = parametrizations.weight_norm(nn.Linear(3, 2))
print(sorted(n for n, _ in wn.named_parameters()))
sn = parametrizations.spectral_norm(nn.Linear(4, 4))
print(torch.linalg.matrix_norm(sn.weight, ord=2).item() < 1.01)
block = nn.Sequential(nn.Linear(4, 4), nn.Tanh())
x = torch.randn(3, 4, requires_grad=True)
checkpoint(block, x, use_reentrant=False).sum().backward()
print(x.grad.sum())
fast = torch.compile(policy)
print(fast(torch.ones(1, 4)).shape, torch.jit.script(nn.Linear(2, 2))(torch.ones(1, 2)).shape)
g = torch.Generator().manual_seed(7)
print(torch.randperm(8, generator=g), torch.multinomial(torch.tensor([0.1, 0.5, 0.4]), 5, replacement=True))
print(torch.bernoulli(torch.full((6,), 0.5)), torch.normal(0.0, 1.0, size=(3,)), torch.randint(0, 10, (4,)))
print(torch.rand(2, generator=g), torch.empty(3).uniform_(-1, 1), torch.empty(2).normal_(5, 2))
print(torch.distributions.Normal(0, 1).sample((3,)), torch.randn_like(torch.zeros(2)))
