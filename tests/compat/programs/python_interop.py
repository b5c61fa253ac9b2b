"""Tensors with Python and NumPy: len, iteration, conversions, format strings, sum() of tensors,
numpy interop, indexing with numpy integers and arrays, deepcopy, dict keys, containment."""
import copy

import numpy as np
import torch

torch.manual_seed(0)
x = torch.randn(3, 4)
print(len(x), [tuple(r.shape) for r in x], float(x[0, 0]), int(x[1, 1] * 10), bool(x[0, 0] > 0))
print(f"{x[0, 0]:.3f}", f"{x.sum().item():8.4f}", "{:.2e}".format(x.max()))
print(sum(torch.ones(2) * i for i in range(4)), max([torch.tensor(3), torch.tensor(5)]))
print(round(x.mean().item(), 4), abs(x[0, 0]), -x[0, :2], pow(x[0, :2], 2))
a = np.arange(6, dtype=np.float32).reshape(2, 3)
t = torch.from_numpy(a)
a[0, 0] = 100
print(t[0, 0], torch.tensor(a).dtype, np.asarray(t).dtype, np.array(t * 2)[0])
print(x[np.int64(1)], x[np.array([0, 2])].shape, x[:, np.array([True, False, True, False])].shape)
print(x[torch.tensor(1)].shape, x[[0, 1], [1, 2]], x[..., None].shape, x[None, ::2].shape)
y = copy.deepcopy(x)
y[0, 0] = 0
print(x[0, 0] != 0, torch.equal(x[1:], y[1:]))
d = {x: "x"}
print(d[x], x in [x], 3 in torch.tensor([1, 2, 3]), torch.tensor([1.5]) in torch.tensor([1.5, 2.0]))
print(x.tolist()[0][:2], x.numpy().shape, type(x.sum().item()), torch.tensor(True).item())
print(torch.tensor([1, 2]) == torch.tensor([1, 3]), (x > 0).any().item(), x.argmax().item())
print(torch.as_tensor(np.float64(2.5)), torch.tensor(np.array(3)), torch.tensor([np.int32(1), 2]))
print(x.T.shape, x.mT.shape, x.ndim, x.dim(), x.numel(), x.nelement(), x.element_size(), x.size(1))
print(torch.stack([torch.tensor(i) for i in range(3)]), torch.tensor([[1, 2], [3, 4]])[1].tolist())
for i, row in enumerate(torch.arange(6).view(3, 2)):
    print(i, row, row.sum().item())
print(torch.Size([2, 3]) == (2, 3), torch.Size([2, 3]).numel(), list(x.shape), x.shape[-1])
print(x.new_tensor([1, 2]).dtype, x.new_ones(2).dtype, torch.zeros(2).type(torch.int32))
print(torch.tensor([3.7]).int(), torch.tensor([-3.7]).long(), torch.tensor([0.5, 1.5, 2.5]).round())
