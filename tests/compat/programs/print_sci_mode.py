"""When torch prints in scientific notation: a ratio of largest to smallest magnitude over 1000,
a largest magnitude over 1e8, a smallest under 1e-4; zeros and infs left out of the decision;
integers in float tensors; the forced sci_mode=True/False and back to automatic."""
# compat: exact
import torch

cases = [
    [1.0, 1000.0], [1.0, 1001.0], [0.5, 999.0], [1e-4, 1.0], [1.1e-4, 0.1], [9.9e-5, 1.0],
    [1e8, 1.0], [99999999.0, 1.0], [1e9], [0.0, 1e-5], [0.0, 0.0], [float("inf"), 1e-6],
    [123.456, 0.001], [1e-10, 1e-12], [-1e5, 2.0], [1e16, 1e16 + 2], [100.0, 200.0, 300.0],
    [12345678.0], [0.1, 0.25, 1e3], [3.0, -1e-3], [1e30, -1e-30], [6.02e23],
]
for c in cases:
    print(c, torch.tensor(c))
print(torch.tensor(cases[0], dtype=torch.float64) / 3)
print(torch.tensor([1e-5, 1e5], dtype=torch.float64))
torch.set_printoptions(sci_mode=True)
print(torch.tensor([1.0, 2.5, 100.0]), torch.tensor(3.0), torch.tensor([1, 2]))
torch.set_printoptions(sci_mode=False)
print(torch.tensor([1e-8, 1.0, 1e8]), torch.tensor([1e-10]), torch.tensor(1e12))
torch.set_printoptions(sci_mode=None)
print(torch.tensor([1e-8, 1.0, 1e8]))
torch.set_printoptions(precision=2, sci_mode=True)
print(torch.tensor([123.456, 0.000789]))
torch.set_printoptions(profile="default")
print(torch.tensor([123.456, 0.000789]))
