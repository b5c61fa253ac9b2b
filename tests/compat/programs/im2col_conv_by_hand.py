"""Convolution by hand as lecture notebooks explain it: F.unfold (im2col) with stride, padding
and dilation, the conv as a matmul of the unfolded patches with the flattened weights, compared
with F.conv2d values and gradients; F.fold (col2im) as its adjoint (fold(unfold(x)) divided by
fold(unfold(ones)) gives x back), nn.Unfold/nn.Fold modules, average pooling via unfold.mean,
a sliding-window view with Tensor.unfold twice and with torch.as_strided, a transposed conv as
the gradient of a conv, and a depthwise separable conv assembled from groups."""
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)
x = torch.randn(2, 3, 9, 8, requires_grad=True)
w = torch.randn(4, 3, 3, 3, requires_grad=True)
b = torch.randn(4, requires_grad=True)


def conv2d_unfold(x, w, b, stride=1, padding=0, dilation=1):
    n, c, h, wd = x.shape
    oc, _, kh, kw = w.shape
    cols = F.unfold(x, (kh, kw), dilation=dilation, padding=padding, stride=stride)
    out = (w.view(oc, -1) @ cols) + b.view(1, -1, 1)
    oh = (h + 2 * padding - dilation * (kh - 1) - 1) // stride + 1
    ow = (wd + 2 * padding - dilation * (kw - 1) - 1) // stride + 1
    return out.view(n, oc, oh, ow)


for cfg in ({}, {"stride": 2}, {"padding": 1}, {"dilation": 2, "padding": 2}):
    mine = conv2d_unfold(x, w, b, **cfg)
    ref = F.conv2d(x, w, b, **cfg)
    gm = torch.autograd.grad(mine.square().sum(), (x, w, b))
    gr = torch.autograd.grad(ref.square().sum(), (x, w, b))
    print(cfg, tuple(mine.shape), torch.allclose(mine, ref, atol=1e-5),
          all(torch.allclose(p, q, atol=1e-4) for p, q in zip(gm, gr)), mine.grad_fn.name())
cols = F.unfold(x, kernel_size=3, padding=1)
back = F.fold(cols, output_size=(9, 8), kernel_size=3, padding=1)
norm = F.fold(F.unfold(torch.ones(1, 1, 9, 8), 3, padding=1), (9, 8), 3, padding=1)
print(cols.shape, torch.allclose(back / norm, x), norm[0, 0, :3, :3])
unfold, fold = nn.Unfold(kernel_size=(2, 3), stride=(2, 1)), nn.Fold((9, 8), (2, 3), stride=(2, 1))
print(unfold, unfold(x).shape, fold(unfold(x)).shape)
pooled = F.unfold(x, 2, stride=2).view(2, 3, 4, -1).mean(2).view(2, 3, 4, 4)
print(torch.allclose(pooled, F.avg_pool2d(x, 2)), pooled[0, 0, 0])
patches = x.detach().unfold(2, 3, 2).unfold(3, 3, 2)
print(patches.shape, torch.equal(patches[0, 1, 1, 2], x.detach()[0, 1, 2:5, 4:7]))
xc = x.detach().contiguous()
s = xc.stride()
strided = torch.as_strided(xc, size=(2, 3, 4, 3, 3, 3), stride=(s[0], s[1], 2 * s[2], 2 * s[3],
                                                                  s[2], s[3]))
print(torch.equal(strided, patches), strided.is_contiguous())
y = torch.randn(2, 4, 4, 3)
xt = torch.zeros(2, 3, 9, 8, requires_grad=True)
g, = torch.autograd.grad(F.conv2d(xt, w, stride=2), xt, y)
tconv = F.conv_transpose2d(y, w, stride=2, output_padding=(0, 1))
print(tconv.shape, torch.allclose(g, tconv, atol=1e-5))
dw = nn.Conv2d(3, 3, 3, padding=1, groups=3, bias=False)
pw = nn.Conv2d(3, 5, 1)
sep = pw(dw(x))
manual = torch.cat([F.conv2d(x[:, i:i + 1], dw.weight[i:i + 1], padding=1) for i in range(3)], 1)
print(sep.shape, torch.allclose(dw(x), manual, atol=1e-6),
      sum(p.numel() for p in (*dw.parameters(), *pw.parameters())),
      nn.Conv2d(3, 5, 3).weight.numel() + 5)
