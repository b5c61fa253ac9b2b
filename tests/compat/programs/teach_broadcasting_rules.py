# compat: exact
"""Teaching notebook on broadcasting: the trailing-dimension rule shown on shapes
(torch.broadcast_shapes), column + row vectors, a (3,1) by (1,2) table, keepdim for normalising
rows (`A / A.sum(axis=1, keepdims=True)`), the classic mistakes (a (3,) bias added to a (3,1)
column giving a (3,3) matrix; incompatible shapes raising RuntimeError), expand vs repeat,
unsqueeze/None indexing for outer products, in-place broadcasting that cannot grow the
destination, and broadcasting in the backward pass (the gradient summed back to the shape)."""
import torch

a = torch.arange(3).reshape((3, 1))
b = torch.arange(2).reshape((1, 2))
print(a, b, a + b, sep='\n')
print(torch.broadcast_shapes((3, 1), (1, 2)), torch.broadcast_shapes((5, 1, 4), (3, 1)))
A = torch.arange(20, dtype=torch.float32).reshape(5, 4)
sum_A = A.sum(axis=1, keepdims=True)
print(sum_A, sum_A.shape)
print(A / sum_A)
print(A.cumsum(axis=0))
print(A.sum(axis=[0, 1]), A.mean(axis=0), A.sum() / A.numel())
col = torch.tensor([[1.], [2.], [3.]])
bias = torch.tensor([10., 20., 30.])
print((col + bias).shape, col + bias)
print(col + bias[:, None])
try:
    torch.ones(3, 4) + torch.ones(3)
except RuntimeError as e:
    print('RuntimeError:', type(e).__name__, 'size of tensor' in str(e) or 'shape' in str(e))
try:
    torch.ones(2, 3) * torch.ones(2)
except RuntimeError as e:
    print('RuntimeError:', type(e).__name__, 'size of tensor' in str(e) or 'shape' in str(e))
x = torch.tensor([1, 2, 3])
print(x.expand(2, 3), x.expand(2, 3).stride(), x.repeat(2, 1).stride(), x.repeat(2, 2))
print(x.unsqueeze(1) * x.unsqueeze(0), x[:, None] * x[None, :], torch.outer(x, x).equal(x[:, None] * x))
dst = torch.zeros(3)
dst += torch.ones(1)
print(dst)
try:
    small = torch.zeros(3)
    small += torch.ones(2, 3)
except RuntimeError as e:
    print('RuntimeError:', type(e).__name__, 'size of tensor' in str(e) or 'shape' in str(e))
w = torch.ones(1, 3, requires_grad=True)
inp = torch.arange(6.).reshape(2, 3)
(inp * w).sum().backward()
print(w.grad, w.grad.shape)
s = torch.tensor(2.0, requires_grad=True)
(s * inp).sum().backward()
print(s.grad, s.grad.shape)
print(torch.arange(4).reshape(2, 2) @ torch.tensor([1, 1]), torch.ones(2, 1, 3).squeeze().shape)
print(torch.tensor([[1, 2]]) == torch.tensor([[1], [2]]))
print(torch.where(torch.tensor([[True], [False]]), torch.tensor([1, 2, 3]), 0))
