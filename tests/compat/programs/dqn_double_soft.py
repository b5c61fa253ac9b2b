"""Double DQN as in RL reference code: an epsilon-greedy policy with random.random(), a replay
buffer of tensors sampled with torch.randint, Q(s).gather(1, a), target network chosen actions by
argmax(1, keepdim=True), smooth_l1_loss, soft (Polyak) target updates via
torch.no_grad + param.data.copy_ / lerp_ / mul_().add_(), and a hard copy via load_state_dict."""
import copy
import math
import random

import torch
import torch.nn as nn
import torch.nn.functional as F

random.seed(0)
torch.manual_seed(0)


class GridEnv:
    def __init__(self, n=6):
        self.n = n

    def reset(self):
        self.pos = 0
        return self.state()

    def state(self):
        return F.one_hot(torch.tensor(self.pos), self.n).float()

    def step(self, a):
        self.pos = max(0, min(self.n - 1, self.pos + (1 if a == 1 else -1)))
        done = self.pos == self.n - 1
        return self.state(), (1.0 if done else -0.05), done


env = GridEnv()
q = nn.Sequential(nn.Linear(6, 24), nn.ReLU(), nn.Linear(24, 2))
q_target = copy.deepcopy(q)
for p in q_target.parameters():
    p.requires_grad_(False)
opt = torch.optim.Adam(q.parameters(), lr=5e-3)
cap = 200
buf_s, buf_a = torch.zeros(cap, 6), torch.zeros(cap, dtype=torch.long)
buf_r, buf_s2, buf_d = torch.zeros(cap), torch.zeros(cap, 6), torch.zeros(cap)
n, steps, tau = 0, 0, 0.05
for episode in range(12):
    s, total, done, t = env.reset(), 0.0, False, 0
    while not done and t < 30:
        eps = 0.05 + 0.9 * math.exp(-steps / 60)
        if random.random() < eps:
            a = random.randrange(2)
        else:
            with torch.no_grad():
                a = q(s).argmax().item()
        s2, r, done = env.step(a)
        i = n % cap
        buf_s[i], buf_a[i], buf_r[i], buf_s2[i], buf_d[i] = s, a, r, s2, float(done)
        n, steps, t, total, s = n + 1, steps + 1, t + 1, total + r, s2
        if n >= 16:
            idx = torch.randint(0, min(n, cap), (16,))
            qsa = q(buf_s[idx]).gather(1, buf_a[idx].unsqueeze(1)).squeeze(1)
            with torch.no_grad():
                a2 = q(buf_s2[idx]).argmax(1, keepdim=True)
                target = buf_r[idx] + 0.9 * q_target(buf_s2[idx]).gather(1, a2).squeeze(1) * (
                    1 - buf_d[idx])
            loss = F.smooth_l1_loss(qsa, target)
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_value_(q.parameters(), 1.0)
            opt.step()
            with torch.no_grad():
                for tp, p in zip(q_target.parameters(), q.parameters()):
                    if episode % 3 == 0:
                        tp.data.copy_(tau * p.data + (1 - tau) * tp.data)
                    elif episode % 3 == 1:
                        tp.lerp_(p, tau)
                    else:
                        tp.mul_(1 - tau).add_(p, alpha=tau)
    print(episode, t, round(total, 3), round(eps, 4), round(loss.item(), 6))

with torch.no_grad():
    print(q(torch.eye(6)))
    print(q_target(torch.eye(6)).max(1))
q_target.load_state_dict(q.state_dict())
print(all(torch.equal(a, b) for a, b in zip(q.parameters(), q_target.parameters())))
print(torch.lerp(torch.zeros(3), torch.ones(3), torch.tensor([0.1, 0.5, 0.9])))
