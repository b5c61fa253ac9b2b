"""The "extending torch" notes on __torch_function__: a tensor-like ScalarTensor class (not a
Tensor) that implements torch.mean and torch.add through a HANDLED_FUNCTIONS table, falling back
to NotImplemented (TypeError) for the rest; and Tensor subclasses that override
__torch_function__ to log calls or carry metadata, with results keeping the subclass."""
import functools

import torch

HANDLED_FUNCTIONS = {}


class ScalarTensor:
    def __init__(self, N, value):
        self._N = N
        self._value = value

    def __repr__(self):
        return "ScalarTensor(N={}, value={})".format(self._N, self._value)

    def tensor(self):
        return self._value * torch.eye(self._N)

    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        if kwargs is None:
            kwargs = {}
        if func not in HANDLED_FUNCTIONS or not all(
            issubclass(t, (torch.Tensor, ScalarTensor)) for t in types
        ):
            return NotImplemented
        return HANDLED_FUNCTIONS[func](*args, **kwargs)


def implements(torch_function):
    def decorator(func):
        functools.update_wrapper(func, torch_function)
        HANDLED_FUNCTIONS[torch_function] = func
        return func
    return decorator


@implements(torch.mean)
def mean(input):
    return float(input._value) / input._N


def ensure_tensor(data):
    if isinstance(data, ScalarTensor):
        return data.tensor()
    return torch.as_tensor(data)


@implements(torch.add)
def add(input, other):
    try:
        if input._N == other._N:
            return ScalarTensor(input._N, input._value + other._value)
        else:
            raise ValueError("Shape mismatch!")
    except AttributeError:
        return torch.add(ensure_tensor(input), ensure_tensor(other))


d = ScalarTensor(5, 2)
print(d)
print(d.tensor())
print("mean", torch.mean(d))
s = ScalarTensor(2, 2)
print("add", torch.add(s, s))
t = torch.tensor([[1, 1], [1, 1]])
print("add tensor", torch.add(s, t))
try:
    torch.mul(s, 3)
except TypeError as e:
    print("unhandled:", type(e).__name__)


class LoggingTensor(torch.Tensor):
    calls = []

    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        if kwargs is None:
            kwargs = {}
        cls.calls.append(func.__name__)
        return super().__torch_function__(func, types, args, kwargs)


torch.manual_seed(0)
x = torch.randn(3, 4).as_subclass(LoggingTensor)
print(type(x).__name__, x.shape)
y = torch.relu(x) * 2 + x.sum(dim=0)
print(type(y).__name__, y.sum().item())
print("logged", "relu" in LoggingTensor.calls, "sum" in LoggingTensor.calls)
plain = torch.randn(4)
z = x + plain
print("mixed result type", type(z).__name__)
print("isinstance Tensor", isinstance(x, torch.Tensor))
base = x.as_subclass(torch.Tensor)
print("back to plain", type(base).__name__, torch.equal(base, x))


class MetadataTensor(torch.Tensor):
    @staticmethod
    def __new__(cls, data, metadata=None):
        t = torch.as_tensor(data).as_subclass(cls)
        t.metadata = metadata or {}
        return t

    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        if kwargs is None:
            kwargs = {}
        meta = {}
        for a in args:
            if isinstance(a, MetadataTensor):
                meta.update(getattr(a, "metadata", {}))
        out = super().__torch_function__(func, types, args, kwargs)
        if isinstance(out, MetadataTensor):
            out.metadata = meta
        return out


m = MetadataTensor([[1.0, 2.0], [3.0, 4.0]], metadata={"unit": "m"})
r = m @ m
print(type(r).__name__, r.metadata, r.tolist())
w = torch.nn.Parameter(torch.ones(2, 2))
out = torch.nn.functional.linear(m, w)
print(type(out).__name__, out.tolist())
g = MetadataTensor([1.0, 2.0, 3.0], metadata={"src": "g"}).requires_grad_()
loss = (g ** 2).sum()
loss.backward()
print("grad through subclass", g.grad.tolist(), type(loss).__name__)
