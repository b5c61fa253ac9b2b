"""Fitting torch.distributions by maximum likelihood with unconstrained parameters: Gamma,
Beta and StudentT parameters mapped through torch.distributions.transform_to(constraint) (and
biject_to), optimised with Adam on -log_prob; the fitted moments, method-of-moments starts,
TransformedDistribution (LogNormal as exp of a Normal) against torch.distributions.LogNormal,
constraints checks (support.check), rsample through the reparameterisation for Gamma, and
entropy / cdf / icdf where available."""
import torch
from torch.distributions import (
    Beta,
    Gamma,
    LogNormal,
    Normal,
    StudentT,
    TransformedDistribution,
    biject_to,
    constraints,
    transform_to,
)
from torch.distributions.transforms import AffineTransform, ExpTransform

torch.manual_seed(0)
torch.set_default_dtype(torch.float64)
data_gamma = Gamma(torch.tensor(3.0), torch.tensor(2.0)).sample((500,))
data_beta = Beta(torch.tensor(2.0), torch.tensor(5.0)).sample((500,))
data_t = StudentT(torch.tensor(4.0), torch.tensor(1.0), torch.tensor(2.0)).sample((500,))
print("data means", data_gamma.mean().item(), data_beta.mean().item(), data_t.median().item())

pos = transform_to(constraints.positive)
print("transform", type(pos).__name__, pos(torch.tensor([-1.0, 0.0, 2.0])))
print("biject", type(biject_to(constraints.unit_interval)).__name__,
      type(biject_to(constraints.greater_than(1.0))).__name__)


def fit(make, raw, data, steps=200, lr=0.05):
    opt = torch.optim.Adam(raw, lr=lr)
    for step in range(steps):
        nll = -make(*raw).log_prob(data).mean()
        opt.zero_grad()
        nll.backward()
        opt.step()
    return make(*raw), nll.item()


m, v = data_gamma.mean(), data_gamma.var()
raw_a = pos.inv(m ** 2 / v).clone().requires_grad_(True)
raw_b = pos.inv(m / v).clone().requires_grad_(True)
g, nll = fit(lambda a, b: Gamma(pos(a), pos(b)), [raw_a, raw_b], data_gamma)
print("gamma", g.concentration.item(), g.rate.item(), "nll", nll)
print("gamma moments", g.mean.item(), g.variance.item(), g.entropy().item())

raw = [torch.zeros((), requires_grad=True), torch.zeros((), requires_grad=True)]
b, nll = fit(lambda a, c: Beta(pos(a), pos(c)), raw, data_beta)
print("beta", b.concentration1.item(), b.concentration0.item(), "nll", nll)
print("beta support", Beta(2.0, 5.0).support.check(torch.tensor([0.5, 1.5])))

df_t = transform_to(constraints.greater_than(2.0))
raw = [torch.tensor(1.0, requires_grad=True), torch.tensor(0.0, requires_grad=True),
       torch.tensor(0.0, requires_grad=True)]
t, nll = fit(lambda d, loc, s: StudentT(df_t(d), loc, pos(s)), raw, data_t, steps=250)
print("studentt", t.df.item(), t.loc.item(), t.scale.item(), "nll", nll)
print("studentt var", t.variance.item(), t.entropy().item())

base = Normal(torch.tensor(0.5), torch.tensor(0.3))
ln1 = TransformedDistribution(base, [ExpTransform()])
ln2 = LogNormal(torch.tensor(0.5), torch.tensor(0.3))
xs = torch.tensor([0.5, 1.0, 2.0])
print("lognormal", ln1.log_prob(xs), torch.allclose(ln1.log_prob(xs), ln2.log_prob(xs)))
print("lognormal cdf", ln2.cdf(xs), ln2.icdf(torch.tensor([0.1, 0.5, 0.9])))
affine = TransformedDistribution(Normal(0.0, 1.0), [AffineTransform(loc=3.0, scale=2.0)])
print("affine", affine.log_prob(torch.tensor(3.0)).item(), Normal(3.0, 2.0).log_prob(
    torch.tensor(3.0)).item())

conc = torch.tensor(2.5, requires_grad=True)
s = Gamma(conc, torch.tensor(1.0)).rsample((2000,))
s.mean().backward()
print("gamma rsample grad", round(conc.grad.item(), 1), Gamma(2.0, 1.0).has_rsample)
print("normal icdf", Normal(0.0, 1.0).icdf(torch.tensor([0.025, 0.975])))
print("constraints", constraints.positive.check(torch.tensor([-1.0, 1.0])),
      constraints.simplex.check(torch.tensor([0.2, 0.8])), constraints.real.is_discrete)
