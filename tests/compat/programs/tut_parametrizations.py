"""The parametrizations tutorial: torch.nn.utils.parametrize.register_parametrization with a
Symmetric and a Skew constraint, the original tensor under layer.parametrizations, caching with
parametrize.cached(), chaining parametrizations (Cayley map after Skew, matrix exponential),
right_inverse for initialisation, and remove_parametrizations with and without keeping the value."""
import torch
import torch.nn as nn
import torch.nn.utils.parametrize as parametrize

torch.manual_seed(0)


def symmetric(X):
    return X.triu() + X.triu(1).transpose(-1, -2)


X = torch.rand(3, 3)
A = symmetric(X)
print("symmetric by hand", torch.allclose(A, A.T))


class Symmetric(nn.Module):
    def forward(self, X):
        return X.triu() + X.triu(1).transpose(-1, -2)


layer = nn.Linear(3, 3)
parametrize.register_parametrization(layer, "weight", Symmetric())
A = layer.weight
print("layer weight symmetric", torch.allclose(A, A.T))
print(A)


class Skew(nn.Module):
    def forward(self, X):
        A = X.triu(1)
        return A - A.transpose(-1, -2)


cnn = nn.Conv2d(in_channels=5, out_channels=8, kernel_size=3)
parametrize.register_parametrization(cnn, "weight", Skew())
print("skew", torch.allclose(cnn.weight, -cnn.weight.transpose(-1, -2)))
print(cnn.weight[0, 1])

print(layer)
print(layer.parametrizations.weight)
print(layer.parametrizations.weight.original)
print("original vs triu",
      torch.dist(layer.weight, symmetric(layer.parametrizations.weight.original)).item())


class NoisyParametrization(nn.Module):
    def forward(self, X):
        print("Computing the Parametrization")
        return X


layer = nn.Linear(4, 4)
parametrize.register_parametrization(layer, "weight", NoisyParametrization())
print("Here, layer.weight is recomputed every time we call it")
foo = layer.weight + layer.weight.T
bar = layer.weight.sum()
with parametrize.cached():
    print("Here, it is computed just the first time layer.weight is called")
    foo = layer.weight + layer.weight.T
    bar = layer.weight.sum()
print("cached sums", foo.sum().item(), bar.item())


class CayleyMap(nn.Module):
    def __init__(self, n):
        super().__init__()
        self.register_buffer("Id", torch.eye(n))

    def forward(self, X):
        # (I + X)(I - X)^{-1}
        return torch.linalg.solve(self.Id - X, self.Id + X)


layer = nn.Linear(3, 3)
parametrize.register_parametrization(layer, "weight", Skew())
parametrize.register_parametrization(layer, "weight", CayleyMap(3))
X = layer.weight
print("orthogonal by Cayley", torch.dist(X.T @ X, torch.eye(3)).item() < 1e-5)
print(layer.parametrizations.weight)


class MatrixExponential(nn.Module):
    def forward(self, X):
        return torch.matrix_exp(X)


layer_orthogonal = nn.Linear(3, 3)
parametrize.register_parametrization(layer_orthogonal, "weight", Skew())
parametrize.register_parametrization(layer_orthogonal, "weight", MatrixExponential())
X = layer_orthogonal.weight
print("orthogonal by exp", torch.dist(X.T @ X, torch.eye(3)).item() < 1e-5)

layer_spd = nn.Linear(3, 3)
parametrize.register_parametrization(layer_spd, "weight", Symmetric())
parametrize.register_parametrization(layer_spd, "weight", MatrixExponential())
X = layer_spd.weight
print("spd", torch.dist(X, X.T).item() < 1e-5, (torch.linalg.eigvalsh(X) > 0.).all().item())


class Symmetric2(nn.Module):
    def forward(self, X):
        return X.triu() + X.triu(1).transpose(-1, -2)

    def right_inverse(self, A):
        return A.triu()


layer = nn.Linear(3, 3)
parametrize.register_parametrization(layer, "weight", Symmetric2())
X = torch.rand(3, 3)
X = X + X.T
layer.weight = X
print("initialised", torch.allclose(layer.weight, X))
print(layer.parametrizations.weight.original)


class NoisyParametrization2(nn.Module):
    def forward(self, X):
        return X

    def right_inverse(self, A):
        print("right_inverse called")
        return A


layer = nn.Linear(4, 4)
parametrize.register_parametrization(layer, "weight", NoisyParametrization2())
print("Initialization")
layer.weight = torch.zeros(4, 4)
print("sum after assignment", layer.weight.sum().item())

# training through the parametrization
layer = nn.Linear(3, 3)
parametrize.register_parametrization(layer, "weight", Symmetric())
opt = torch.optim.SGD(layer.parameters(), lr=0.1)
x = torch.randn(16, 3)
y = torch.randn(16, 3)
for step in range(5):
    opt.zero_grad()
    loss = ((layer(x) - y) ** 2).mean()
    loss.backward()
    opt.step()
    print(f"step {step} loss {loss.item():.5f}")
print("still symmetric", torch.allclose(layer.weight, layer.weight.T))
print([n for n, _ in layer.named_parameters()])

layer = nn.Linear(3, 3)
print("Before:")
print(layer)
print(layer.weight)
parametrize.register_parametrization(layer, "weight", Skew())
print("\nParametrized:")
print(layer)
print(layer.weight)
parametrize.remove_parametrizations(layer, "weight")
print("\nAfter. Weight has skew-symmetric values but it is unconstrained:")
print(layer)
print(layer.weight)

layer = nn.Linear(3, 3)
parametrize.register_parametrization(layer, "weight", Skew())
print("\nParametrized:")
print(layer.weight)
parametrize.remove_parametrizations(layer, "weight", leave_parametrized=False)
print("\nWhen leave_parametrized=False, the original is kept:")
print(layer.weight)
print("is_parametrized", parametrize.is_parametrized(layer))
