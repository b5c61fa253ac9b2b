"""How every dtype prints, compared as text: the float/int/bool element formats, 0-d and empty
tensors, one-element tensors, non-default dtypes in the suffix, negative zero, nan/inf mixes,
integer-valued floats ('1.'), and str() against repr()."""
# compat: exact
import torch

for dt in (torch.float32, torch.float64, torch.float16, torch.bfloat16, torch.int8, torch.uint8,
           torch.int16, torch.int32, torch.int64, torch.bool):
    t = torch.tensor([0, 1, 2, 3], dtype=dt)
    print(dt, repr(t), str(t) == repr(t))
    print(torch.tensor(5, dtype=dt), torch.zeros(0, dtype=dt), torch.ones(1, 2, dtype=dt))
print(torch.tensor([1.0, 2.0, 3.0]))
print(torch.tensor([1.5, -2.25, 3.125]))
print(torch.tensor([-0.0, 0.0, 1.0]))
print(torch.tensor([float("nan"), 1.0, float("inf")]))
print(torch.tensor([float("nan"), float("nan")]))
print(torch.tensor([float("inf"), -float("inf")]))
print(torch.tensor([1.0, float("nan"), 2.5], dtype=torch.float64))
print(torch.tensor([[1, -2], [300, 4]]))
print(torch.tensor([[True, False], [False, True]]))
print(torch.tensor(-7), torch.tensor(0.0), torch.tensor(-0.5), torch.tensor(1e-4))
print(torch.tensor(123456.0), torch.tensor(1e20), torch.tensor(float("nan")))
print(torch.tensor([0.1, 0.2, 0.3], dtype=torch.float16))
print(torch.tensor([0.1, 0.2, 0.3], dtype=torch.bfloat16))
print(torch.empty(2, 0, 3), torch.empty(0, 4, dtype=torch.int64), torch.empty(3, 0, dtype=torch.bool))
print(torch.arange(6).reshape(1, 2, 3, 1))
print(torch.linspace(0, 1, 5), torch.linspace(-1, 1, 3, dtype=torch.float64))
print(torch.tensor([[0.001, 0.01], [0.1, 1.0]]))
print(torch.tensor([255, 0, 128], dtype=torch.uint8))
print(torch.tensor([-128, 127], dtype=torch.int8))
print(torch.full((2, 2), 7.0), torch.full((2,), -3, dtype=torch.int16))
print(torch.eye(3, dtype=torch.int32))
