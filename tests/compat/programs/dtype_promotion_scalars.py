"""PyTorch's type promotion as users meet it: Python ints/floats/bools against tensors of every
dtype (the scalar never widens the tensor's category dtype), 0-d tensors behaving like scalars,
dimensioned tensors winning, int tensors with float scalars, torch.result_type, promote_types
and can_cast, and the in-place ops that refuse a promotion (their error)."""
# compat: exact
import torch

dts = [torch.bool, torch.uint8, torch.int8, torch.int16, torch.int32, torch.int64,
       torch.float16, torch.bfloat16, torch.float32, torch.float64]
for dt in dts:
    t = torch.ones(2, dtype=dt)
    print(dt, (t + 1).dtype, (t + 1.5).dtype, (t * True).dtype, (t / 2).dtype, (t // 1).dtype if dt != torch.bool else "")
for a in dts:
    print(a, [str(torch.promote_types(a, b)).replace("torch.", "") for b in dts])
x32 = torch.ones(2)
print((x32 + torch.tensor(1.0, dtype=torch.float64)).dtype, (x32 + torch.ones(2, dtype=torch.float64)).dtype)
print((torch.ones(2, dtype=torch.int32) + torch.tensor(1)).dtype, (torch.tensor([1]) + torch.tensor(1.0)).dtype)
print((torch.ones(2, dtype=torch.uint8) + torch.tensor(-1)).dtype, (torch.tensor(1, dtype=torch.int8) + torch.tensor(1, dtype=torch.uint8)).dtype)
print((torch.ones(2, dtype=torch.float16) + torch.tensor(1.0, dtype=torch.float64)).dtype)
print((torch.ones(2, dtype=torch.int64) + torch.tensor(1.0, dtype=torch.float16)).dtype)
print(torch.result_type(torch.tensor([1]), 1.0), torch.result_type(torch.tensor([1], dtype=torch.int8), 1000))
print(torch.result_type(2, 3.0), torch.result_type(torch.tensor(1, dtype=torch.int32), torch.tensor([1], dtype=torch.int8)))
print(torch.can_cast(torch.float64, torch.float32), torch.can_cast(torch.float32, torch.int32),
      torch.can_cast(torch.int32, torch.float32), torch.can_cast(torch.bool, torch.uint8))
print(torch.tensor([1, 2]) * 1.5, torch.tensor([1, 2]) / torch.tensor([2, 2]), torch.tensor([3]) ** 2, torch.tensor([3]) ** -1.0)
print(torch.tensor([True, False]) + True, torch.tensor([True]) * 3, torch.tensor([True]) + 0.5)
i = torch.tensor([1, 2])
for op in ("add_", "mul_", "sub_", "div_"):
    try:
        print(op, getattr(i.clone(), op)(1.5))
    except RuntimeError as e:
        print(op, type(e).__name__)
f = torch.tensor([1.0, 2.0])
print(f.add_(torch.tensor([1, 1])), f.mul_(torch.tensor(2, dtype=torch.float64)), f.dtype)
try:
    f.add_(torch.tensor([1.0], dtype=torch.complex64))
except RuntimeError as e:
    print("complex into float", type(e).__name__)
b = torch.tensor([True, False])
try:
    b.add_(1)
except RuntimeError as e:
    print("bool add_", type(e).__name__)
try:
    i += 0.5
except RuntimeError as e:
    print("int += float", type(e).__name__)
h = torch.ones(2, dtype=torch.float16)
h += torch.ones(2, dtype=torch.float64)
print(h, h.dtype)
