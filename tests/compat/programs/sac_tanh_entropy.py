"""Soft actor-critic as SAC reference code writes it: a squashed Gaussian policy built as
TransformedDistribution(Normal, TanhTransform(cache_size=1)) with rsample/log_prob, twin Q
networks with target copies updated by Polyak averaging under torch.no_grad (mul_/add_ on .data),
automatic entropy tuning of log_alpha against a target entropy of -action_dim, a tensor replay
buffer sampled with torch.randint, and a hand-written 1-D point environment."""
import copy

import torch
import torch.nn as nn
from torch.distributions import Normal, TransformedDistribution
from torch.distributions.transforms import AffineTransform, TanhTransform

torch.manual_seed(42)

obs_dim, act_dim = 3, 1


def mlp(i, o, h=32):
    return nn.Sequential(nn.Linear(i, h), nn.ReLU(), nn.Linear(h, h), nn.ReLU(), nn.Linear(h, o))


class Actor(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = mlp(obs_dim, 2 * act_dim)

    def forward(self, obs, deterministic=False):
        mu, log_std = self.net(obs).chunk(2, dim=-1)
        log_std = torch.clamp(log_std, -20, 2)
        base = Normal(mu, log_std.exp())
        dist = TransformedDistribution(base, [TanhTransform(cache_size=1),
                                              AffineTransform(0.0, 2.0)])
        if deterministic:
            return torch.tanh(mu) * 2.0, None
        a = dist.rsample()
        logp = dist.log_prob(a).sum(-1)
        return a, logp


class Critic(nn.Module):
    def __init__(self):
        super().__init__()
        self.q1 = mlp(obs_dim + act_dim, 1)
        self.q2 = mlp(obs_dim + act_dim, 1)

    def forward(self, o, a):
        x = torch.cat([o, a], dim=-1)
        return self.q1(x).squeeze(-1), self.q2(x).squeeze(-1)


def env_step(state, action):
    # state = (pos, vel, time); reward: stay close to 1.0
    pos, vel, t = state.unbind(-1)
    vel = 0.9 * vel + 0.1 * action.squeeze(-1)
    pos = pos + vel
    r = -(pos - 1.0).pow(2) - 0.01 * action.squeeze(-1).pow(2)
    return torch.stack([pos, vel, t + 0.05], -1), r


actor, critic = Actor(), Critic()
critic_targ = copy.deepcopy(critic)
for p in critic_targ.parameters():
    p.requires_grad = False
log_alpha = torch.zeros(1, requires_grad=True)
target_entropy = -float(act_dim)
pi_opt = torch.optim.Adam(actor.parameters(), lr=1e-3)
q_opt = torch.optim.Adam(critic.parameters(), lr=1e-3)
a_opt = torch.optim.Adam([log_alpha], lr=3e-3)
gamma, polyak = 0.99, 0.995

size = 400
buf_o = torch.zeros(size, obs_dim)
buf_a = torch.zeros(size, act_dim)
buf_r = torch.zeros(size)
buf_o2 = torch.zeros(size, obs_dim)
ptr = 0

state = torch.zeros(4, obs_dim)
for step in range(100):
    with torch.no_grad():
        if step < 20:
            action = torch.rand(4, act_dim) * 4 - 2
        else:
            action, _ = actor(state)
    nxt, r = env_step(state, action)
    for i in range(4):
        buf_o[ptr], buf_a[ptr], buf_r[ptr], buf_o2[ptr] = state[i], action[i], r[i], nxt[i]
        ptr = (ptr + 1) % size
    state = nxt if step % 25 != 24 else torch.zeros(4, obs_dim)
    if step < 20:
        continue
    idx = torch.randint(0, min(ptr, size) if ptr else size, (32,))
    o, a, rew, o2 = buf_o[idx], buf_a[idx], buf_r[idx], buf_o2[idx]
    alpha = log_alpha.exp().item()

    q1, q2 = critic(o, a)
    with torch.no_grad():
        a2, logp2 = actor(o2)
        tq1, tq2 = critic_targ(o2, a2)
        backup = rew + gamma * (torch.min(tq1, tq2) - alpha * logp2)
    loss_q = ((q1 - backup) ** 2).mean() + ((q2 - backup) ** 2).mean()
    q_opt.zero_grad()
    loss_q.backward()
    q_opt.step()

    for p in critic.parameters():
        p.requires_grad = False
    pi, logp = actor(o)
    q1_pi, q2_pi = critic(o, pi)
    loss_pi = (alpha * logp - torch.min(q1_pi, q2_pi)).mean()
    pi_opt.zero_grad()
    loss_pi.backward()
    pi_opt.step()
    for p in critic.parameters():
        p.requires_grad = True

    alpha_loss = -(log_alpha * (logp.detach() + target_entropy)).mean()
    a_opt.zero_grad()
    alpha_loss.backward()
    a_opt.step()

    with torch.no_grad():
        for p, p_targ in zip(critic.parameters(), critic_targ.parameters()):
            p_targ.data.mul_(polyak)
            p_targ.data.add_((1 - polyak) * p.data)
    if step % 20 == 0:
        print(f"step {step:3d} loss_q {loss_q.item():.4f} loss_pi {loss_pi.item():.4f} "
              f"alpha {log_alpha.exp().item():.4f} entropy {-logp.mean().item():.4f}")

with torch.no_grad():
    test_obs = torch.tensor([[0.0, 0.0, 0.0], [1.0, 0.0, 0.5], [2.0, -0.1, 1.0]])
    det, _ = actor(test_obs, deterministic=True)
    print("deterministic actions", det.squeeze(-1))
    dist_check = TransformedDistribution(Normal(torch.zeros(3), torch.ones(3)), [TanhTransform()])
    x = torch.tensor([-0.9, 0.0, 0.5])
    print("tanh-normal log_prob", dist_check.log_prob(x))
    print("support", dist_check.support)
    print("target q mean", critic_targ(test_obs, det)[0].mean().item())
