"""Writing into tensors: setitem with a scalar, a broadcast row or column, a tensor of another
dtype (cast to the target's), masks and index lists (duplicates: last write wins for plain
assignment), index_put_ with accumulate=True (duplicates add), masked_fill_/masked_scatter_,
index_add_/index_fill_/scatter_, and the errors for shape mismatches."""
# compat: exact
import torch

x = torch.zeros(3, 4)
x[0] = 1
x[1] = torch.tensor([1, 2, 3, 4])
x[:, 0] = torch.tensor([9.5, 8.5, 7.5], dtype=torch.float64)
x[2, 1:] = torch.tensor([True, False, True])
print(x)
x[x > 5] = -1
x[[0, 2], [3, 3]] = torch.tensor([10.0, 20.0])
print(x)
i = torch.zeros(4, dtype=torch.int64)
i[0] = 2.7
i[1:3] = torch.tensor([1.9, -1.9])
i[3] = True
print(i)
b = torch.zeros(3, dtype=torch.bool)
b[1] = 5
b[2] = 0.0
print(b)
u = torch.zeros(2, dtype=torch.uint8)
u[0] = 300 % 256
u[1] = torch.tensor(255)
print(u)
d = torch.zeros(5)
d[torch.tensor([0, 0, 2])] = torch.tensor([1.0, 2.0, 3.0])
print(d)
d.index_put_((torch.tensor([1, 1, 4]),), torch.tensor([1.0, 2.0, 3.0]), accumulate=True)
print(d)
d.index_put_((torch.tensor([4]),), torch.tensor(0.5))
print(d)
z = torch.zeros(2, 3)
z.index_put_((torch.tensor([0, 0, 1]), torch.tensor([1, 1, 2])), torch.tensor([1.0, 1.0, 5.0]), accumulate=True)
print(z)
print(z.masked_fill(z == 0, -1.0), z.masked_fill_(z > 1, 9.0))
print(torch.zeros(4).index_add_(0, torch.tensor([0, 0, 3]), torch.tensor([1.0, 2.0, 3.0])))
print(torch.zeros(2, 3).index_fill_(1, torch.tensor([0, 2]), 7.0))
print(torch.zeros(2, 4).scatter_(1, torch.tensor([[1], [3]]), 1.0))
print(torch.zeros(2, 4).scatter_add_(1, torch.tensor([[1, 1]]), torch.ones(1, 2)))
print(torch.zeros(5).masked_scatter_(torch.tensor([True, False, True, False, True]), torch.tensor([1.0, 2.0, 3.0])))
g = torch.ones(2, 3, 4)
g[..., 0] = torch.tensor([[1.0], [2.0]])
g[:, 1] = 5
g[0, :, :] = torch.arange(4.0)
print(g)
for bad in (lambda: x.__setitem__(0, torch.ones(5)), lambda: x.__setitem__((slice(None), 0), torch.ones(2))):
    try:
        bad()
    except RuntimeError as e:
        print("shape mismatch", type(e).__name__)
try:
    x[torch.tensor([True, False])] = 1.0
except IndexError as e:
    print("mask shape", type(e).__name__)
try:
    x[0] = "a"
except (TypeError, RuntimeError) as e:
    print("string", type(e).__name__)
