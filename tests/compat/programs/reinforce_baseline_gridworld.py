"""REINFORCE with a learned value baseline on a hand-written gridworld (the classic actor-critic
example's structure): an environment class with reset/step, a policy network with separate
action and value heads, Categorical sampling with saved log_probs and values in lists,
discounted returns computed backwards and normalised with eps = np.finfo(np.float32).eps,
the policy loss -log_prob * advantage and smooth_l1_loss for the value, del of the episode
buffers, and a running reward."""
from collections import namedtuple

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from torch.distributions import Categorical

SavedAction = namedtuple("SavedAction", ["log_prob", "value"])
eps = np.finfo(np.float32).eps.item()


class GridWorld:
    """4x4 grid, start at (0, 0), goal at (3, 3) (+1), a pit at (1, 2) (-1), -0.01 per step."""

    moves = [(-1, 0), (1, 0), (0, -1), (0, 1)]

    def reset(self):
        self.pos = (0, 0)
        self.t = 0
        return self.obs()

    def obs(self):
        o = torch.zeros(16)
        o[self.pos[0] * 4 + self.pos[1]] = 1.0
        return o

    def step(self, a):
        dr, dc = self.moves[a]
        self.pos = (min(max(self.pos[0] + dr, 0), 3), min(max(self.pos[1] + dc, 0), 3))
        self.t += 1
        if self.pos == (3, 3):
            return self.obs(), 1.0, True
        if self.pos == (1, 2):
            return self.obs(), -1.0, True
        return self.obs(), -0.01, self.t >= 20


class Policy(nn.Module):
    def __init__(self):
        super().__init__()
        self.affine1 = nn.Linear(16, 64)
        self.action_head = nn.Linear(64, 4)
        self.value_head = nn.Linear(64, 1)
        self.saved_actions = []
        self.rewards = []

    def forward(self, x):
        x = F.relu(self.affine1(x))
        action_prob = F.softmax(self.action_head(x), dim=-1)
        state_values = self.value_head(x)
        return action_prob, state_values


torch.manual_seed(543)
env = GridWorld()
model = Policy()
optimizer = optim.Adam(model.parameters(), lr=3e-2)
gamma = 0.99


def select_action(state):
    probs, state_value = model(state)
    m = Categorical(probs)
    action = m.sample()
    model.saved_actions.append(SavedAction(m.log_prob(action), state_value))
    return action.item()


def finish_episode():
    R = 0
    saved_actions = model.saved_actions
    policy_losses, value_losses, returns = [], [], []
    for r in model.rewards[::-1]:
        R = r + gamma * R
        returns.insert(0, R)
    returns = torch.tensor(returns)
    if len(returns) > 1:
        returns = (returns - returns.mean()) / (returns.std() + eps)
    for (log_prob, value), R in zip(saved_actions, returns):
        advantage = R - value.item()
        policy_losses.append(-log_prob * advantage)
        value_losses.append(F.smooth_l1_loss(value, torch.tensor([R])))
    optimizer.zero_grad()
    loss = torch.stack(policy_losses).sum() + torch.stack(value_losses).sum()
    loss.backward()
    optimizer.step()
    del model.rewards[:]
    del model.saved_actions[:]
    return loss.item()


running_reward = 0
for i_episode in range(1, 61):
    state, ep_reward = env.reset(), 0
    for t in range(1, 100):
        action = select_action(state)
        state, reward, done = env.step(action)
        model.rewards.append(reward)
        ep_reward += reward
        if done:
            break
    running_reward = 0.05 * ep_reward + (1 - 0.05) * running_reward
    loss = finish_episode()
    if i_episode % 10 == 0:
        print("Episode {}\tLast reward: {:.2f}\tAverage reward: {:.4f}\tsteps {}\tloss {:.5f}"
              .format(i_episode, ep_reward, running_reward, t, loss))
with torch.no_grad():
    probs, values = model(torch.eye(16))
print(probs.argmax(1).view(4, 4), values.view(4, 4))
