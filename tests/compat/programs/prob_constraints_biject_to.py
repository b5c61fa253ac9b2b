"""Fitting distribution parameters in unconstrained space the way probabilistic-programming
code does (a param store by hand): torch.distributions.biject_to / transform_to for positive,
unit-interval, simplex and lower-Cholesky constraints, a Dirichlet-multinomial fit, a Beta fit
with kl_divergence(Beta, Beta) to a reference, a LowRankMultivariateNormal fit of correlated
data, and support checks via the distributions' constraints."""
import torch
from torch.distributions import (
    Beta,
    Dirichlet,
    LowRankMultivariateNormal,
    Multinomial,
    MultivariateNormal,
    StudentT,
    biject_to,
    constraints,
    kl_divergence,
    transform_to,
)

torch.manual_seed(0)
for c in (constraints.positive, constraints.unit_interval, constraints.simplex,
          constraints.lower_cholesky):
    t = biject_to(c) if c is not constraints.lower_cholesky else transform_to(c)
    x = torch.randn(3, 3) if c is constraints.lower_cholesky else torch.randn(4)
    y = t(x)
    print(type(t).__name__, "in support", bool(c.check(y).all()),
          "round trip", torch.allclose(t(t.inv(y)), y, atol=1e-5))

counts = Multinomial(50, probs=torch.tensor([0.5, 0.3, 0.2])).sample((20,))
print("counts sum", counts.sum(0).tolist())
unc = {"conc": torch.zeros(3, requires_grad=True)}
pos = biject_to(constraints.positive)
opt = torch.optim.Adam(unc.values(), lr=0.1)
for step in range(150):
    conc = pos(unc["conc"])
    probs = counts / counts.sum(-1, keepdim=True)
    loss = -Dirichlet(conc).log_prob(probs.clamp(1e-3, 1)).mean()
    opt.zero_grad()
    loss.backward()
    opt.step()
conc = pos(unc["conc"]).detach()
print("dirichlet concentration", [round(v, 3) for v in conc.tolist()],
      "mean", [round(v, 4) for v in Dirichlet(conc).mean.tolist()])

data = Beta(2.0, 5.0).sample((500,))
raw = torch.zeros(2, requires_grad=True)
opt = torch.optim.Adam([raw], lr=0.05)
for step in range(200):
    a, b = pos(raw)
    loss = -Beta(a, b).log_prob(data).mean()
    opt.zero_grad()
    loss.backward()
    opt.step()
a, b = pos(raw).detach()
print(f"beta fit a {a.item():.3f} b {b.item():.3f}",
      f"kl to truth {kl_divergence(Beta(a, b), Beta(torch.tensor(2.0), torch.tensor(5.0))).item():.5f}")

W = torch.tensor([[1.0], [0.8], [-0.5]])
X = (torch.randn(400, 1) @ W.T) + 0.3 * torch.randn(400, 3)
loc = torch.zeros(3, requires_grad=True)
cov_factor = (0.1 * torch.randn(3, 1)).requires_grad_(True)
raw_diag = torch.zeros(3, requires_grad=True)
opt = torch.optim.Adam([loc, cov_factor, raw_diag], lr=0.05)
for step in range(200):
    d = LowRankMultivariateNormal(loc, cov_factor, pos(raw_diag))
    loss = -d.log_prob(X).mean()
    opt.zero_grad()
    loss.backward()
    opt.step()
d = LowRankMultivariateNormal(loc.detach(), cov_factor.detach(), pos(raw_diag).detach())
full = MultivariateNormal(d.loc, covariance_matrix=d.covariance_matrix)
print(f"low-rank nll {loss.item():.5f}",
      "same as full", torch.allclose(d.log_prob(X[:5]), full.log_prob(X[:5]), atol=1e-4))
print("fitted covariance", [[round(v, 2) for v in row] for row in d.covariance_matrix.tolist()])
print("entropy %.5f" % d.entropy().item())
st = StudentT(df=torch.tensor(3.0), loc=0.0, scale=2.0)
print("student-t log_prob", [round(v, 5) for v in st.log_prob(torch.tensor([0.0, 1.0, 5.0])).tolist()],
      "support", st.support)
