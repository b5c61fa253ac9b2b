"""Advantage actor-critic with generalized advantage estimation, the way A2C scripts write it:
a batch of vectorised toy environments stepped together (a hand-written cart-pole with Euler
integration), n-step rollouts stored in lists and torch.stack-ed, GAE computed backwards with masks
for done flags, Categorical policy with entropy bonus, a value head with smooth_l1_loss,
RMSprop with alpha/eps as in the paper, and clip_grad_norm_."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.distributions import Categorical

torch.manual_seed(1)


class CartPoles:
    def __init__(self, n):
        self.n = n
        self.state = torch.zeros(n, 4)
        self.reset_all()

    def reset_all(self):
        self.state = (torch.rand(self.n, 4) - 0.5) * 0.1
        self.steps = torch.zeros(self.n)

    def step(self, action):
        x, x_dot, theta, theta_dot = self.state.unbind(1)
        force = (action.float() * 2 - 1) * 10.0
        costh, sinth = torch.cos(theta), torch.sin(theta)
        temp = (force + 0.05 * theta_dot ** 2 * sinth) / 1.1
        thetaacc = (9.8 * sinth - costh * temp) / (0.5 * (4.0 / 3.0 - 0.1 * costh ** 2 / 1.1))
        xacc = temp - 0.05 * thetaacc * costh / 1.1
        tau = 0.02
        x = x + tau * x_dot
        x_dot = x_dot + tau * xacc
        theta = theta + tau * theta_dot
        theta_dot = theta_dot + tau * thetaacc
        self.state = torch.stack([x, x_dot, theta, theta_dot], 1)
        self.steps += 1
        done = (x.abs() > 2.4) | (theta.abs() > 12 * 2 * math.pi / 360) | (self.steps >= 50)
        reward = torch.ones(self.n)
        if done.any():
            fresh = (torch.rand(int(done.sum()), 4) - 0.5) * 0.1
            self.state[done] = fresh
            self.steps[done] = 0
        return self.state.clone(), reward, done


class Policy(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(4, 64), nn.Tanh())
        self.actor = nn.Linear(64, 2)
        self.critic = nn.Linear(64, 1)
        for m in self.modules():
            if isinstance(m, nn.Linear):
                nn.init.orthogonal_(m.weight, gain=math.sqrt(2))
                nn.init.constant_(m.bias, 0.0)
        nn.init.orthogonal_(self.actor.weight, gain=0.01)

    def forward(self, x):
        h = self.body(x)
        return self.actor(h), self.critic(h).squeeze(-1)


def compute_gae(next_value, rewards, masks, values, gamma=0.99, tau=0.95):
    values = values + [next_value]
    gae = 0
    returns = []
    for step in reversed(range(len(rewards))):
        delta = rewards[step] + gamma * values[step + 1] * masks[step] - values[step]
        gae = delta + gamma * tau * masks[step] * gae
        returns.insert(0, gae + values[step])
    return returns


envs = CartPoles(8)
model = Policy()
optimizer = torch.optim.RMSprop(model.parameters(), lr=7e-4, alpha=0.99, eps=1e-5)
obs = envs.state.clone()
episode_rewards = torch.zeros(8)
finished = []
for update in range(30):
    log_probs, values, rewards, masks, entropy = [], [], [], [], 0
    for _ in range(5):
        logits, value = model(obs)
        dist = Categorical(logits=logits)
        action = dist.sample()
        next_obs, reward, done = envs.step(action)
        episode_rewards += reward
        for i in torch.nonzero(done).flatten().tolist():
            finished.append(episode_rewards[i].item())
            episode_rewards[i] = 0
        log_probs.append(dist.log_prob(action))
        entropy += dist.entropy().mean()
        values.append(value)
        rewards.append(reward)
        masks.append(1 - done.float())
        obs = next_obs
    with torch.no_grad():
        _, next_value = model(obs)
    returns = compute_gae(next_value, rewards, masks, values)
    log_probs = torch.stack(log_probs)
    returns = torch.stack(returns).detach()
    values = torch.stack(values)
    advantage = returns - values
    actor_loss = -(log_probs * advantage.detach()).mean()
    critic_loss = F.smooth_l1_loss(values, returns)
    loss = actor_loss + 0.5 * critic_loss - 0.01 * entropy
    optimizer.zero_grad()
    loss.backward()
    gn = nn.utils.clip_grad_norm_(model.parameters(), 0.5)
    optimizer.step()
    if update % 5 == 0:
        mean_ret = sum(finished[-10:]) / max(len(finished[-10:]), 1)
        print(f"update {update:2d} loss {loss.item():.4f} actor {actor_loss.item():.4f} "
              f"critic {critic_loss.item():.4f} grad_norm {gn:.4f} "
              f"episodes {len(finished)} mean_return {mean_ret:.2f}")

print("returns shape", returns.shape, "advantage std", advantage.std().item())
with torch.no_grad():
    probs = F.softmax(model(torch.zeros(1, 4))[0], dim=-1)
print("policy at rest", probs)
