"""Fixed-width integers wrap and bools count: int8/uint8/int16/int32 overflow in add, mul,
neg and sum (sum widens to int64), casting out-of-range floats, bool tensors in arithmetic,
sum/mean of masks, bool subtraction and negation errors, and logical vs bitwise ops."""
# compat: exact
import torch

u = torch.tensor([250, 5, 0], dtype=torch.uint8)
print(u + 10, u * 2, u - 10, -u, u.sum(), u.sum().dtype, u.cumsum(0), u.prod())
s = torch.tensor([120, -120, 127], dtype=torch.int8)
print(s + 10, s * 2, -s, s.abs(), s.sum(), s.sum(dtype=torch.int8), s.to(torch.uint8))
print(torch.tensor([30000], dtype=torch.int16) * 2, torch.tensor([2**31 - 1], dtype=torch.int32) + 1)
print(torch.tensor([2**62]) * 4, torch.tensor([255, 256, -1, 300]).to(torch.uint8))
print(torch.tensor([1.9, -1.9, 2.5]).to(torch.int64), torch.tensor([1.9, -1.9]).long(), torch.tensor([0.5, 1.5, 2.5]).round())
m = torch.tensor([True, False, True, True])
print(m.sum(), m.sum().dtype, m.float().mean(), m.int(), m.long().cumsum(0), m * 1, m + m, m * m)
print(m & ~m, m | ~m, m ^ m, ~m, m.logical_not(), torch.logical_and(m, torch.tensor(1)), m.all(), m.any())
try:
    print(m - m)
except RuntimeError as e:
    print("bool sub", type(e).__name__)
try:
    print(-m)
except RuntimeError as e:
    print("bool neg", type(e).__name__)
print(m.to(torch.float16), torch.tensor([0, 3, -1]).bool(), torch.tensor([0.0, 0.1, float("nan")]).bool())
print(m.nonzero(), m.nonzero(as_tuple=True), m.int().argmax(), torch.count_nonzero(m), m.sum(0, keepdim=True))
try:
    m.argmax()
except RuntimeError as e:
    print("argmax of bool", type(e).__name__)
x = torch.tensor([1, 5, 3])
print((x > 2).sum().item(), (x > 2).float().mean().item(), x[(x > 2) & (x < 5)], (x == 5).nonzero().item())
print(torch.tensor([1, 2, 3], dtype=torch.int32).sum().dtype, torch.tensor([1.0], dtype=torch.float16).sum().dtype)
print(torch.iinfo(torch.int8), torch.iinfo(torch.uint8).max, torch.finfo(torch.float16).eps, torch.finfo(torch.bfloat16))
print(torch.finfo(torch.float32).tiny, torch.finfo(torch.float64).max, torch.iinfo(torch.int64).min)
print(torch.tensor([100], dtype=torch.int8) * torch.tensor([2], dtype=torch.int8), torch.tensor([200], dtype=torch.uint8) + torch.tensor([100], dtype=torch.uint8))
print(torch.tensor(-1).to(torch.uint8), torch.tensor([3.99], dtype=torch.float16).int(), torch.tensor(65504.0, dtype=torch.float16) * 2)
