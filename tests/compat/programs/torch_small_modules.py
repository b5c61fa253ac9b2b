"""PyTorch's smaller modules as programs use them: torch.functional, torch.signal.windows,
torch.nn.attention, torch.nn.utils.fusion/stateless, torch.utils.dlpack/hooks, common_types,
the private collate import, the legacy default tensor type, DLPack with NumPy, low-rank SVD/PCA,
and the range factories' exact values."""
import warnings

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.signal.windows as W
import torch.utils.dlpack
from torch.nn.attention import SDPBackend, sdpa_kernel
from torch.nn.common_types import _size_2_t
from torch.nn.utils.fusion import fuse_conv_bn_eval, fuse_linear_bn_eval
from torch.utils.data._utils.collate import default_collate
from torch.utils.hooks import RemovableHandle

torch.manual_seed(0)
print(torch.broadcast_shapes((2, 1, 4), (3, 1)), torch.functional.broadcast_shapes(5, (1, 5)))
print(torch.unravel_index(torch.tensor([0, 5, 11, -1]), (3, 4)))
print(torch.functional.einsum("ij,jk->ik", torch.ones(2, 3), torch.ones(3, 2)))
print(W.hann(6), W.gaussian(5, std=0.8), W.kaiser(4, beta=2.0), W.blackman(5, sym=False))
print(torch.linspace(0, 2 * torch.pi, 9), torch.logspace(-2, 2, 5), torch.arange(0, 1.5, 0.1))
print(torch.linspace(-3.7, 9.2, 7, dtype=torch.int32))

q = torch.randn(2, 3, 5, 4)
with sdpa_kernel([SDPBackend.MATH]):
    a = F.scaled_dot_product_attention(q, q, q, is_causal=True)
with sdpa_kernel(SDPBackend.FLASH_ATTENTION):
    b = F.scaled_dot_product_attention(q, q, q, is_causal=True)
print(torch.allclose(a, b, atol=1e-6), a.sum(), SDPBackend.MATH)
with sdpa_kernel([SDPBackend.EFFICIENT_ATTENTION]):
    try:
        F.scaled_dot_product_attention(q, q, q)
    except RuntimeError as e:
        print("RuntimeError", str(e)[:40])


class Block(nn.Module):
    def __init__(self, k: _size_2_t = 3):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, k, padding=1)
        self.bn = nn.BatchNorm2d(4)

    def forward(self, x):
        return self.bn(self.conv(x))


m = Block()
for _ in range(3):
    m(torch.randn(4, 3, 6, 6))
m.eval()
fused = fuse_conv_bn_eval(m.conv, m.bn)
x = torch.randn(2, 3, 6, 6)
print(torch.allclose(fused(x), m(x), atol=1e-5), fused.weight.shape, type(fused.weight).__name__)
print(fused.bias)
lin, bn1 = nn.Linear(5, 3), nn.BatchNorm1d(3)
bn1(lin(torch.randn(8, 5)))
lin.eval()
bn1.eval()
fl = fuse_linear_bn_eval(lin, bn1)
z = torch.randn(4, 5)
print(torch.allclose(fl(z), bn1(lin(z)), atol=1e-5), fl.weight)
with warnings.catch_warnings(record=True) as w:
    warnings.simplefilter("always")
    out = torch.nn.utils.stateless.functional_call(lin, {"weight": torch.ones(3, 5),
                                                         "bias": torch.zeros(3)}, (z,))
    print(out.sum(), [c.category.__name__ for c in w])

h = lin.register_forward_hook(lambda mod, i, o: None)
print(isinstance(h, RemovableHandle))
h.remove()
print(default_collate([(torch.ones(2), 1), (torch.zeros(2), 0)]))

arr = np.arange(4.0)
t = torch.utils.dlpack.from_dlpack(arr)
t[0] = 7
print(arr, torch.from_dlpack(torch.utils.dlpack.to_dlpack(torch.arange(3))))
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    torch.set_default_tensor_type(torch.DoubleTensor)
print(torch.tensor([1.5]).dtype, torch.zeros(1).dtype)
torch.set_default_dtype(torch.float32)
print(torch.default_generator.initial_seed() == torch.initial_seed())
print(torch.is_anomaly_enabled(), torch.get_device_module("cpu").__name__.split(".")[-1])
print(issubclass(torch.OutOfMemoryError, RuntimeError), torch.GradScaler.__name__)
g = torch.Generator().manual_seed(3)
U, S, V = torch.svd_lowrank(torch.randn(20, 8, generator=g), q=3)
print(U.shape, S.shape, V.shape)
torch.manual_seed(5)
A = torch.randn(30, 6)
torch.manual_seed(7)
U, S, V = torch.pca_lowrank(A, q=4)
print(S)
print((U @ torch.diag(S) @ V.T - (A - A.mean(0))).norm() / A.norm() < 0.7)
