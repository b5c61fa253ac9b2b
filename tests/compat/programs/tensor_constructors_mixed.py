"""How tensors are built from Python data: torch.tensor on nested lists mixing ints, floats and
bools, numpy scalars and 0-d tensors inside lists, tuples, empty lists, ragged lists (their
error), torch.as_tensor (no copy when it can), torch.Tensor(list) (always float32) against
torch.tensor, the legacy torch.Tensor(2, 3), and the dtype inference rules."""
# compat: exact
import numpy as np
import torch

cases = [
    [1, 2, 3], [1.0, 2, 3], [True, False], [True, 2], [True, 2.5], [[1, 2], [3, 4.5]],
    (1, 2), [], [[]], [np.float64(1.5), 2], [np.int32(1), np.int64(2)], [np.float32(1)],
    [np.bool_(True), False], [torch.tensor(1.5), 2.0], 3, 3.0, True, [[[1]], [[2]]],
    [2**40, 1], [1e40], [float("nan")], [np.float16(1.0)],
]
for c in cases:
    t = torch.tensor(c)
    print(repr(c) if not isinstance(c, list) or len(c) < 3 else "", t.dtype, t.shape, t)
for bad in ([[1, 2], [3]], [1, "a"], [[1], 2], [1, [2]], [[[1, 2]], [[1]]], [np.ones(2), np.ones(3)]):
    try:
        torch.tensor(bad)
    except (ValueError, TypeError) as e:
        print("bad", bad, type(e).__name__)
print(torch.tensor([np.ones(2), np.zeros(2)]), torch.tensor([np.ones(2, dtype=np.float32), np.arange(2)]).dtype)
print(torch.tensor([1, 2], dtype=torch.float64), torch.tensor([1.7, -1.7], dtype=torch.int64))
print(torch.tensor([1, 0, 2], dtype=torch.bool), torch.tensor(300, dtype=torch.int16))
print(torch.Tensor([1, 2, 3]), torch.Tensor([[1, 2]]).dtype, torch.Tensor(2, 3).shape,
      torch.Tensor().shape, torch.FloatTensor([1]).dtype, torch.LongTensor([1.9]))
print(torch.tensor([1, 2]).dtype, torch.Tensor([1, 2]).dtype, torch.DoubleTensor([1]).dtype)
a = np.array([1.0, 2.0])
print(torch.as_tensor(a).dtype, torch.as_tensor([1, 2]).dtype, torch.as_tensor(a, dtype=torch.float32).dtype)
src = torch.ones(3)
print(torch.as_tensor(src) is src, torch.as_tensor(src, dtype=torch.float64) is src)
print(torch.tensor(src).shape if False else torch.tensor(src.tolist()), src.clone().detach())
print(torch.zeros(2, 3, dtype=torch.int64), torch.ones((2,)), torch.empty(0).dtype)
print(torch.zeros_like(torch.tensor([1, 2])), torch.ones_like(torch.tensor([1.5]), dtype=torch.int32))
print(torch.full((2,), 3), torch.full((2,), 3.0), torch.full((2,), True), torch.full_like(src, 7))
print(torch.arange(3), torch.arange(0, 1, 0.25), torch.arange(5, dtype=torch.float64)[-1])
print(torch.tensor([[1, 2], [3, 4]]).new_tensor([5, 6]), src.new_zeros(2), src.new_full((1,), 2))
print(torch.stack([torch.tensor(1), torch.tensor(2)]), torch.tensor([[1.0]]).item())
print(torch.get_default_dtype(), torch.tensor([1.5]).dtype)
torch.set_default_dtype(torch.float64)
print(torch.tensor([1.5]).dtype, torch.tensor([1]).dtype, torch.zeros(1).dtype, torch.Tensor([1]).dtype)
torch.set_default_dtype(torch.float32)
print(torch.tensor([1.5]).dtype, torch.randn(2).dtype)
