"""A Bayesian neural network trained by the reparameterisation trick (Bayes by Backprop with
the local reparameterisation trick): a BayesLinear module with softplus-parametrised
standard deviations, a KL to a Normal prior computed with torch.distributions.kl_divergence,
an ELBO with a KL weight per minibatch, and a predictive mean/std from Monte Carlo forward
passes on a 1-D regression problem with a gap in the data."""
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.distributions import Normal, kl_divergence

torch.manual_seed(0)
x = torch.cat([torch.linspace(-3, -1, 40), torch.linspace(1, 3, 40)]).unsqueeze(1)
y = torch.sin(2 * x) + 0.1 * torch.randn_like(x)


class BayesLinear(nn.Module):
    def __init__(self, n_in, n_out, prior_std=1.0):
        super().__init__()
        self.w_mu = nn.Parameter(torch.empty(n_out, n_in).normal_(0, 0.1))
        self.w_rho = nn.Parameter(torch.full((n_out, n_in), -4.0))
        self.b_mu = nn.Parameter(torch.zeros(n_out))
        self.b_rho = nn.Parameter(torch.full((n_out,), -4.0))
        self.prior = Normal(0.0, prior_std)

    def forward(self, x):
        w_std, b_std = F.softplus(self.w_rho), F.softplus(self.b_rho)
        act_mu = F.linear(x, self.w_mu, self.b_mu)
        act_std = torch.sqrt(F.linear(x.pow(2), w_std.pow(2), b_std.pow(2)) + 1e-8)
        return act_mu + act_std * torch.randn_like(act_mu)

    def kl(self):
        q_w = Normal(self.w_mu, F.softplus(self.w_rho))
        q_b = Normal(self.b_mu, F.softplus(self.b_rho))
        return kl_divergence(q_w, self.prior).sum() + kl_divergence(q_b, self.prior).sum()


class BNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.l1, self.l2 = BayesLinear(1, 32), BayesLinear(32, 1)
        self.log_noise = nn.Parameter(torch.tensor(-1.0))

    def forward(self, x):
        return self.l2(torch.tanh(self.l1(x)))

    def kl(self):
        return sum(m.kl() for m in self.modules() if isinstance(m, BayesLinear))


model = BNN()
opt = torch.optim.Adam(model.parameters(), lr=2e-2)
n_batches = 4
for epoch in range(60):
    perm = torch.randperm(len(x))
    for idx in perm.chunk(n_batches):
        pred = model(x[idx])
        nll = -Normal(pred, model.log_noise.exp()).log_prob(y[idx]).sum() * len(x) / len(idx)
        loss = nll + model.kl()
        opt.zero_grad()
        loss.backward()
        opt.step()
    if epoch % 20 == 19:
        print(f"epoch {epoch + 1} loss {loss.item():.3f} kl {model.kl().item():.3f} "
              f"noise {model.log_noise.exp().item():.4f}")

grid = torch.tensor([[-2.0], [0.0], [2.0]])
with torch.no_grad():
    preds = torch.stack([model(grid) for _ in range(200)])
mean, std = preds.mean(0).squeeze(1), preds.std(0).squeeze(1)
print("predictive mean", [round(v, 3) for v in mean.tolist()])
print("predictive std", [round(v, 3) for v in std.tolist()])
print("more uncertain in the gap", bool(std[1] > std[0]) and bool(std[1] > std[2]))
