"""Non-contrastive self-supervised losses as their official code writes them: Barlow Twins
(batch-normalised embeddings via nn.BatchNorm1d(affine=False), the cross-correlation matrix
c = bn(z1).T @ bn(z2) / N, on-diagonal (1 - c_ii)^2 and off-diagonal c_ij^2 with the
off_diagonal helper using flatten()[:-1].view(n - 1, n + 1)[:, 1:]), VICReg (invariance MSE,
variance hinge on the std of each dimension via torch.sqrt(var + 1e-4), covariance off-diagonal
penalty), a small encoder+projector trained with LARS-free SGD, and a linear probe afterwards."""
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)


def off_diagonal(x):
    n, m = x.shape
    assert n == m
    return x.flatten()[:-1].view(n - 1, n + 1)[:, 1:].flatten()


class BarlowTwinsLoss(nn.Module):
    def __init__(self, dim, lambd=5e-3):
        super().__init__()
        self.bn = nn.BatchNorm1d(dim, affine=False)
        self.lambd = lambd

    def forward(self, z1, z2):
        c = self.bn(z1).T @ self.bn(z2)
        c.div_(z1.shape[0])
        on_diag = torch.diagonal(c).add_(-1).pow_(2).sum()
        off_diag = off_diagonal(c).pow_(2).sum()
        return on_diag + self.lambd * off_diag


def vicreg_loss(x, y, sim_coeff=25.0, std_coeff=25.0, cov_coeff=1.0):
    repr_loss = F.mse_loss(x, y)
    x = x - x.mean(dim=0)
    y = y - y.mean(dim=0)
    std_x = torch.sqrt(x.var(dim=0) + 0.0001)
    std_y = torch.sqrt(y.var(dim=0) + 0.0001)
    std_loss = torch.mean(F.relu(1 - std_x)) / 2 + torch.mean(F.relu(1 - std_y)) / 2
    n, d = x.shape
    cov_x = (x.T @ x) / (n - 1)
    cov_y = (y.T @ y) / (n - 1)
    cov_loss = off_diagonal(cov_x).pow_(2).sum().div(d) + off_diagonal(cov_y).pow_(2).sum().div(d)
    loss = sim_coeff * repr_loss + std_coeff * std_loss + cov_coeff * cov_loss
    return loss, (repr_loss.item(), std_loss.item(), cov_loss.item())


m = torch.arange(16.0).view(4, 4)
print("off_diagonal", off_diagonal(m).tolist())

# data: 4 latent classes in 8-D, views are noisy random crops (feature dropout + jitter)
n_cls, dim_in = 4, 8
protos = torch.randn(n_cls, dim_in) * 2


def views(batch=64):
    y = torch.randint(0, n_cls, (batch,))
    x = protos[y] + 0.3 * torch.randn(batch, dim_in)
    def aug(t):
        keep = (torch.rand_like(t) > 0.2).float()
        return t * keep + 0.2 * torch.randn_like(t)
    return aug(x), aug(x), x, y


def make():
    enc = nn.Sequential(nn.Linear(dim_in, 32), nn.BatchNorm1d(32), nn.ReLU(), nn.Linear(32, 16))
    proj = nn.Sequential(nn.Linear(16, 32), nn.BatchNorm1d(32), nn.ReLU(), nn.Linear(32, 32))
    return enc, proj


for method in ("barlow", "vicreg"):
    torch.manual_seed(1)
    enc, proj = make()
    crit = BarlowTwinsLoss(32)
    opt = torch.optim.SGD(list(enc.parameters()) + list(proj.parameters()), lr=0.02, momentum=0.9,
                          weight_decay=1e-4)
    for step in range(60):
        v1, v2, _, _ = views()
        z1, z2 = proj(enc(v1)), proj(enc(v2))
        if method == "barlow":
            loss = crit(z1, z2)
            parts = ""
        else:
            loss, (inv, var, cov) = vicreg_loss(z1, z2)
            parts = f" inv {inv:.4f} var {var:.4f} cov {cov:.4f}"
        opt.zero_grad()
        loss.backward()
        opt.step()
        if step % 20 == 0:
            print(f"{method} step {step} loss {loss.item():.4f}{parts}")
    # linear probe on frozen features
    enc.eval()
    with torch.no_grad():
        _, _, xtr, ytr = views(256)
        _, _, xte, yte = views(256)
        ftr, fte = enc(xtr), enc(xte)
    probe = nn.Linear(16, n_cls)
    popt = torch.optim.Adam(probe.parameters(), lr=0.05)
    for _ in range(50):
        pl = F.cross_entropy(probe(ftr), ytr)
        popt.zero_grad()
        pl.backward()
        popt.step()
    with torch.no_grad():
        acc = (probe(fte).argmax(1) == yte).float().mean()
        std = fte.std(0)
    print(f"{method} probe loss {pl.item():.4f} accuracy {acc.item():.3f} "
          f"feature std min {std.min().item():.4f} max {std.max().item():.4f}")
print("bn running stats untouched (affine=False, still training)", crit.bn.running_mean.shape,
      crit.bn.num_batches_tracked.item())
