"""Reparameterised gradients and the printed digits of divergences, as a user of
torch.distributions sees them: Beta/Dirichlet/Gamma/Chi2/StudentT ``rsample`` gradients (PyTorch's
``_standard_gamma_grad``/``_dirichlet_grad`` approximations, not the exact implicit derivative),
their ``grad_fn`` names, KL divergences and entropies that go through float32 ``digamma``
(PyTorch's float algorithm), a KL from a Uniform starting at 0 (finite), Multinomial entropy in
float64, ``special.ndtr``'s left tail, and the name a caught ``LinAlgError`` prints."""

import torch
import torch.distributions as D

torch.manual_seed(0)
a = torch.tensor([0.3, 1.5, 4.0, 12.0], requires_grad=True)
b = torch.tensor([2.0, 0.7, 5.0, 9.0], requires_grad=True)
x = D.Beta(a, b).rsample((3,))
(x * torch.arange(1.0, 5.0)).sum().backward()
print("beta", x.grad_fn.name(), a.grad, b.grad)

c = torch.tensor([[0.5, 1.0, 2.0], [8.0, 7.0, 9.0]], requires_grad=True)
s = D.Dirichlet(c).rsample((2,))
(s[..., 0] - s[..., 2]).pow(2).sum().backward()
print("dirichlet", type(s.grad_fn).__name__, c.grad)

k = torch.tensor([0.4, 9.0], requires_grad=True)
r = torch.tensor([1.0, 3.0], requires_grad=True)
g = D.Gamma(k, r).rsample((5,))
g.log().sum().backward()
print("gamma", g.grad_fn.name(), k.grad, r.grad)

df = torch.tensor([3.0, 10.0], requires_grad=True)
D.Chi2(df).rsample((4,)).sum().backward()
nu = torch.tensor(4.0, requires_grad=True)
D.StudentT(nu).rsample((6,)).abs().sum().backward()
print("chi2/studentT", df.grad, nu.grad)

print("kl dirichlet", D.kl_divergence(D.Dirichlet(torch.tensor([1.0, 2.0])),
                                       D.Dirichlet(torch.tensor([2.0, 1.0]))).item())
print("kl gamma", D.kl_divergence(D.Gamma(torch.tensor([0.5, 3.0]), torch.tensor([1.0, 2.0])),
                                   D.Gamma(torch.tensor([1.5, 3.0]), torch.tensor([1.0, 3.0]))))
print("entropy gamma", D.Gamma(torch.tensor([0.5, 3.0]), torch.tensor([1.0, 2.0])).entropy())
print("kl uniform->beta", D.kl_divergence(D.Uniform(0.0, 1.0), D.Beta(2.0, 2.0)))
print("digamma", torch.digamma(torch.tensor([1.0, 2.0, 0.5])).tolist())
m = D.Multinomial(7, torch.tensor([0.2, 0.3, 0.5], dtype=torch.float64))
print("multinomial entropy", m.entropy().item())
print("ndtr", torch.special.ndtr(torch.tensor([-10.0, -6.0, -2.5, 0.0, 1.0])).tolist())
try:
    torch.linalg.inv(torch.zeros(2, 2))
except torch.linalg.LinAlgError as e:
    print("caught", type(e).__name__, isinstance(e, RuntimeError))
try:
    D.Uniform(1.0, 0.0)
except ValueError as e:
    print("uniform", str(e).splitlines()[0])
