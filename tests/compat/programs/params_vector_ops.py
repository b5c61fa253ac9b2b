"""Flat-parameter code: torch.nn.utils.parameters_to_vector / vector_to_parameters for an
evolution-strategies step and a backtracking line search, flattening gradients with
torch.cat([p.grad.view(-1) ...]), numel bookkeeping, and writing a vector back in place."""
import torch
import torch.nn as nn
from torch.nn.utils import parameters_to_vector, vector_to_parameters

torch.manual_seed(0)
model = nn.Sequential(nn.Linear(3, 6), nn.Tanh(), nn.Linear(6, 1))
x = torch.randn(32, 3)
y = torch.sin(x.sum(1, keepdim=True))


def loss_fn():
    return nn.functional.mse_loss(model(x), y)


theta = parameters_to_vector(model.parameters())
print(theta.shape, theta.requires_grad, theta.grad_fn is not None,
      sum(p.numel() for p in model.parameters()))

# evolution strategies on the flat vector
g = torch.Generator().manual_seed(1)
sigma, lr, n_pop = 0.05, 0.02, 10
with torch.no_grad():
    for it in range(5):
        base = parameters_to_vector(model.parameters())
        eps = torch.randn(n_pop, base.numel(), generator=g)
        rewards = torch.empty(n_pop)
        for i in range(n_pop):
            vector_to_parameters(base + sigma * eps[i], model.parameters())
            rewards[i] = -loss_fn()
        adv = (rewards - rewards.mean()) / (rewards.std() + 1e-8)
        vector_to_parameters(base + lr / (n_pop * sigma) * (adv @ eps), model.parameters())
        print(f"es iter {it} loss {loss_fn().item():.6f}")

# flat gradient + backtracking line search
model.zero_grad()
loss = loss_fn()
loss.backward()
flat_grad = torch.cat([p.grad.view(-1) for p in model.parameters()])
print(f"grad norm {flat_grad.norm():.6f}", flat_grad.shape)
old = parameters_to_vector(model.parameters()).detach()
step = 1.0
with torch.no_grad():
    while step > 1e-4:
        vector_to_parameters(old - step * flat_grad, model.parameters())
        new_loss = loss_fn()
        if new_loss < loss - 1e-4 * step * flat_grad.dot(flat_grad):
            break
        step *= 0.5
print(f"accepted step {step} loss {loss.item():.6f} -> {new_loss.item():.6f}")

# unflatten by hand with numel offsets
offset = 0
shapes = []
for p in model.parameters():
    n = p.numel()
    chunk = old[offset:offset + n].view_as(p)
    shapes.append(tuple(chunk.shape))
    offset += n
print(shapes, offset == old.numel())
print("params are still leaves:", all(p.is_leaf for p in model.parameters()))
try:
    vector_to_parameters(old[:-1], model.parameters())
except Exception as e:
    print(type(e).__name__)
try:
    vector_to_parameters(old.tolist(), model.parameters())
except TypeError as e:
    print("TypeError:", e)
