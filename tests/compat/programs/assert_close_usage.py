"""torch.testing.assert_close as tests and notebooks use it: default tolerances by dtype,
rtol/atol overrides, equal_nan, check_dtype=False, comparing nested containers and Python
scalars, the AssertionError's summary lines (mismatched elements, greatest differences), and
torch.allclose / isclose for comparison."""
import torch
from torch.testing import assert_close

torch.manual_seed(0)
x = torch.randn(4, 5)
y = x + 1e-7
assert_close(x, y)
print("float32 close within default tolerance")

try:
    assert_close(x, x + 1e-3)
except AssertionError as e:
    lines = str(e).splitlines()
    print(lines[0])
    print(lines[2].split(":")[0], "/", lines[3].split("(")[0].strip())

assert_close(x, x + 1e-3, rtol=0, atol=1e-2)
print("with atol=1e-2: ok")

a = torch.tensor([1.0, float("nan"), 3.0])
try:
    assert_close(a, a.clone())
except AssertionError as e:
    print("nan != nan by default:", str(e).splitlines()[0])
assert_close(a, a.clone(), equal_nan=True)
print("equal_nan=True: ok")

try:
    assert_close(torch.tensor([1, 2]), torch.tensor([1.0, 2.0]))
except AssertionError as e:
    print("dtype check:", str(e).splitlines()[0])
assert_close(torch.tensor([1, 2]), torch.tensor([1.0, 2.0]), check_dtype=False)
print("check_dtype=False: ok")

try:
    assert_close(torch.zeros(2, 3), torch.zeros(3, 2))
except AssertionError as e:
    print("shape check:", str(e).splitlines()[0])

d64 = torch.tensor([1.0], dtype=torch.float64)
try:
    assert_close(d64, d64 + 1e-6)
except AssertionError as e:
    print("float64 is stricter:", str(e).splitlines()[0])
assert_close(torch.tensor([1.0], dtype=torch.float16), torch.tensor([1.0005], dtype=torch.float16))
print("float16 tolerance ok")

assert_close({"w": x, "b": [torch.ones(2), 3.0]}, {"w": x.clone(), "b": [torch.ones(2), 3.0]})
print("nested containers ok")
assert_close(1.0, 1.0 + 1e-9)
try:
    assert_close(2, 3)
except AssertionError as e:
    print("python ints:", str(e).splitlines()[0])

i = torch.tensor([1, 2, 3])
try:
    assert_close(i, torch.tensor([1, 2, 4]))
except AssertionError as e:
    msg = str(e).splitlines()
    print(msg[0], "|", msg[1].strip())

print(torch.allclose(x, y), torch.allclose(x, x + 1e-3), torch.isclose(a, a, equal_nan=True))
print(torch.equal(x, x.clone()), torch.isclose(torch.tensor([1.0, 1.1]), torch.tensor(1.0),
                                               rtol=0.05))

# the usual check of a hand-written layer against the built-in one
lin = torch.nn.Linear(5, 3)
manual = x @ lin.weight.T + lin.bias
assert_close(manual, lin(x))
print("manual linear matches nn.Linear")
