"""Reparametrized weights: nn.utils.parametrizations.weight_norm / spectral_norm / orthogonal,
a custom parametrization with register_parametrization (symmetric, with right_inverse),
cached(), remove_parametrizations, the legacy nn.utils.weight_norm, and their state_dict keys."""
import torch
import torch.nn as nn
import torch.nn.utils.parametrize as P
from torch.nn.utils import parametrizations

torch.manual_seed(4)


class Symmetric(nn.Module):
    def forward(self, X):
        return X.triu() + X.triu(1).transpose(-1, -2)

    def right_inverse(self, A):
        return A.triu()


lin = parametrizations.weight_norm(nn.Linear(5, 3), name="weight", dim=0)
print(lin)
print(sorted(lin.state_dict().keys()))
print(lin.parametrizations.weight.original0.shape, lin.parametrizations.weight.original1.shape)
print(torch.allclose(lin.weight.norm(dim=1), lin.parametrizations.weight.original0.squeeze()))

sn = parametrizations.spectral_norm(nn.Linear(6, 4))
x = torch.randn(3, 6)
for _ in range(5):
    sn(x)
print(torch.linalg.matrix_norm(sn.weight, ord=2).item(), sorted(sn.state_dict().keys()))
sn.eval()
print(sn(x).sum().item())

orth = parametrizations.orthogonal(nn.Linear(4, 4))
W = orth.weight
print(torch.allclose(W @ W.T, torch.eye(4), atol=1e-5), P.is_parametrized(orth), P.is_parametrized(orth, "bias"))

sym = nn.Linear(3, 3)
P.register_parametrization(sym, "weight", Symmetric())
print(torch.allclose(sym.weight, sym.weight.T), type(sym).__name__, type(sym.parametrizations).__name__)
with P.cached():
    a = sym.weight
    b = sym.weight
    print(a is b)
sym.weight = torch.arange(9.).view(3, 3)
print(sym.weight, sym.parametrizations.weight.original)

opt = torch.optim.SGD(list(lin.parameters()) + list(sym.parameters()), lr=0.1)
for step in range(3):
    loss = lin(torch.ones(2, 5)).pow(2).sum() + sym(torch.ones(1, 3)).sum()
    opt.zero_grad()
    loss.backward()
    opt.step()
    print(step, round(loss.item(), 5), lin.parametrizations.weight.original0.grad.flatten())
P.remove_parametrizations(sym, "weight", leave_parametrized=True)
print(P.is_parametrized(sym), sym.weight.requires_grad, type(sym.weight).__name__)

old = nn.utils.weight_norm(nn.Conv1d(2, 3, 3))
print(sorted(n for n, _ in old.named_parameters()), old.weight_g.shape)
nn.utils.remove_weight_norm(old)
print(sorted(n for n, _ in old.named_parameters()))
conv = parametrizations.weight_norm(nn.Conv2d(2, 4, 3))
print(conv(torch.randn(1, 2, 5, 5)).shape, conv.parametrizations.weight.original0.shape)
