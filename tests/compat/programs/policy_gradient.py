"""REINFORCE on a toy bandit-like task with torch.distributions: Categorical and Normal policies,
log_prob, entropy, rsample, kl_divergence."""
import torch
import torch.nn as nn
from torch.distributions import Categorical, Normal, kl_divergence

torch.manual_seed(0)
policy = nn.Sequential(nn.Linear(4, 32), nn.Tanh(), nn.Linear(32, 3))
opt = torch.optim.Adam(policy.parameters(), lr=1e-2)
for it in range(30):
    states = torch.randn(16, 4)
    dist = Categorical(logits=policy(states))
    actions = dist.sample()
    rewards = (actions == (states[:, 0] > 0).long()).float() - 0.5
    loss = -(dist.log_prob(actions) * rewards).mean() - 0.01 * dist.entropy().mean()
    opt.zero_grad()
    loss.backward()
    opt.step()
    if it % 10 == 0:
        print(it, round(loss.item(), 5), actions[:8].tolist())

mu = nn.Parameter(torch.zeros(3))
log_std = nn.Parameter(torch.zeros(3))
opt = torch.optim.SGD([mu, log_std], lr=0.05)
target = Normal(torch.tensor([1.0, -2.0, 0.5]), torch.tensor([0.5, 1.0, 2.0]))
for it in range(50):
    q = Normal(mu, log_std.exp())
    z = q.rsample((64,))
    loss = (q.log_prob(z) - target.log_prob(z)).sum(-1).mean()
    opt.zero_grad()
    loss.backward()
    opt.step()
print("mu", [round(v, 4) for v in mu.tolist()])
print("kl", kl_divergence(Normal(mu, log_std.exp()), target).sum().item())
print(Categorical(probs=torch.tensor([0.2, 0.3, 0.5])).entropy())
print(q.batch_shape, q.event_shape, q.mean.shape)
