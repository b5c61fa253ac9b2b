"""out= and in-place ops as users misuse them: out= of a wider or narrower dtype (allowed
casts, refused ones with their error), out= of the wrong shape (resized, with PyTorch's
warning going to stderr), an in-place op on an int tensor with a float operand (refused), on
bool, integer in-place division, and the augmented assignments' results printed."""
# compat: exact
import warnings

import torch

warnings.simplefilter("ignore")
a, b = torch.tensor([1.0, 2.0]), torch.tensor([3.0, 4.0])
out64 = torch.empty(2, dtype=torch.float64)
print(torch.add(a, b, out=out64), out64.dtype)
out16 = torch.empty(2, dtype=torch.float16)
print(torch.mul(a, b, out=out16))
outi = torch.empty(2, dtype=torch.int64)
for name, fn in (("add", lambda: torch.add(a, b, out=outi)), ("exp", lambda: torch.exp(a, out=outi)),
                 ("sum", lambda: torch.sum(a, 0, out=outi)), ("matmul", lambda: torch.matmul(a, b, out=outi)),
                 ("eq into float", lambda: torch.eq(a, b, out=torch.empty(2)))):
    try:
        print(name, fn())
    except RuntimeError as e:
        print(name, type(e).__name__)
print(torch.add(torch.tensor([1, 2]), 3, out=torch.empty(2, dtype=torch.float32)))
print(torch.gt(a, 1.5, out=torch.empty(2, dtype=torch.bool)), torch.gt(a, 1.5, out=torch.empty(2, dtype=torch.int32)))
small = torch.empty(0)
print(torch.add(a, b, out=small), small.shape)
wrong = torch.zeros(5)
print(torch.mul(a, b, out=wrong), wrong.shape)
r = torch.empty(2)
torch.sqrt(b, out=r)
print(r, torch.cat([a, b], out=torch.empty(4)), torch.stack([a, b], out=torch.empty(2, 2)))
mx = torch.empty(2)
idx = torch.empty(2, dtype=torch.long)
print(torch.max(torch.tensor([[1.0, 5.0], [7.0, 2.0]]), 1, out=(mx, idx)), mx, idx)
i = torch.tensor([5, 7])
for name, fn in (("div_", lambda t: t.div_(2)), ("true_divide_", lambda t: t.true_divide_(2)),
                 ("floor_divide_", lambda t: t.floor_divide_(2)), ("mul_ 0.5", lambda t: t.mul_(0.5)),
                 ("pow_ 0.5", lambda t: t.pow_(0.5)), ("add_ int", lambda t: t.add_(1)),
                 ("div_ floor", lambda t: t.div_(2, rounding_mode="floor")), ("sqrt_", lambda t: t.sqrt_()),
                 ("clamp_ float", lambda t: t.clamp_(0.5, 6.5)), ("fill_ float", lambda t: t.fill_(2.7))):
    try:
        print(name, fn(i.clone()))
    except RuntimeError as e:
        print(name, type(e).__name__)
t = torch.tensor([1, 2])
t *= 3
t //= 2
t -= 1
t **= 2
print(t, t.dtype)
f = torch.tensor([1.0, 2.0])
f //= 0.5
f %= 3
f += torch.tensor([1, 1])
f /= torch.tensor(2)
print(f, f.dtype)
u = torch.tensor([10], dtype=torch.uint8)
u -= 20
print(u)
bl = torch.tensor([True, False])
bl |= torch.tensor([False, False])
bl &= True
print(bl)
try:
    bl += 1
except RuntimeError as e:
    print("bool += 1", type(e).__name__)
