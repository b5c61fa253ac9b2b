"""Python's built-ins over tensors: iteration over rows, unpacking, zip with lists, enumerate,
sum() of tensors and of a tensor (0-d results), max()/min()/sorted() with and without keys,
len(), 'in' (element membership), list()/tuple() of a tensor, any()/all(), map and filter."""
# compat: exact
import torch

x = torch.tensor([[1, 2, 3], [4, 5, 6]])
for row in x:
    print(row, row.shape, row.sum())
a, b = x
print(a, b)
p, q, r = torch.tensor([1.5, 2.5, 3.5])
print(p, q, r, type(p).__name__, p.dim())
print(list(torch.arange(3)), tuple(torch.tensor([True, False])), list(torch.zeros(0)))
for i, (v, w) in enumerate(zip(torch.tensor([1.0, 2.0]), ["a", "b"])):
    print(i, v, w)
print(sum(torch.tensor([1, 2, 3])), sum(torch.tensor([0.5, 0.25])), sum(x), sum([x, x], torch.zeros(3)))
print(max(torch.tensor([3, 9, 2])), min(torch.tensor([3.5, -1.0])), sorted(torch.tensor([3, 1, 2])))
print(sorted([torch.tensor(2.0), torch.tensor(-1.0), torch.tensor(0.5)]))
print(max([torch.tensor([1, 9]), torch.tensor([5, 0])], key=lambda t: t.sum()))
print(len(x), len(x[0]), len(torch.zeros(5, 2)), x.__len__())
try:
    len(torch.tensor(3))
except TypeError as e:
    print("len 0-d", type(e).__name__)
try:
    for _ in torch.tensor(1.0):
        pass
except TypeError as e:
    print("iter 0-d", type(e).__name__)
print(3 in x, 7 in x, 2.0 in torch.tensor([1.0, 2.0]), torch.tensor(5) in x, True in (x > 5))
print(any(torch.tensor([False, True])), all(torch.tensor([1, 1, 0])), any(torch.zeros(0)))
print(list(map(int, torch.tensor([1.9, 2.1]))), list(filter(lambda t: t > 1, torch.tensor([0, 1, 2, 3]))))
print([t.item() for t in torch.tensor([0.5, 1.5])], dict(zip("ab", torch.tensor([10, 20]).tolist())))
h, *rest = torch.arange(5)
print(h, rest)
print(list(reversed(torch.tensor([1, 2, 3]))), torch.tensor([1, 2, 3]).flip(0))
print(list(torch.ones(2, 2).unbind(1)), [c.shape for c in torch.arange(10).chunk(3)])
print(x.shape[0] == len(x), next(iter(x)), [tuple(t.tolist()) for t in x.T])
