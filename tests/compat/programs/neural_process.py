"""Neural processes as the DeepMind notebooks' PyTorch ports write them: 1-D regression tasks
drawn from a GP-like family of random sine curves, random context/target splits with
torch.randperm, a deterministic encoder (mean-aggregated representations), a latent encoder
giving Normal(mu, 0.1 + 0.9 * sigmoid(sigma)) and the ELBO with kl_divergence(posterior, prior)
where the posterior sees the targets, rsample for the latent, a decoder returning Normal with
softplus scale, log_prob summed over points, and predictions with uncertainty under torch.no_grad;
an attentive variant with nn.MultiheadAttention over context points."""
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.distributions import Normal, kl_divergence

torch.manual_seed(0)


def sample_tasks(batch=16, n_points=30):
    amp = torch.rand(batch, 1, 1) * 2 + 0.5
    phase = torch.rand(batch, 1, 1) * 3.14
    x = torch.rand(batch, n_points, 1) * 8 - 4
    y = amp * torch.sin(x + phase) + 0.05 * torch.randn(batch, n_points, 1)
    return x, y


def split(x, y, n_context):
    idx = torch.randperm(x.shape[1])
    return x[:, idx[:n_context]], y[:, idx[:n_context]], x, y


def mlp(sizes):
    layers = []
    for a, b in zip(sizes[:-1], sizes[1:]):
        layers += [nn.Linear(a, b), nn.ReLU()]
    return nn.Sequential(*layers[:-1])


class LatentNP(nn.Module):
    def __init__(self, h=32, z=8, attentive=False):
        super().__init__()
        self.det_encoder = mlp([2, h, h, h])
        self.lat_encoder = mlp([2, h, h])
        self.lat_mu, self.lat_sigma = nn.Linear(h, z), nn.Linear(h, z)
        self.decoder = mlp([1 + h + z, h, h, 2])
        self.attentive = attentive
        if attentive:
            self.query_proj, self.key_proj = nn.Linear(1, h), nn.Linear(1, h)
            self.cross_attn = nn.MultiheadAttention(h, 4, batch_first=True)

    def latent(self, x, y):
        s = self.lat_encoder(torch.cat([x, y], -1)).mean(1)
        return Normal(self.lat_mu(s), 0.1 + 0.9 * torch.sigmoid(self.lat_sigma(s)))

    def deterministic(self, xc, yc, xt):
        r = self.det_encoder(torch.cat([xc, yc], -1))
        if self.attentive:
            out, w = self.cross_attn(self.query_proj(xt), self.key_proj(xc), r)
            return out
        return r.mean(1, keepdim=True).expand(-1, xt.shape[1], -1)

    def forward(self, xc, yc, xt, yt=None):
        prior = self.latent(xc, yc)
        posterior = self.latent(xt, yt) if yt is not None else prior
        z = posterior.rsample() if self.training else posterior.loc
        r = self.deterministic(xc, yc, xt)
        hidden = torch.cat([xt, r, z.unsqueeze(1).expand(-1, xt.shape[1], -1)], -1)
        mu, raw = self.decoder(hidden).chunk(2, -1)
        dist = Normal(mu, 0.1 + 0.9 * F.softplus(raw))
        if yt is None:
            return dist, None
        log_lik = dist.log_prob(yt).sum((1, 2))
        kl = kl_divergence(posterior, prior).sum(-1)
        return dist, (-(log_lik - kl)).mean() / xt.shape[1], log_lik.mean(), kl.mean()


for attentive in (False, True):
    torch.manual_seed(1)
    model = LatentNP(attentive=attentive)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    for step in range(60):
        model.train()
        x, y = sample_tasks()
        n_ctx = int(torch.randint(3, 15, ()).item())
        xc, yc, xt, yt = split(x, y, n_ctx)
        _, loss, ll, kl = model(xc, yc, xt, yt)
        opt.zero_grad()
        loss.backward()
        opt.step()
        if step % 20 == 0:
            print(f"{'ANP' if attentive else 'NP '} step {step} loss {loss.item():.4f} "
                  f"loglik {ll.item():.3f} kl {kl.item():.4f} contexts {n_ctx}")
    model.eval()
    with torch.no_grad():
        x, y = sample_tasks(4, 40)
        xc, yc, xt, yt = split(x, y, 10)
        dist, _ = model(xc, yc, xt)
        mse = (dist.mean - yt).pow(2).mean()
        in_band = ((yt - dist.mean).abs() < 2 * dist.stddev).float().mean()
        grid = torch.linspace(-4, 4, 5).view(1, -1, 1).expand(4, -1, -1)
        pred, _ = model(xc, yc, grid)
    print(f"{'ANP' if attentive else 'NP '} eval mse {mse.item():.4f} within 2 std {in_band.item():.3f}")
    print("   mean on grid", pred.mean[0, :, 0])
    print("   std on grid ", pred.stddev[0, :, 0])
