"""Jacobian descent (multi-objective training as torchjd does it): the losses of two tasks are
differentiated together by mapping ``autograd.grad`` over the rows of an identity matrix with
``torch.vmap`` on a graph built outside the map, without ``retain_graph``, so the graph must
survive every row of the one batched backward. The Jacobian's rows are then combined by a
projection onto the dual cone of the rows (UPGrad's idea, solved here by a few projected
gradient steps on the Gramian) and by MGDA's min-norm weighting of two rows."""
import torch
from torch import nn

torch.manual_seed(0)


def jacobian_rows(losses, params):
    """One row per loss: the gradient of that loss with respect to every parameter, flattened."""
    stacked = torch.stack(losses)

    def one_row(cotangent):
        return torch.autograd.grad(stacked, params, grad_outputs=cotangent)

    per_param = torch.vmap(one_row)(torch.eye(len(losses)))
    return torch.cat([g.reshape(len(losses), -1) for g in per_param], dim=1)


def dual_cone_weights(gramian, steps=200):
    """Weights w >= u minimising w^T G w for each unit vector u (projected gradient descent)."""
    m = gramian.shape[0]
    lr = 1.0 / (gramian.diagonal().sum() + 1e-8)
    weights = torch.zeros(m)
    for i in range(m):
        u = torch.zeros(m)
        u[i] = 1.0
        w = u.clone()
        for _ in range(steps):
            w = torch.maximum(w - lr * (gramian @ w), u)
        weights = weights + w
    return weights / m


def mgda_two(j):
    g1, g2 = j[0], j[1]
    diff = g1 - g2
    alpha = ((g2 - g1) @ g2 / diff.dot(diff).clamp_min(1e-12)).clamp(0.0, 1.0)
    return torch.stack([alpha, 1 - alpha])


trunk = nn.Sequential(nn.Linear(6, 8), nn.ReLU(), nn.Linear(8, 2))
params = list(trunk.parameters())
opt = torch.optim.SGD(params, lr=0.05)
x = torch.randn(24, 6)
targets = torch.randn(24, 2)

for step in range(12):
    out = trunk(x)
    losses = [nn.functional.mse_loss(out[:, k], targets[:, k]) for k in range(2)]
    jac = jacobian_rows(losses, params)
    gramian = jac @ jac.T
    weights = dual_cone_weights(gramian) if step % 2 == 0 else mgda_two(jac)
    direction = weights @ jac
    opt.zero_grad()
    offset = 0
    for p in params:
        p.grad = direction[offset:offset + p.numel()].reshape(p.shape).clone()
        offset += p.numel()
    opt.step()
    if step % 3 == 0 or step == 11:
        print(f"step {step} losses {losses[0].item():.6f} {losses[1].item():.6f} "
              f"jac {tuple(jac.shape)} w {weights[0].item():.5f} {weights[1].item():.5f} "
              f"cos {(jac[0] @ jac[1] / (jac[0].norm() * jac[1].norm())).item():.5f}")

# a chunked map runs one backward per chunk: without retain_graph the second chunk finds the
# graph freed, in PyTorch as in any faithful implementation
y = trunk(x).sum(0)
try:
    torch.vmap(lambda v: torch.autograd.grad(y, params[0], v)[0], chunk_size=1)(torch.eye(2))
    print("chunked: no error")
except RuntimeError as e:
    print("chunked:", type(e).__name__, "second time" in str(e))
