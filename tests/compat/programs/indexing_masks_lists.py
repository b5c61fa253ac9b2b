"""Indexing as users write it: bool masks (1-D and full-shape, from comparisons), lists and
tensors of indices, negative indices, None/Ellipsis mixed with slices and ints, advanced
indices separated by a slice (dims moving to the front), a negative step (PyTorch's error),
out-of-range indices (IndexError) and a mask of the wrong shape."""
# compat: exact
import torch

x = torch.arange(24).view(2, 3, 4)
print(x[0], x[-1, -1], x[:, 1], x[..., 0], x[0, ..., 1], x[None].shape, x[:, None, :, None].shape)
print(x[..., None, 2].shape, x[None, ..., None].shape, x[1, :, ::2], x[:, ::-1 if False else 1, 1:3])
print(x[[0, 1], [2, 0]], x[[1, 0]].shape, x[:, [0, 2]].shape, x[:, [0, 2], [1, 3]])
print(x[[0, 1], :, [0, 3]], x[[0, 1], :, [0, 3]].shape, x[:, :, [[0, 1], [2, 3]]].shape)
print(x[torch.tensor([1, 0])].shape, x[torch.tensor(1)].shape, x[torch.tensor([[0]])].shape)
m = x > 17
print(m.sum(), x[m], x[x % 5 == 0], x[0][x[0] > 5], x[torch.tensor([True, False])].shape)
print(x[:, torch.tensor([True, False, True])].shape, x[x.sum(-1) > 30], x[..., torch.tensor([1, 3])].shape)
y = torch.tensor([[1.0, -2.0], [-3.0, 4.0]])
print(y[y < 0], y[(y > 0) & (y < 3)], y[~(y > 0)], y[y.abs() > 1.5].mean())
print(y[0, 1], y[0][1], y[0, 1].item(), y[[0]], y[[True, False]], y[tuple([[0, 1], [1, 0]])])
print(y[[[0]]].shape, y[[[0, 1], [1, 0]]], y[[torch.tensor([1, 0]), torch.tensor([0, 0])]])
try:
    x[:, ::-1]
except ValueError as e:
    print("negative step", type(e).__name__)
for bad in (lambda: x[2], lambda: x[0, 3], lambda: x[:, [0, 5]], lambda: x[torch.tensor([3])], lambda: x[0, 0, -5]):
    try:
        bad()
    except IndexError as e:
        print("out of range", type(e).__name__)
try:
    x[torch.tensor([True, False, True])]
except IndexError as e:
    print("mask shape", type(e).__name__)
try:
    x[0, 0, 0, 0]
except IndexError as e:
    print("too many", type(e).__name__)
try:
    x[1.5]
except (IndexError, TypeError) as e:
    print("float index", type(e).__name__)
print(x.flip(1)[0], x[0].flip(-1), torch.arange(5)[torch.arange(4, -1, -1)])
print(x[0, :, -1], x[-2:, -2:, -2:].shape, x[5:].shape, x[:, 10:20].shape, x[0, -100:2, 3])
print(x.index_select(2, torch.tensor([3, 0])).shape, x.gather(2, torch.zeros(2, 3, 1, dtype=torch.long)).squeeze(-1))
print(torch.take(x, torch.tensor([0, 23])), x.narrow(1, 1, 2).shape, x.select(2, 3))
