"""Evolution strategies (OpenAI-ES) on a policy network without backprop: parameters flattened
with torch.nn.utils.parameters_to_vector and written back with vector_to_parameters, antithetic
Gaussian perturbations from a torch.Generator, fitness of each perturbed policy on a hand-written
cart-pole, centered rank shaping with argsort, the gradient estimate as a weighted sum of the
noise, Adam applied to a vector by setting .grad manually, weight decay, and the best episode."""
import math

import torch
import torch.nn as nn
from torch.nn.utils import parameters_to_vector, vector_to_parameters


class CartPole:
    gravity, masscart, masspole, length, force_mag, tau = 9.8, 1.0, 0.1, 0.5, 10.0, 0.02

    def reset(self, gen):
        self.state = (torch.rand(4, generator=gen) - 0.5) * 0.1
        return self.state

    def step(self, action):
        x, x_dot, theta, theta_dot = self.state.tolist()
        force = self.force_mag if action == 1 else -self.force_mag
        costheta, sintheta = math.cos(theta), math.sin(theta)
        total_mass = self.masspole + self.masscart
        polemass_length = self.masspole * self.length
        temp = (force + polemass_length * theta_dot ** 2 * sintheta) / total_mass
        thetaacc = (self.gravity * sintheta - costheta * temp) / (
            self.length * (4.0 / 3.0 - self.masspole * costheta ** 2 / total_mass))
        xacc = temp - polemass_length * thetaacc * costheta / total_mass
        x, x_dot = x + self.tau * x_dot, x_dot + self.tau * xacc
        theta, theta_dot = theta + self.tau * theta_dot, theta_dot + self.tau * thetaacc
        self.state = torch.tensor([x, x_dot, theta, theta_dot])
        done = abs(x) > 2.4 or abs(theta) > 12 * 2 * math.pi / 360
        return self.state, 1.0, done


def evaluate(policy, seed, max_steps=120):
    env, gen = CartPole(), torch.Generator().manual_seed(seed)
    obs, total = env.reset(gen), 0.0
    with torch.no_grad():
        for _ in range(max_steps):
            action = int(policy(obs).argmax())
            obs, r, done = env.step(action)
            total += r
            if done:
                break
    return total


def centered_ranks(x):
    ranks = torch.empty_like(x)
    ranks[x.argsort()] = torch.arange(len(x), dtype=x.dtype)
    return ranks / (len(x) - 1) - 0.5


torch.manual_seed(0)
policy = nn.Sequential(nn.Linear(4, 16), nn.Tanh(), nn.Linear(16, 2))
theta = parameters_to_vector(policy.parameters()).detach().clone().requires_grad_(False)
print(theta.shape, centered_ranks(torch.tensor([3.0, -1.0, 10.0, 0.5])))
opt = torch.optim.Adam([theta.requires_grad_()], lr=0.05)
gen = torch.Generator().manual_seed(1)
sigma, pop, l2 = 0.1, 8, 0.005
best = 0.0
for it in range(8):
    eps = torch.randn(pop, theta.numel(), generator=gen)
    fitness = []
    for sign in (1.0, -1.0):
        for k in range(pop):
            vector_to_parameters(theta.detach() + sign * sigma * eps[k], policy.parameters())
            fitness.append(evaluate(policy, seed=it))
    fitness = torch.tensor(fitness)
    shaped = centered_ranks(fitness)
    weights = shaped[:pop] - shaped[pop:]
    g = -(weights @ eps) / (2 * pop * sigma)
    theta.grad = g + l2 * theta.detach()
    opt.step()
    vector_to_parameters(theta.detach(), policy.parameters())
    score = evaluate(policy, seed=100)
    best = max(best, score)
    print(it, fitness.mean().item(), fitness.max().item(), score,
          f"{theta.detach().norm().item():.5f}")
print("best", best, torch.equal(parameters_to_vector(policy.parameters()), theta.detach()))
