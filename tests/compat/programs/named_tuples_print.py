"""The named tuples reductions return, printed whole as users print them (torch.return_types.max
and friends), unpacked, indexed by position and by name, and their values/indices dtypes."""
# compat: exact
import torch

torch.manual_seed(0)
x = torch.tensor([[3.0, 1.0, 4.0], [1.0, 5.0, 9.0], [2.0, 6.0, 5.0]])
print(torch.max(x, 1))
print(torch.min(x, dim=0, keepdim=True))
print(x.sort(dim=1, descending=True))
print(torch.topk(x, 2))
print(torch.kthvalue(x, 2, 1))
print(torch.median(x, 0))
print(torch.mode(torch.tensor([1, 2, 2, 3, 3, 3])))
print(torch.aminmax(x))
print(torch.cummax(x, 0))
print(torch.linalg.slogdet(torch.eye(2) * 2))
r = x.max(dim=1)
values, indices = r
print(r.values, r.indices, r[0] is r.values, len(r), type(r).__name__, indices.dtype)
print(tuple(r)[1], list(r)[0], r[-1])
print(torch.std_mean(x, dim=0), torch.var_mean(x, 1))
print(torch.unique(torch.tensor([3, 1, 3, 2]), return_counts=True))
print(x.max(), x.argmax(), x.max(0).indices.tolist())
print(torch.sort(torch.tensor([2, 1, 2, 1]), stable=True))
print(torch.frexp(torch.tensor([8.0, 0.5])))
