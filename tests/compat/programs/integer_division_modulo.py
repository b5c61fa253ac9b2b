"""Integer arithmetic with negatives, as Python and PyTorch define it: // floors, % takes the
divisor's sign, torch.div rounding_mode='trunc'/'floor', true division of ints giving floats,
fmod against remainder, division by zero for ints (its error) and floats (inf/nan), and
Python's own operators on 0-d tensors."""
# compat: exact
import torch

a = torch.tensor([7, -7, 7, -7, 0, 5])
b = torch.tensor([2, 2, -2, -2, 3, 5])
print(a // b, a % b, a / b, torch.true_divide(a, b))
print(torch.div(a, b, rounding_mode="trunc"), torch.div(a, b, rounding_mode="floor"), torch.div(a, b))
print(torch.fmod(a, b), torch.remainder(a, b), torch.floor_divide(a, b))
print(a // 2, a % 3, a % -3, -7 // torch.tensor(2), -7 % torch.tensor(3), 7 / torch.tensor(2))
fa = a.float()
print(fa // 2, fa % 3, fa % -3, torch.fmod(fa, -3), fa / 0, -fa / 0, torch.tensor(0.0) / 0)
print(torch.tensor([-7.5, 7.5]) // 2, torch.tensor([-7.5, 7.5]) % 2, torch.tensor(-0.5) // 1)
for name, fn in (("//", lambda: a // 0), ("%", lambda: a % 0), ("div floor", lambda: torch.div(a, 0, rounding_mode="floor"))):
    try:
        print(name, fn())
    except RuntimeError as e:
        print(name, "by zero", type(e).__name__)
print(a / 0)
print(torch.tensor(7) // torch.tensor(2), (torch.tensor(7) // 2).dtype, (torch.tensor(7) / 2).dtype)
print(torch.tensor([5], dtype=torch.uint8) // 2, torch.tensor([-5], dtype=torch.int8) % 3)
print(torch.tensor(2) ** 10, torch.tensor(2.0) ** 0.5, 2 ** torch.tensor([1, 2, 3]), torch.tensor([4]) ** 0.5)
try:
    print(torch.tensor([2]) ** -1)
except RuntimeError as e:
    print("int ** negative", type(e).__name__)
x = torch.arange(-5, 6)
print(x // 4, x % 4, torch.div(x, 4, rounding_mode="trunc"), x.abs() % 4)
print(divmod(17, 5), (torch.tensor(17) // 5).item(), (torch.tensor(17) % 5).item())
print(torch.tensor([1, 2, 3]).sum() / 2, torch.tensor([1, 2, 3]).mean(dtype=torch.float32))
try:
    torch.tensor([1, 2, 3]).mean()
except RuntimeError as e:
    print("mean of ints", type(e).__name__)
print(torch.tensor([10]) >> 1, torch.tensor([1]) << 3, torch.tensor([6]) & 3, torch.tensor([6]) | 1, torch.tensor([6]) ^ 2)
