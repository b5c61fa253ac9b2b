"""NumPy scalars, ufuncs and arrays on either side of tensor operators, as they come out of data
pipelines: np.float64 * t (the result stays a float32 tensor), t * np.float32, np.int64 + t,
comparisons, np arrays with tensors, np.mean/np.sum/np.exp applied to tensors, and numpy
functions of tensors that return numpy arrays."""
# compat: exact
import numpy as np
import torch

t = torch.tensor([1.0, 2.0, 3.0])
i = torch.tensor([1, 2, 3])
for s in (np.float64(0.5), np.float32(0.5), np.int64(2), np.int32(2), np.float16(2), np.uint8(3)):
    for r in (t * s, s * t, t + s, s - t, i * s, s * i, t / s, i // s if s else i):
        print(type(s).__name__, type(r).__name__, r.dtype, r)
print(np.float64(2) ** t, t ** np.float64(2), np.int64(3) > t, t >= np.float32(2))
print(np.float64(1.5) + torch.tensor(2), torch.tensor(2) * np.float64(1.5))
print(t.sum() * np.float64(2), type(t.sum() * np.float64(2)).__name__)
print(float(np.float64(2) * t.sum()), np.sqrt(np.float64(4)) * t)
x = torch.tensor([1.0, 4.0])
print(np.mean(x.numpy()), np.sum(x.numpy()), np.exp(x.numpy()).dtype, np.sqrt(x))
print(type(np.mean(x.numpy())).__name__, np.max(x.numpy()) == x.max().item())
print(np.exp(x), np.add(x, 1), np.maximum(x, 2.0), np.isnan(x), np.cumsum(x), np.abs(-i), np.log1p(x).dtype)
print(type(np.sqrt(torch.tensor(4.0))).__name__, np.sqrt(torch.tensor(4.0)), np.round(x / 3, 2), np.clip(x, 0, 2))
print(torch.tensor(np.arange(3)) + torch.tensor(np.arange(3.0)))
print((torch.tensor([1, 2]) + torch.from_numpy(np.array([0.5, 0.5]))).dtype)
print(torch.tensor([0.5], dtype=torch.float64) * torch.tensor([2.0]))
idx = np.array([2, 0])
print(t[idx], t[np.int64(1)], t[np.array(1)], i[np.array([True, False, True])])
t[np.int32(0)] = np.float64(9)
print(t)
print(torch.full((2,), np.float32(1.5)), torch.zeros(np.int64(2), np.int32(3)).shape)
print(torch.arange(np.int64(4)), torch.linspace(np.float64(0), 1, np.int64(3)))
print(torch.ones(3).view(np.int64(3), 1).shape, t.reshape(np.array([1, 3])).shape if False else "")
print(t.numpy().tolist(), list(t.numpy()), t.numpy()[np.newaxis].shape)
