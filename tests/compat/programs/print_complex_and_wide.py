"""Printing the less common numbers: complex tensors (real/imag formatting, nan and inf
parts, 0-d), large int64 values and negative columns aligned, float64 with precision 8,
mixed magnitudes in one column, very small denormals, and tensors after .abs()/.angle()."""
# compat: exact
import torch

print(torch.tensor([1 + 2j, -3.5 - 0.25j]), torch.tensor(2j), torch.tensor([0j]))
print(torch.tensor([[1 + 1j, 2], [3, 4 - 4j]], dtype=torch.complex128))
print(torch.tensor([1e5 + 1j, 1e-5j]), torch.tensor([float("nan") + 1j, complex(float("inf"), -1)]))
z = torch.tensor([3 + 4j, -1 + 0j])
print(z.abs(), z.angle(), z.real, z.imag, z.conj(), torch.view_as_real(z))
print(torch.tensor([2**40, -2**40, 7]), torch.tensor([-1, -22, -333, 4444]), torch.tensor([9223372036854775807]))
print(torch.tensor([[-1.5, 200.25], [3.125, -4000.0]]), torch.tensor([0.1, 123456.7]))
torch.set_printoptions(precision=8)
print(torch.tensor([1 / 3, 2 / 3], dtype=torch.float64), torch.tensor([1 / 3]), torch.tensor([0.1 + 0.2], dtype=torch.float64))
torch.set_printoptions(precision=4)
print(torch.tensor([1e-45, 1e-40]), torch.tensor([1e-300], dtype=torch.float64), torch.tensor([5e-324], dtype=torch.float64))
print(torch.tensor([3.4028e38, -3.4028e38]), torch.finfo(torch.float32).max, torch.tensor(torch.finfo(torch.float16).max, dtype=torch.float16))
print(torch.tensor([0.5, 1.5, 2.5, -0.5]).round(), torch.tensor([1.23456789]).double(), torch.tensor([1.0, 2.0]).half() / 3)
print(torch.arange(0, 1, 0.1), torch.arange(10, dtype=torch.float64) ** 4, torch.logspace(-3, 3, 4))
print(torch.tensor([1.0, -1.0]) / 0, torch.tensor([[float("nan")] * 3] * 2), torch.tensor([-0.0]))
print(torch.tensor([[1, 2, 3]] * 3, dtype=torch.int8) * 40, torch.tensor([True] * 12).view(3, 4))
