"""DDPG as the reference implementations write it, on a hand-written pendulum: actor and critic
MLPs with final-layer uniform init (3e-3), target networks from copy.deepcopy with
requires_grad_(False), soft updates with torch.no_grad and p_targ.data.mul_(polyak).add_(...),
Ornstein-Uhlenbeck exploration noise, a NumPy ring replay buffer sampled with np.random.randint
and turned into tensors with torch.as_tensor, the critic's Bellman target under no_grad, the
actor loss -Q(s, mu(s)).mean() with the critic frozen by toggling requires_grad, and the
evaluation return of the deterministic policy."""
import copy

import numpy as np
import torch
import torch.nn as nn


class Pendulum:
    max_speed, max_torque, dt, g, m, l = 8.0, 2.0, 0.05, 10.0, 1.0, 1.0

    def reset(self, rng):
        self.th = rng.uniform(-np.pi, np.pi)
        self.thdot = rng.uniform(-1, 1)
        return self._obs()

    def _obs(self):
        return np.array([np.cos(self.th), np.sin(self.th), self.thdot], dtype=np.float32)

    def step(self, u):
        u = float(np.clip(u, -self.max_torque, self.max_torque))
        th_norm = ((self.th + np.pi) % (2 * np.pi)) - np.pi
        cost = th_norm ** 2 + 0.1 * self.thdot ** 2 + 0.001 * u ** 2
        newthdot = self.thdot + (3 * self.g / (2 * self.l) * np.sin(self.th)
                                 + 3.0 / (self.m * self.l ** 2) * u) * self.dt
        self.thdot = float(np.clip(newthdot, -self.max_speed, self.max_speed))
        self.th = self.th + self.thdot * self.dt
        return self._obs(), -cost


class OUNoise:
    def __init__(self, size, mu=0.0, theta=0.15, sigma=0.2, seed=0):
        self.mu, self.theta, self.sigma = mu * np.ones(size), theta, sigma
        self.rng = np.random.RandomState(seed)
        self.reset()

    def reset(self):
        self.state = self.mu.copy()

    def sample(self):
        dx = self.theta * (self.mu - self.state) + self.sigma * self.rng.standard_normal(
            len(self.state))
        self.state = self.state + dx
        return self.state


class ReplayBuffer:
    def __init__(self, obs_dim, act_dim, size):
        self.obs = np.zeros((size, obs_dim), dtype=np.float32)
        self.obs2 = np.zeros((size, obs_dim), dtype=np.float32)
        self.act = np.zeros((size, act_dim), dtype=np.float32)
        self.rew = np.zeros(size, dtype=np.float32)
        self.ptr, self.size, self.max_size = 0, 0, size

    def store(self, o, a, r, o2):
        self.obs[self.ptr], self.act[self.ptr], self.rew[self.ptr], self.obs2[self.ptr] = \
            o, a, r, o2
        self.ptr = (self.ptr + 1) % self.max_size
        self.size = min(self.size + 1, self.max_size)

    def sample_batch(self, rng, batch_size=32):
        idxs = rng.randint(0, self.size, size=batch_size)
        batch = dict(obs=self.obs[idxs], obs2=self.obs2[idxs], act=self.act[idxs],
                     rew=self.rew[idxs])
        return {k: torch.as_tensor(v, dtype=torch.float32) for k, v in batch.items()}


def mlp(sizes, out_act=nn.Identity):
    layers = []
    for j in range(len(sizes) - 1):
        act = nn.ReLU if j < len(sizes) - 2 else out_act
        layers += [nn.Linear(sizes[j], sizes[j + 1]), act()]
    net = nn.Sequential(*layers)
    nn.init.uniform_(net[-2].weight, -3e-3, 3e-3)
    nn.init.uniform_(net[-2].bias, -3e-3, 3e-3)
    return net


class ActorCritic(nn.Module):
    def __init__(self, obs_dim=3, act_dim=1, act_limit=2.0):
        super().__init__()
        self.pi_net = mlp([obs_dim, 32, 32, act_dim], nn.Tanh)
        self.q_net = mlp([obs_dim + act_dim, 32, 32, 1])
        self.act_limit = act_limit

    def pi(self, obs):
        return self.act_limit * self.pi_net(obs)

    def q(self, obs, act):
        return torch.squeeze(self.q_net(torch.cat([obs, act], dim=-1)), -1)


torch.manual_seed(0)
rng = np.random.RandomState(0)
env, ac = Pendulum(), ActorCritic()
ac_targ = copy.deepcopy(ac)
for p in ac_targ.parameters():
    p.requires_grad = False
pi_optimizer = torch.optim.Adam(ac.pi_net.parameters(), lr=1e-3)
q_optimizer = torch.optim.Adam(ac.q_net.parameters(), lr=1e-3)
buf = ReplayBuffer(3, 1, 1000)
noise = OUNoise(1)
gamma, polyak = 0.99, 0.995


def update(data):
    o, a, r, o2 = data["obs"], data["act"], data["rew"], data["obs2"]
    q = ac.q(o, a)
    with torch.no_grad():
        q_pi_targ = ac_targ.q(o2, ac_targ.pi(o2))
        backup = r + gamma * q_pi_targ
    loss_q = ((q - backup) ** 2).mean()
    q_optimizer.zero_grad()
    loss_q.backward()
    q_optimizer.step()
    for p in ac.q_net.parameters():
        p.requires_grad = False
    loss_pi = -ac.q(o, ac.pi(o)).mean()
    pi_optimizer.zero_grad()
    loss_pi.backward()
    pi_optimizer.step()
    for p in ac.q_net.parameters():
        p.requires_grad = True
    with torch.no_grad():
        for p, p_targ in zip(ac.parameters(), ac_targ.parameters()):
            p_targ.data.mul_(polyak)
            p_targ.data.add_((1 - polyak) * p.data)
    return loss_q.item(), loss_pi.item()


o = env.reset(rng)
for t in range(300):
    with torch.no_grad():
        a = ac.pi(torch.as_tensor(o, dtype=torch.float32)).numpy()
    a = np.clip(a + noise.sample(), -2.0, 2.0)
    o2, r = env.step(a[0])
    buf.store(o, a, r, o2)
    o = o2
    if (t + 1) % 100 == 0:
        o = env.reset(rng)
        noise.reset()
    if t >= 64 and t % 2 == 0:
        lq, lpi = update(buf.sample_batch(rng))
        if t % 50 == 0:
            print(t, f"{lq:.6f} {lpi:.6f}")
print(ac_targ.pi_net[0].weight[0, :3], ac.pi_net[0].weight.requires_grad,
      ac_targ.q_net[0].weight.requires_grad)
ret, o = 0.0, env.reset(np.random.RandomState(7))
for _ in range(100):
    with torch.no_grad():
        a = ac.pi(torch.as_tensor(o)).numpy()
    o, r = env.step(a[0])
    ret += r
print(f"eval return {ret:.4f}")
