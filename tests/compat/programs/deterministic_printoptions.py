"""Reproducibility and display settings at the top of scripts: torch.use_deterministic_algorithms
(True, warn_only=True) and are_deterministic_algorithms_enabled / is_..._warn_only_enabled,
cudnn flags, index_add_ / scatter_add_ / index_put_(accumulate=True) giving the same result on
repeated runs, and torch.set_printoptions variants (precision, sci_mode, linewidth, edgeitems,
threshold, profile='short'/'full'/'default') on the same tensors."""
import random

import numpy as np
import torch


def set_seed(seed=42):
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.cuda.manual_seed_all(seed)
    torch.backends.cudnn.deterministic = True
    torch.backends.cudnn.benchmark = False


set_seed(0)
torch.use_deterministic_algorithms(True)
print(torch.are_deterministic_algorithms_enabled(),
      torch.is_deterministic_algorithms_warn_only_enabled())
torch.use_deterministic_algorithms(True, warn_only=True)
print(torch.is_deterministic_algorithms_warn_only_enabled(), torch.backends.cudnn.deterministic,
      torch.backends.cudnn.benchmark)

src = torch.randn(1000)
idx = torch.randint(0, 10, (1000,))
results = []
for _ in range(3):
    out = torch.zeros(10).index_add_(0, idx, src)
    out2 = torch.zeros(10).scatter_add_(0, idx, src)
    out3 = torch.zeros(10).index_put_((idx,), src, accumulate=True)
    results.append((out, out2, out3))
print(all(torch.equal(results[0][i], r[i]) for r in results for i in range(3)))
print(torch.allclose(results[0][0], results[0][1]), torch.allclose(results[0][0], results[0][2]))
print(results[0][0])
torch.use_deterministic_algorithms(False)
print(torch.are_deterministic_algorithms_enabled())

x = torch.randn(4, 6) * torch.tensor([1e-4, 1.0, 10.0, 1e3, 1e5, 0.5])
small = torch.tensor([0.1, 0.25, 1 / 3])
big = torch.arange(2000.0)
torch.set_printoptions(precision=2)
print(x)
print(small)
torch.set_printoptions(sci_mode=False)
print(x)
torch.set_printoptions(sci_mode=True, precision=3)
print(small)
torch.set_printoptions(profile="default")
print(small, x[0])
torch.set_printoptions(threshold=10, edgeitems=2)
print(big)
print(torch.arange(30.0).reshape(6, 5))
torch.set_printoptions(profile="short")
print(x, small)
torch.set_printoptions(profile="full")
print(torch.arange(12).reshape(3, 4), big[:5])
torch.set_printoptions(profile="default", linewidth=40)
print(torch.linspace(0, 1, 12))
torch.set_printoptions(linewidth=80)
np.set_printoptions(precision=3)
print(x.numpy()[0], torch.tensor(np.pi), torch.tensor([np.pi], dtype=torch.float64))
torch.set_printoptions(precision=10)
print(torch.tensor([np.pi], dtype=torch.float64), torch.tensor([1.0, 2.0]))
torch.set_printoptions(profile="default")
print(torch.tensor([1e-8, 1.0]), torch.tensor([1e10, 1.0]), torch.tensor([123456.0, 0.001]))
