# compat: exact
"""Teaching notebook on tensors: torch.Tensor (the class, float32 by default, shape arguments
or data) against torch.tensor (infers dtype, copies), torch.as_tensor/from_numpy sharing memory,
in-place vs out-of-place checked with id() and data_ptr() comparisons (only the comparisons are
printed), the d2l memory-saving idioms `Z[:] = X + Y` and `X += Y`, `before = id(Y); Y = Y + X`,
torch.zeros_like, type conversion with .numpy()/.item()/float(), and the pitfalls of a view
aliasing its base."""
import numpy as np
import torch

a = torch.Tensor(2, 3)
print(a.shape, a.dtype, type(a).__name__)
b = torch.Tensor([1, 2, 3])
c = torch.tensor([1, 2, 3])
print(b, b.dtype, c, c.dtype)
print(torch.Tensor([[1, 2], [3, 4]]).dtype, torch.tensor([[1., 2], [3, 4]]).dtype)
print(torch.tensor(3.5), torch.tensor(3.5).dim(), torch.Tensor(0).shape, torch.Tensor([]).shape)
print(torch.tensor([True, False]).dtype, torch.tensor([1, 2.5]).dtype, torch.tensor(7).dtype)
print(torch.FloatTensor([1, 2]), torch.LongTensor([1, 2]), torch.DoubleTensor([1.5]).dtype)
print(torch.IntTensor([3]).dtype, torch.BoolTensor([1, 0]), torch.ByteTensor([255]).dtype)
print(isinstance(c, torch.Tensor), type(c) is torch.Tensor, torch.is_tensor(c))

X = torch.arange(12, dtype=torch.float32).reshape((3, 4))
Y = torch.tensor([[2.0, 1, 4, 3], [1, 2, 3, 4], [4, 3, 2, 1]])
print(torch.cat((X, Y), dim=0), torch.cat((X, Y), dim=1), sep='\n')
print(X == Y, X.sum())

before = id(Y)
Y = Y + X
print(id(Y) == before)
Z = torch.zeros_like(Y)
print('id(Z):', id(Z) == id(Z))
z_id = id(Z)
Z[:] = X + Y
print(id(Z) == z_id)
before = id(X)
X += Y
print(id(X) == before)
ptr = X.data_ptr()
X.add_(1)
print(X.data_ptr() == ptr)
X = X.mul(2)
print(X.data_ptr() == ptr)

A = X.numpy()
B = torch.tensor(A)
print(type(A).__name__, type(B).__name__, A.dtype, B.dtype)
a = torch.tensor([3.5])
print(a, a.item(), float(a), int(a))

arr = np.arange(6.0)
shared = torch.from_numpy(arr)
asted = torch.as_tensor(arr)
copied = torch.tensor(arr)
arr[0] = 100
print(shared[0].item(), asted[0].item(), copied[0].item(), shared.dtype)
print(shared.data_ptr() == asted.data_ptr(), shared.data_ptr() == copied.data_ptr())

base = torch.arange(6.)
view = base.view(2, 3)
view[0, 0] = -1
print(base, view.data_ptr() == base.data_ptr(), view._base is base, base._base is None)
sl = base[2:]
print(sl.data_ptr() == base.data_ptr() + 2 * base.element_size(), sl.storage_offset())
cl = base.clone()
cl[1] = 42
print(base[1], cl[1], cl.data_ptr() == base.data_ptr())
t = base.t() if base.dim() == 2 else base.reshape(3, 2).t()
print(t.is_contiguous(), t.contiguous().is_contiguous(), t.stride(), t.contiguous().stride())
print(torch.empty(2, 2).shape, torch.ones(2, 3).new_zeros(1, 2), torch.full((2,), 7))
print(torch.zeros(2, 3, dtype=torch.int64).new_tensor([1, 2]).dtype,
      torch.Tensor.new_ones(torch.zeros(1), (2,)))
