"""NumPy and tensors sharing memory: torch.from_numpy (writes both ways, dtypes kept, negative
strides refused), t.numpy() then in-place ops on either side, np.asarray(t) and np.array(t)
(copy or not), .numpy() on a tensor that requires grad (its error) and after detach()."""
# compat: exact
import numpy as np
import torch

a = np.arange(6, dtype=np.float32).reshape(2, 3)
t = torch.from_numpy(a)
a[0, 1] = 10.0
t[1, 2] = -1.0
print(t, a.tolist(), t.dtype)
t.add_(1)
print(a)
t2 = t + 1
a[0, 0] = 99.0
print(t2[0, 0], t[0, 0])
for dt in (np.float64, np.int32, np.int64, np.uint8, np.bool_, np.float16, np.int16, np.int8):
    x = torch.from_numpy(np.array([1, 0, 2], dtype=dt))
    print(dt.__name__, x.dtype, x)
n = t.numpy()
n *= 2
print(t, n.dtype, type(n).__name__, n.shape)
t.zero_()
print(n)
print(np.asarray(t).dtype, np.array(torch.tensor([1, 2])).dtype, np.asarray(torch.tensor(2.5)).shape)
c = np.array(t)
c[0, 0] = 5
print(t[0, 0], np.shares_memory(np.asarray(t), t.numpy()))
try:
    torch.from_numpy(np.arange(4.0)[::-1])
except ValueError as e:
    print("negative strides", type(e).__name__)
print(torch.from_numpy(np.arange(6.0)[::2]), torch.from_numpy(np.arange(6).reshape(2, 3).T).stride())
w = torch.ones(2, requires_grad=True)
try:
    w.numpy()
except RuntimeError as e:
    print("numpy of requires_grad", type(e).__name__)
print(w.detach().numpy(), (w * 2).detach().numpy().sum(), w.numpy(force=True))
print(torch.from_numpy(np.float64(3.5) * np.ones(1)), torch.from_numpy(np.array(7)).shape)
print(torch.as_tensor(a) is not None, torch.as_tensor(a).data_ptr() == torch.from_numpy(a).data_ptr())
try:
    torch.from_numpy([1, 2, 3])
except TypeError as e:
    print("from_numpy list", type(e).__name__)
b = np.zeros(3)
tb = torch.as_tensor(b, dtype=torch.float32)
tb += 1
print(b, tb)
print(torch.tensor(np.array([[1, 2], [3, 4]])).dtype, torch.tensor(np.float32(2.5)).dtype)
