"""Symbolic-regression style sparse fits (SINDy): a Lorenz trajectory by hand-written RK4,
derivatives by central finite differences, a library of polynomial terms up to degree 2 built
with torch.combinations and torch.prod, sequentially thresholded least squares with
torch.linalg.lstsq and a boolean mask, the recovered equations printed term by term, then the
same fit by gradient descent with an L1 penalty (Adam) and a proximal soft-threshold step."""
import torch

torch.set_default_dtype(torch.float64)


def lorenz(x, sigma=10.0, rho=28.0, beta=8.0 / 3.0):
    return torch.stack([sigma * (x[..., 1] - x[..., 0]),
                        x[..., 0] * (rho - x[..., 2]) - x[..., 1],
                        x[..., 0] * x[..., 1] - beta * x[..., 2]], dim=-1)


def rk4_step(f, x, h):
    k1 = f(x)
    k2 = f(x + h / 2 * k1)
    k3 = f(x + h / 2 * k2)
    k4 = f(x + h * k3)
    return x + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)


dt = 0.002
x = torch.tensor([-8.0, 7.0, 27.0])
traj = [x]
for _ in range(1500):
    x = rk4_step(lorenz, x, dt)
    traj.append(x)
X = torch.stack(traj)
dX = (X[2:] - X[:-2]) / (2 * dt)
X = X[1:-1]
print(X.shape, dX.shape, X[-1])

names = ["x", "y", "z"]
cols, labels = [torch.ones(len(X))], ["1"]
for i in range(3):
    cols.append(X[:, i])
    labels.append(names[i])
pairs = torch.combinations(torch.arange(3), r=2, with_replacement=True)
for p in pairs:
    cols.append(torch.prod(X[:, p], dim=1))
    labels.append("*".join(names[j] for j in p.tolist()))
Theta = torch.stack(cols, dim=1)
print(labels, Theta.shape)


def stlsq(Theta, dX, threshold=0.5, iters=10):
    Xi = torch.linalg.lstsq(Theta, dX).solution
    for _ in range(iters):
        small = Xi.abs() < threshold
        Xi[small] = 0
        for k in range(dX.shape[1]):
            big = ~small[:, k]
            Xi[big, k] = torch.linalg.lstsq(Theta[:, big], dX[:, k:k + 1]).solution[:, 0]
    return Xi


Xi = stlsq(Theta, dX)
for k in range(3):
    terms = [f"{Xi[j, k].item():+.4f} {labels[j]}" for j in range(len(labels)) if Xi[j, k] != 0]
    print(f"d{names[k]}/dt =", " ".join(terms))
print("nonzeros", int((Xi != 0).sum()), "residual",
      f"{(Theta @ Xi - dX).pow(2).mean().item():.6e}")

scale = Theta.abs().amax(0)
Tn = Theta / scale
W = torch.zeros(len(labels), 3, requires_grad=True)
opt = torch.optim.Adam([W], lr=0.5)
lam = 0.05
for step in range(150):
    loss = (Tn @ W - dX).pow(2).mean()
    opt.zero_grad()
    loss.backward()
    opt.step()
    with torch.no_grad():
        W.copy_(torch.sign(W) * torch.clamp(W.abs() - lam * 0.5, min=0))
    if step % 30 == 0:
        print(step, f"{loss.item():.4f}", int((W != 0).sum()))
coef = (W / scale[:, None]).detach()
print(coef[1:4, 0], coef[labels.index("x*z"), 1], coef[labels.index("x*y"), 2])
