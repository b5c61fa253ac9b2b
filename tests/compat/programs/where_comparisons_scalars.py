"""Comparisons and selections with scalars: torch.where with Python scalars on one or both
sides (result dtypes), where(cond) alone, chained comparisons on 0-d tensors (and the error on
many elements), eq/ne/lt against scalars and other dtypes, isclose/allclose/equal, clamp with
scalars and tensors, maximum/minimum, and nan in comparisons."""
# compat: exact
import torch

x = torch.tensor([-1.5, 0.0, 2.5, 4.0])
i = torch.tensor([-2, 0, 3, 5])
print(torch.where(x > 0, x, 0.0), torch.where(x > 0, 1.0, 0.0), torch.where(i > 0, i, 0))
print(torch.where(i > 0, i, 0.5), torch.where(i > 0, 1, 0).dtype, torch.where(x > 0, x, torch.tensor(0, dtype=torch.float64)).dtype)
print(torch.where(i > 0, 2, 0.5).dtype, torch.where(x > 0, True, False), torch.where(x > 0))
print(torch.where(torch.tensor([[True, False], [False, True]])), torch.where(x > 10))
a = torch.tensor(3.0)
print(1 < a < 5, 0 < a < 2, a == 3 == 3.0, 2 <= a <= 3, bool(a > 2))
try:
    print(0 < x < 3)
except RuntimeError as e:
    print("chained on many", type(e).__name__)
print(x == 0, x != 2.5, x < i, i >= 0, x.eq(i), x.ne(0).sum(), i == 3.0, (i == i.float()).all())
print(x > True, torch.tensor([True, False]) == 1, torch.tensor([1, 2], dtype=torch.uint8) < -1)
n = torch.tensor([1.0, float("nan"), 3.0])
print(n == n, n != n, n > 0, n.isnan(), torch.equal(n, n), n.max(), n.nanmean(), n.nansum())
print(torch.isclose(torch.tensor([1.0, 1.001]), torch.tensor(1.0)), torch.allclose(x, x + 1e-9))
print(torch.isclose(n, n, equal_nan=True), torch.allclose(torch.tensor([1e-9]), torch.tensor([0.0])))
print(torch.equal(torch.tensor([1, 2]), torch.tensor([1.0, 2.0])), torch.equal(x, x.clone()), torch.equal(x, x[:2]))
print(x.clamp(0, 3), x.clamp(min=0), x.clamp(max=torch.tensor([0.0, 0.0, 1.0, 1.0])), i.clamp(-1, 1), i.clamp(0.5))
print(torch.maximum(x, torch.tensor(1.0)), torch.minimum(i, torch.tensor([0, 0, 0, 0])), torch.max(x, torch.zeros(4)))
print(x.sign(), i.sign(), x.abs().argmax(), (x > 0).int().argmax(), torch.any(x > 3), (x > 3).any().item())
print(max(x.tolist()), x.max().item() == max(x.tolist()), sorted(x.tolist(), reverse=True))
print(torch.tensor(2) == 2, [1, 2, 3].count(torch.tensor(2)), [1, 2, 3].index(torch.tensor(3)))
print(x.lt(1).logical_and(x.gt(-1)), torch.logical_or(x > 3, x < -1), torch.logical_xor(x > 0, i > 0))
print(x.argsort(), x.argsort(descending=True), torch.searchsorted(torch.tensor([0.0, 1.0, 3.0]), x))
print(torch.bucketize(x, torch.tensor([0.0, 2.0])), torch.count_nonzero(x), torch.nonzero(x > 0).flatten())
