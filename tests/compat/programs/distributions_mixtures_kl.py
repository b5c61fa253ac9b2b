"""torch.distributions the way probabilistic-modelling scripts use them: MixtureSameFamily
of Normals, of MultivariateNormals (scale_tril) and of Independent Normals, its log_prob, mean,
variance, cdf and samples; a Gaussian mixture fitted by gradient descent on -log_prob; and
kl_divergence between families (Normal, Categorical, Bernoulli, Beta, Gamma, Dirichlet,
MultivariateNormal, Independent, Exponential, Poisson, Laplace, Uniform) against Monte-Carlo
estimates; register_kl for a custom pair."""
import torch
import torch.distributions as D
from torch.distributions import kl_divergence

torch.manual_seed(0)

mix = D.Categorical(torch.tensor([0.3, 0.5, 0.2]))
comp = D.Normal(torch.tensor([-2.0, 0.0, 3.0]), torch.tensor([0.5, 1.0, 0.8]))
gmm = D.MixtureSameFamily(mix, comp)
x = torch.linspace(-4, 5, 7)
print("gmm log_prob", gmm.log_prob(x))
print("gmm mean", gmm.mean.item(), "variance", gmm.variance.item())
print("gmm cdf", gmm.cdf(torch.tensor([-2.0, 0.0, 3.0])))
s = gmm.sample((2000,))
print("sample mean", s.mean().item(), "batch/event shape", gmm.batch_shape, gmm.event_shape)

# 2-D mixtures: full-covariance and diagonal
loc = torch.tensor([[0.0, 0.0], [3.0, 3.0]])
tril = torch.tensor([[[1.0, 0.0], [0.5, 0.8]], [[0.6, 0.0], [-0.2, 1.2]]])
gmm2 = D.MixtureSameFamily(D.Categorical(logits=torch.zeros(2)),
                           D.MultivariateNormal(loc, scale_tril=tril))
diag = D.MixtureSameFamily(D.Categorical(logits=torch.zeros(2)),
                           D.Independent(D.Normal(loc, torch.ones(2, 2)), 1))
pts = torch.tensor([[0.0, 0.0], [1.5, 1.5], [3.0, 2.0]])
print("mvn mixture", gmm2.log_prob(pts), "diag mixture", diag.log_prob(pts))
print("mvn mixture covariance of component 0", gmm2.component_distribution.covariance_matrix[0])

# fit a 3-component mixture to data by gradient descent
data = torch.cat([torch.randn(300) * 0.5 - 2, torch.randn(200) * 0.7 + 2.5])
logits = torch.zeros(3, requires_grad=True)
means = torch.tensor([-1.0, 0.0, 1.0], requires_grad=True)
log_scales = torch.zeros(3, requires_grad=True)
opt = torch.optim.Adam([logits, means, log_scales], lr=0.05)
for step in range(150):
    model = D.MixtureSameFamily(D.Categorical(logits=logits), D.Normal(means, log_scales.exp()))
    nll = -model.log_prob(data).mean()
    opt.zero_grad()
    nll.backward()
    opt.step()
    if step % 50 == 0:
        print(f"step {step} nll {nll.item():.4f}")
order = means.detach().argsort()
print("fitted weights", torch.softmax(logits.detach(), 0)[order], "means", means.detach()[order],
      "scales", log_scales.detach().exp()[order])


def mc_kl(p, q, n=20000):
    z = p.sample((n,))
    return (p.log_prob(z) - q.log_prob(z)).mean().item()


pairs = {
    "normal": (D.Normal(0.0, 1.0), D.Normal(1.0, 2.0)),
    "categorical": (D.Categorical(torch.tensor([0.2, 0.3, 0.5])), D.Categorical(torch.tensor([0.4, 0.4, 0.2]))),
    "bernoulli": (D.Bernoulli(0.3), D.Bernoulli(0.6)),
    "beta": (D.Beta(2.0, 3.0), D.Beta(1.5, 1.5)),
    "gamma": (D.Gamma(2.0, 1.0), D.Gamma(3.0, 2.0)),
    "dirichlet": (D.Dirichlet(torch.tensor([1.0, 2.0, 3.0])), D.Dirichlet(torch.tensor([2.0, 2.0, 2.0]))),
    "mvn": (D.MultivariateNormal(torch.zeros(2), scale_tril=tril[0]),
            D.MultivariateNormal(torch.ones(2), scale_tril=tril[1])),
    "independent": (D.Independent(D.Normal(torch.zeros(3), torch.ones(3)), 1),
                    D.Independent(D.Normal(torch.ones(3), 2 * torch.ones(3)), 1)),
    "exponential": (D.Exponential(1.0), D.Exponential(2.0)),
    "poisson": (D.Poisson(3.0), D.Poisson(4.0)),
    "laplace": (D.Laplace(0.0, 1.0), D.Laplace(0.5, 2.0)),
    "normal-laplace": (D.Normal(0.0, 1.0), D.Laplace(0.0, 1.0)),
    "uniform-normal": (D.Uniform(-1.0, 1.0), D.Normal(0.0, 1.0)),
    "exponential-gamma": (D.Exponential(1.5), D.Gamma(2.0, 1.0)),
}
for name, (p, q) in pairs.items():
    kl = kl_divergence(p, q)
    print(f"KL {name:18s} closed form {kl.item():.5f}  monte carlo {mc_kl(p, q):.2f}")

print("KL batch", kl_divergence(D.Normal(torch.zeros(3), torch.ones(3)),
                                 D.Normal(torch.arange(3.0), torch.ones(3))))
print("KL uniform to narrower uniform", kl_divergence(D.Uniform(0.0, 2.0), D.Uniform(0.0, 1.0)))
try:
    kl_divergence(gmm, comp)
except NotImplementedError as e:
    print("NotImplementedError:", str(e)[:60])


class Shifted(D.Normal):
    pass


@D.kl.register_kl(Shifted, Shifted)
def _kl_shifted(p, q):
    return torch.zeros_like(p.loc) + 123.0


print("registered KL", kl_divergence(Shifted(0.0, 1.0), Shifted(1.0, 1.0)).item())
print("subclass pair falls back to Normal", kl_divergence(Shifted(0.0, 1.0), D.Normal(1.0, 1.0)).item())
