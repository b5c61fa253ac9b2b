"""Views against copies: slicing/view/transpose/expand share memory (writes show through),
clone/contiguous/reshape of a non-contiguous tensor copy, is_contiguous/stride/storage_offset,
view on a non-contiguous tensor (its error) against reshape, expand then an in-place write
(PyTorch's error), data_ptr comparisons and offsets, detach sharing, nbytes."""
# compat: exact
import torch

x = torch.arange(12.0).view(3, 4)
v = x[1]
v[0] = 100.0
print(x, v.is_contiguous(), x.t().is_contiguous(), x.stride(), x.t().stride(), v.storage_offset())
t = x.t()
t[0, 0] = -1.0
print(x[0, 0], t.shape, t.contiguous().stride(), t.contiguous().is_contiguous())
c = x.clone()
c[0, 0] = 55.0
print(x[0, 0], c[0, 0], c.data_ptr() == x.data_ptr(), v.data_ptr() == x[1].data_ptr())
try:
    t.view(12)
except RuntimeError as e:
    print("view of non-contiguous", type(e).__name__)
r = t.reshape(12)
r[1] = 999.0
print(x[1, 0], r.shape, t.flatten().shape, x.view(2, 6).shape, x.view(-1, 3).shape)
try:
    x.view(5, -1)
except RuntimeError as e:
    print("view bad shape", type(e).__name__)
e = torch.tensor([1.0, 2.0]).expand(3, 2)
print(e, e.stride(), e.is_contiguous(), e.contiguous().stride())
try:
    e.add_(1)
except RuntimeError as err:
    print("expand in-place", type(err).__name__)
try:
    e.mul_(torch.ones(3, 2))
except RuntimeError as err:
    print("expand mul_", type(err).__name__)
ec = e.clone()
ec[0, 0] = 5.0
print(ec)
d = x.detach()
d[2, 3] = -7.0
print(x[2, 3], d.data_ptr() == x.data_ptr())
s = x[:, 1:3]
s.zero_()
print(x, s.is_contiguous(), s.stride(), s.storage_offset())
u = x.unsqueeze(0)
u[0, 0, 0] = 1.5
print(x[0, 0], x.view_as(torch.zeros(4, 3)).shape, x.permute(1, 0).is_contiguous())
print(x.element_size(), x.nbytes, x[1:].nbytes, x.itemsize, x[1:].data_ptr() - x.data_ptr())
n = x.numpy()
n[0, 0] = 42.0
print(x[0, 0])
y = torch.zeros(2, 2)
z = y.T.contiguous()
z[0, 0] = 1.0
print(y, torch.equal(y, z), y.is_set_to(y) if hasattr(y, "is_set_to") else True)
diag = torch.zeros(3, 3)
diag.view(-1)[::4] = 2.0
print(diag, diag.view(-1)[::4].stride())
q = torch.arange(6.0)
a, b = q.chunk(2)
b.mul_(10)
print(q, a.data_ptr() == q.data_ptr())
