"""Tensors turned into Python numbers: int(), float(), bool(), complex(), .item() on 0-d and
one-element tensors of every dtype, the errors for many elements (bool(t) in an if), range()
and list indexing with 0-d integer tensors (__index__), and math.* on 0-d tensors."""
# compat: exact
import math
import operator

import torch

a, b, c = torch.tensor(3.7), torch.tensor(-2), torch.tensor([[5]])
print(int(a), float(b), int(c), float(c), bool(a), bool(torch.tensor(0.0)), complex(a))
print(int(torch.tensor(-3.7)), int(torch.tensor(2.999, dtype=torch.float64)), round(float(a), 2))
print(a.item(), b.item(), c.item(), torch.tensor([True]).item(), torch.tensor(7, dtype=torch.uint8).item())
print(type(int(a)).__name__, type(float(b)).__name__, type(bool(b)).__name__)
for t in (torch.tensor([1.0, 2.0]), torch.zeros(0), torch.ones(2, 2)):
    for conv in (bool, int, float):
        try:
            conv(t)
        except (RuntimeError, ValueError, TypeError) as e:
            print(conv.__name__, tuple(t.shape), type(e).__name__)
    try:
        t.item()
    except RuntimeError as e:
        print("item", type(e).__name__)
x = torch.tensor([1.0, -1.0])
try:
    if x > 0:
        print("unreachable")
except RuntimeError as e:
    print("if", type(e).__name__)
if torch.tensor([2.0]) > 1:
    print("one element in if")
print(list(range(torch.tensor(4))), list(range(torch.tensor(1), torch.tensor(7), torch.tensor(2))))
names = ["a", "b", "c", "d"]
i = torch.tensor(2)
print(names[i], names[torch.tensor(-1)], names[torch.tensor(1):torch.tensor(3)], operator.index(i))
print("abcdef"[torch.tensor(3)], [10, 20, 30][torch.argmax(torch.tensor([0.1, 0.9, 0.3]))])
for bad in (torch.tensor(1.0), torch.tensor([1, 2]), torch.tensor(True)):
    try:
        print(names[bad])
    except TypeError as e:
        print("index", bad.dtype, type(e).__name__)
print(hex(torch.tensor(255)), bin(torch.tensor(5)), operator.index(torch.tensor(9, dtype=torch.int8)))
v = torch.tensor(0.5)
print(math.sqrt(v), math.exp(v), math.log(torch.tensor(8.0), 2), math.floor(torch.tensor(2.5)),
      math.ceil(torch.tensor(2.1)), math.isnan(torch.tensor(float("nan"))), math.isfinite(v))
print(math.isclose(torch.tensor(0.1).item(), 0.1, rel_tol=1e-6), math.pi * v, v * math.pi)
print(math.prod([torch.tensor(2), torch.tensor(3)]), math.fsum([torch.tensor(0.5)] * 4))
print(abs(torch.tensor(-2.5)), -torch.tensor(3), +torch.tensor(1.5), ~torch.tensor(5), ~torch.tensor(True))
try:
    round(torch.tensor(2.567), 2)
except TypeError as e:
    print("round", type(e).__name__)
print(round(torch.tensor(2.567).item(), 2), 7 // torch.tensor(2), torch.tensor(-7) % 2)
print(float("inf") > torch.tensor(1e30), torch.tensor(3) == 3, 3.0 == torch.tensor(3))
