"""The tensor tutorial's tour: creation, indexing, slicing, cat/stack, views, permute, masks,
where, reductions, argmax/topk/sort, cumsum, broadcasting, in-place ops, numpy bridge."""
import numpy as np
import torch

torch.manual_seed(0)
data = [[1, 2], [3, 4]]
x_data = torch.tensor(data)
x_np = torch.from_numpy(np.array(data))
x_ones = torch.ones_like(x_data)
x_rand = torch.rand_like(x_data, dtype=torch.float)
print(x_data, x_np.dtype, x_ones, x_rand)
shape = (2, 3,)
print(torch.rand(shape).shape, torch.ones(shape).dtype, torch.zeros(shape).device)
tensor = torch.ones(4, 4)
tensor[:, 1] = 0
print(f"First row: {tensor[0]}", f"First column: {tensor[:, 0]}", f"Last column: {tensor[..., -1]}")
t1 = torch.cat([tensor, tensor, tensor], dim=1)
print(t1.shape, torch.stack([tensor, tensor]).shape)
y1 = tensor @ tensor.T
y3 = torch.rand_like(y1)
torch.matmul(tensor, tensor.T, out=y3)
print(y1, (y1 == y3).all())
agg = tensor.sum()
print(agg.item(), type(agg.item()).__name__)
tensor.add_(5)
print(tensor)
a = torch.arange(24).view(2, 3, 4)
print(a.permute(2, 0, 1).shape, a.transpose(0, 1).contiguous().view(3, -1).shape)
print(a[a % 5 == 0], torch.where(a > 20, a, -a)[1])
r = torch.randn(3, 5)
vals, idx = r.topk(2, dim=1)
print(vals, idx, r.argmax(dim=1), r.sort(dim=0).indices[0])
print(r.cumsum(1)[:, -1], r.mean(0).shape, r.std(), r.max(), r.min(dim=1).values)
print(torch.arange(3).unsqueeze(1) + torch.arange(4), r.numpy().shape, r.tolist()[0][:2])
print(torch.linspace(0, 1, 5), torch.eye(3), torch.full((2, 2), 7), x_data.float().mean())
b = torch.zeros(5)
b[[0, 2]] = torch.tensor([1.0, 2.0])
b[b == 0] = -1
print(b, b.clamp(min=0), b.abs().sqrt(), torch.sign(b))
