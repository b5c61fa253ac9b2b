"""Reinforcement-learning scripts size their networks from environment spaces, whose sizes are
NumPy integers (a discrete space's action count, `np.prod` of an observation shape), and their
replay buffers pick a device with `device == "auto"`. Here a tiny NumPy cart environment feeds a
policy-gradient agent with a categorical head and a Gaussian head (sampling from the seeded
generator), a replay buffer, a clipped-surrogate update, and an attribution-style forward
wrapped in a `torch.futures.Future`."""
import numpy as np
import torch
import torch.nn as nn
from torch.distributions import Categorical, Normal

torch.manual_seed(0)
rng = np.random.default_rng(0)


class CartLike:
    def __init__(self):
        self.obs_shape = (4,)
        self.n_actions = np.int64(2)

    def reset(self):
        self.s = rng.uniform(-0.05, 0.05, 4).astype(np.float32)
        self.t = 0
        return self.s

    def step(self, a):
        force = 1.0 if a == 1 else -1.0
        x, v, th, w = self.s
        w = w + 0.02 * (9.8 * np.sin(th) - force * np.cos(th))
        v = v + 0.02 * force
        self.s = np.array([x + 0.02 * v, v, th + 0.02 * w, w], dtype=np.float32)
        self.t += 1
        done = abs(th) > 0.2 or self.t >= 60
        return self.s, 1.0, done


def get_device(device="auto"):
    if device == "auto":
        device = "cpu"
    return torch.device(device)


env = CartLike()
obs_dim = np.array(env.obs_shape).prod()
device = get_device(torch.device("cpu"))
print("device", device, get_device())
body = nn.Sequential(nn.Linear(obs_dim, 32), nn.Tanh(), nn.LayerNorm(np.int64(32)))
pi_head = nn.Linear(32, env.n_actions)
mu_head, v_head = nn.Linear(np.int64(32), 1), nn.Linear(32, np.int32(1))
log_std = nn.Parameter(torch.zeros(1))
params = [*body.parameters(), *pi_head.parameters(), *mu_head.parameters(),
          *v_head.parameters(), log_std]
opt = torch.optim.Adam(params, lr=3e-3)
print(pi_head, mu_head, tuple(body[2].normalized_shape) == (32,))

for it in range(4):
    obs, acts, conts, logps, rews = [], [], [], [], []
    s = env.reset()
    done = False
    while not done:
        with torch.no_grad():
            h = body(torch.tensor(s))
            d = Categorical(logits=pi_head(h))
            a = d.sample()
            g = Normal(mu_head(h), log_std.exp())
            c = g.sample()
        obs.append(s)
        acts.append(a)
        conts.append(c)
        logps.append(d.log_prob(a) + g.log_prob(c).sum())
        s, r, done = env.step(a.item())
        rews.append(r)
    ret = torch.tensor(np.cumsum(rews[::-1])[::-1].copy(), dtype=torch.float32)
    o = torch.tensor(np.stack(obs))
    idx = torch.randperm(len(obs))[:16]
    for _ in range(3):
        h = body(o[idx])
        new_lp = (Categorical(logits=pi_head(h)).log_prob(torch.stack(acts)[idx])
                  + Normal(mu_head(h), log_std.exp()).log_prob(torch.stack(conts)[idx]).sum(-1))
        v = v_head(h).squeeze(-1)
        adv = ret[idx] - v.detach()
        adv = (adv - adv.mean()) / (adv.std() + 1e-8)
        ratio = (new_lp - torch.stack(logps)[idx]).exp()
        loss = -torch.min(ratio * adv, ratio.clamp(0.8, 1.2) * adv).mean() \
            + 0.5 * (ret[idx] - v).pow(2).mean()
        opt.zero_grad()
        loss.backward()
        norm = nn.utils.clip_grad_norm_(params, 0.5)
        opt.step()
    print(f"iter {it} steps {len(rews)} loss {loss.item():.5f} grad-norm {norm.item():.5f}")

fut = torch.futures.Future()
chained = fut.then(lambda f: f.value().softmax(-1))
fut.set_result(pi_head(body(torch.tensor(env.reset()))))
print("future", isinstance(fut, torch.Future), fut.done(), chained.wait().detach().numpy().round(5))
x = torch.tensor(env.reset()).requires_grad_()
pi_head(body(x))[1].backward()
print("saliency", x.grad.abs().numpy().round(5))
