"""Sliding windows by strides: Tensor.unfold (1-D and along a dim, with a step), as_strided
windows and a manual Toeplitz, F.unfold/F.fold on an image, strides printed, writes through
an unfold view, and the errors for windows bigger than the dim."""
# compat: exact
import torch
import torch.nn.functional as F

x = torch.arange(10.0)
w = x.unfold(0, 4, 2)
print(w, w.shape, w.stride(), w.is_contiguous())
w[0, 0] = -1.0
print(x[0])
m = torch.arange(12.0).view(3, 4)
print(m.unfold(1, 2, 1), m.unfold(0, 2, 1).shape, m.unfold(1, 2, 2).stride())
s = torch.as_strided(x, (3, 3), (2, 1))
print(s, s.stride(), s.storage_offset())
print(torch.as_strided(x, (2, 2), (1, 1), 5), x.as_strided((4,), (2,)))
c = torch.tensor([1.0, 2.0, 3.0, 4.0, 5.0])
toeplitz = c.as_strided((3, 3), (1, 1)).flip(1)
print(toeplitz)
print(x.unfold(0, 3, 3).mean(1), x.unfold(0, 3, 1).max(1).values)
img = torch.arange(16.0).view(1, 1, 4, 4)
cols = F.unfold(img, kernel_size=2, stride=2)
print(cols, cols.shape)
print(F.fold(cols, output_size=(4, 4), kernel_size=2, stride=2).view(4, 4))
print(F.unfold(img, kernel_size=3, padding=1).shape, F.unfold(torch.ones(2, 3, 5, 5), (2, 3), dilation=2).shape)
ones = torch.ones(1, 1, 3, 3)
print(F.fold(F.unfold(ones, 2), (3, 3), 2))
try:
    x.unfold(0, 11, 1)
except RuntimeError as e:
    print("window too big", type(e).__name__)
try:
    x.unfold(0, 2, 0)
except RuntimeError as e:
    print("step zero", type(e).__name__)
seq = torch.arange(8).view(2, 4)
print(seq.unfold(1, 2, 1).reshape(2, -1), seq.unfold(1, 3, 1).sum(-1))
print(x.unfold(0, 1, 1).shape, torch.zeros(0).unfold(0, 0, 1).shape)
