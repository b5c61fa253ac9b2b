"""An actor-critic / PPO loop written the way RL reference code writes it: a tiny hand-written
environment, a shared-trunk network with Categorical and Normal heads, rollouts under
torch.no_grad, generalised advantage estimation by a reversed loop, normalised advantages,
clipped surrogate ratio with torch.clamp, value loss, entropy bonus, minibatches from
torch.randperm, clip_grad_norm_, and distributions' log_prob/entropy/sample."""
import torch
import torch.nn as nn
from torch.distributions import Categorical, Independent, Normal

torch.manual_seed(0)


class Env:
    """Move a point on a line toward 0 (discrete action) while a continuous knob tracks 0.5."""

    def reset(self):
        self.x = torch.rand(()) * 4 - 2
        self.t = 0
        return self.obs()

    def obs(self):
        return torch.stack([self.x, torch.tensor(self.t / 10.0)])

    def step(self, a, u):
        self.x = self.x + (a - 1) * 0.5
        self.t += 1
        r = -self.x.abs() - (u - 0.5).pow(2).sum()
        return self.obs(), r, self.t >= 10


class ActorCritic(nn.Module):
    def __init__(self):
        super().__init__()
        self.trunk = nn.Sequential(nn.Linear(2, 32), nn.Tanh())
        self.pi = nn.Linear(32, 3)
        self.mu = nn.Linear(32, 1)
        self.log_std = nn.Parameter(torch.full((1,), -0.5))
        self.v = nn.Linear(32, 1)

    def forward(self, s):
        h = self.trunk(s)
        return (Categorical(logits=self.pi(h)),
                Independent(Normal(self.mu(h), self.log_std.exp().expand_as(self.mu(h))), 1),
                self.v(h).squeeze(-1))


env, net = Env(), ActorCritic()
opt = torch.optim.Adam(net.parameters(), lr=3e-3, eps=1e-5)
gamma, lam, clip = 0.99, 0.95, 0.2
for update in range(6):
    S, A, U, LP, R, V, D = [], [], [], [], [], [], []
    s = env.reset()
    with torch.no_grad():
        for t in range(40):
            dc, dn, v = net(s)
            a, u = dc.sample(), dn.sample()
            s2, r, done = env.step(a, u)
            S.append(s), A.append(a), U.append(u), R.append(r), V.append(v), D.append(done)
            LP.append(dc.log_prob(a) + dn.log_prob(u))
            s = env.reset() if done else s2
        last_v = net(s)[2]
    S, A, U = torch.stack(S), torch.stack(A), torch.stack(U)
    LP, R, V = torch.stack(LP), torch.stack(R), torch.stack(V)
    D = torch.tensor(D, dtype=torch.float32)
    adv, gae = torch.zeros_like(R), 0.0
    for t in reversed(range(len(R))):
        nv = last_v if t == len(R) - 1 else V[t + 1]
        delta = R[t] + gamma * nv * (1 - D[t]) - V[t]
        gae = delta + gamma * lam * (1 - D[t]) * gae
        adv[t] = gae
    ret = adv + V
    adv = (adv - adv.mean()) / (adv.std() + 1e-8)
    for epoch in range(3):
        perm = torch.randperm(len(R))
        for mb in perm.split(10):
            dc, dn, v = net(S[mb])
            new_lp = dc.log_prob(A[mb]) + dn.log_prob(U[mb])
            ratio = (new_lp - LP[mb]).exp()
            s1 = ratio * adv[mb]
            s2 = torch.clamp(ratio, 1 - clip, 1 + clip) * adv[mb]
            pl = -torch.min(s1, s2).mean()
            vl = 0.5 * (ret[mb] - v).pow(2).mean()
            ent = (dc.entropy() + dn.entropy()).mean()
            loss = pl + 0.5 * vl - 0.01 * ent
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(net.parameters(), 0.5)
            opt.step()
    clipfrac = ((ratio - 1).abs() > clip).float().mean()
    print(update, f"R={R.sum().item():.4f} pl={pl.item():.5f} vl={vl.item():.5f} "
          f"ent={ent.item():.5f} clipfrac={clipfrac.item():.3f}")

dc, dn, v = net(torch.tensor([[1.5, 0.0], [-1.5, 0.3]]))
print(dc.probs, dc.logits, dn.mean, dn.stddev, v)
print(dc.log_prob(torch.tensor([0, 2])), dn.entropy(), dn.base_dist.scale)
print(Categorical(probs=torch.tensor([0.1, 0.2, 0.7])).sample((6,)))
