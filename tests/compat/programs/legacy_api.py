"""Older idioms still found in public code: legacy tensor types (FloatTensor, LongTensor),
x.type(), the deprecated add_(alpha, other) and addcmul_(value, t1, t2) overloads, torch.inf and
torch.pi, set_printoptions, torch.autograd.Variable, .data."""
import warnings

import torch
from torch.autograd import Variable

warnings.simplefilter("ignore")
torch.manual_seed(0)
a = torch.FloatTensor([[1, 2], [3, 4]])
b = torch.LongTensor([1, 2, 3])
e = torch.FloatTensor(2, 3)
print(a, b, a.type(), b.type(), e.shape, e.dtype)
print(isinstance(a, torch.FloatTensor), isinstance(b, torch.FloatTensor),
      isinstance(b, torch.LongTensor), torch.is_tensor(a))
c = a.type(torch.LongTensor)
print(c, c.dtype, a.type(torch.DoubleTensor).dtype, a.type("torch.IntTensor").dtype)
x = torch.zeros(3)
x.add_(2, torch.ones(3))
x.addcmul_(0.5, torch.ones(3), torch.full((3,), 4.0))
print(x)
print(torch.inf > 1e308, torch.pi, torch.e, torch.tensor([1.0, torch.inf, -torch.inf]))
torch.set_printoptions(precision=2)
print(torch.randn(4))
torch.set_printoptions(sci_mode=False, precision=6)
print(torch.tensor([1e-5, 1.0, 123.456]))
torch.set_printoptions(profile="default")
print(torch.tensor([1e-5, 1.0, 123.456]))
v = Variable(torch.ones(2), requires_grad=True)
(v * 3).sum().backward()
print(v.grad, v.data)
print(torch.ByteTensor([1, 0]).dtype, torch.BoolTensor([True]).dtype, torch.IntTensor(2).dtype)
