"""Tensors as dict keys and set members (hashed by identity, so equal values stay distinct),
the error for ==-based lookups users trip on, copy.copy and copy.deepcopy of tensors (leaf,
requires_grad, views sharing storage, .grad) and of modules and optimizers."""
# compat: exact
import copy

import torch
import torch.nn as nn

a, b = torch.tensor([1.0]), torch.tensor([1.0])
d = {a: "a", b: "b"}
print(len(d), d[a], d[b], a in d, torch.tensor([1.0]) in d)
s = {a, b, a}
print(len(s), a in s, hash(a) == hash(a), hash(a) == id(a) or hash(a) != hash(b))
params = list(nn.Linear(2, 2).parameters())
print(len(set(params)), len({id(p) for p in params}), params[0] in set(params))
try:
    print(torch.tensor([1.0]) in [torch.tensor([1.0, 2.0]), torch.tensor([3.0, 4.0])])
except RuntimeError as e:
    print("list contains", type(e).__name__)
print([torch.tensor(1.0), torch.tensor(2.0)].index(torch.tensor(2.0)))
w = torch.tensor([1.0, 2.0], requires_grad=True)
(w * w).sum().backward()
c = copy.copy(w)
dc = copy.deepcopy(w)
print(c, dc, dc.grad, dc.is_leaf, dc.requires_grad, c is w, dc is w)
with torch.no_grad():
    w.add_(1)
print(w, c, dc)
base = torch.arange(6.0)
view = base[2:4]
pair = copy.deepcopy((base, view))
pair[0][2] = 100.0
print(pair[1], view, pair[1].is_contiguous())
y = w * 2
try:
    copy.deepcopy(y)
except RuntimeError as e:
    print("deepcopy non-leaf", type(e).__name__)
torch.manual_seed(0)
m = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
m2 = copy.deepcopy(m)
with torch.no_grad():
    m[0].weight.fill_(1.0)
print(m2[0].weight.sum() != m[0].weight.sum(), m2[0].weight is m[0].weight, m2)
m3 = copy.copy(m)
print(m3[0].weight is m[0].weight, type(m3).__name__)
opt = torch.optim.Adam(m.parameters(), lr=0.01)
m(torch.ones(1, 2)).sum().backward()
opt.step()
opt2 = copy.deepcopy(opt)
print(opt2.state_dict()["param_groups"], len(opt2.state), opt2.param_groups[0]["params"][0] is m[0].weight)
