"""Large tensors summarised with '...': 1-D over the threshold, 2-D with rows and columns cut,
3-D and 4-D with whole slices cut, edgeitems, ints and floats of mixed widths, and how the
threshold counts elements (not rows)."""
# compat: exact
import torch

torch.manual_seed(0)
print(torch.arange(1001))
print(torch.arange(1000))
print(torch.arange(1001.0))
print(torch.arange(2000).reshape(40, 50))
print(torch.arange(2000).reshape(4, 500))
print(torch.arange(2000).reshape(500, 4))
print(torch.arange(3000).reshape(10, 10, 30))
print(torch.arange(2 * 3 * 20 * 20).reshape(2, 3, 20, 20))
print(torch.randn(40, 40))
print(torch.randn(1200))
print((torch.randn(1100) * 1000).round())
print(torch.randn(50, 30).double())
print(torch.rand(1001) > 0.5)
print(torch.randint(-1000, 1000, (30, 40)))
x = torch.randn(1500, requires_grad=True)
print(x * 2)
print(torch.zeros(1001, dtype=torch.float16))
