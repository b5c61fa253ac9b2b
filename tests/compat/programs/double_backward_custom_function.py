"""The "double backward with custom functions" tutorial: a custom autograd.Function whose
backward is itself differentiable (saving inputs, saving outputs, saving intermediate results
returned as extra outputs with mark_non_differentiable), checked with gradcheck and
gradgradcheck in float64, plus a function whose backward is @once_differentiable, its
"trying to backward through it twice" error, and second derivatives by autograd.grad with
create_graph."""
import torch
from torch.autograd.function import once_differentiable


class Square(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x ** 2

    @staticmethod
    def backward(ctx, grad_out):
        x, = ctx.saved_tensors
        return grad_out * 2 * x


class Exp(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        result = torch.exp(x)
        ctx.save_for_backward(result)
        return result

    @staticmethod
    def backward(ctx, grad_out):
        result, = ctx.saved_tensors
        return result * grad_out


class Sinh(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        expx = torch.exp(x)
        expnegx = torch.exp(-x)
        ctx.save_for_backward(expx, expnegx)
        return (expx - expnegx) / 2, expx, expnegx

    @staticmethod
    def backward(ctx, grad_out, _grad_out_exp, _grad_out_negexp):
        expx, expnegx = ctx.saved_tensors
        grad_input = grad_out * (expx + expnegx) / 2
        grad_input += _grad_out_exp * expx
        grad_input -= _grad_out_negexp * expnegx
        return grad_input


def sinh(x):
    return Sinh.apply(x)[0]


class SinhBad(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        expx = torch.exp(x)
        expnegx = torch.exp(-x)
        ctx.expx = expx
        ctx.expnegx = expnegx
        return (expx - expnegx) / 2

    @staticmethod
    def backward(ctx, grad_out):
        expx = ctx.expx
        expnegx = ctx.expnegx
        grad_input = grad_out * (expx + expnegx) / 2
        return grad_input


class Cube(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x ** 3

    @staticmethod
    @once_differentiable
    def backward(ctx, grad_out):
        x, = ctx.saved_tensors
        return grad_out * 3 * x ** 2


torch.manual_seed(0)
x = torch.rand(3, 3, requires_grad=True, dtype=torch.double)
print(torch.autograd.gradcheck(Square.apply, x), torch.autograd.gradgradcheck(Square.apply, x))
print(torch.autograd.gradcheck(Exp.apply, x), torch.autograd.gradgradcheck(Exp.apply, x))
print(torch.autograd.gradcheck(sinh, x), torch.autograd.gradgradcheck(sinh, x))
out = Sinh.apply(x)
print([o.grad_fn.__class__.__name__ for o in out], out[0].requires_grad)

y = Square.apply(x).sum()
g, = torch.autograd.grad(y, x, create_graph=True)
h, = torch.autograd.grad(g.sum(), x)
print(g[0], h[0])
z = Exp.apply(x)
g, = torch.autograd.grad(z.sum(), x, create_graph=True)
g2, = torch.autograd.grad(g.sum(), x)
print(torch.allclose(g2, torch.exp(x)), g2.sum().item())
s = sinh(x)
g, = torch.autograd.grad(s.sum(), x, create_graph=True)
g2, = torch.autograd.grad(g.sum(), x)
print(torch.allclose(g2, torch.sinh(x)), g2.sum().item())
bad = SinhBad.apply(x)
g, = torch.autograd.grad(bad.sum(), x, create_graph=True)
print(g.requires_grad, torch.allclose(g, torch.cosh(x)))
c = Cube.apply(x)
g, = torch.autograd.grad(c.sum(), x, create_graph=True)
print(g.requires_grad, g.sum().item())
try:
    g.sum().backward()
except RuntimeError as e:
    print("RuntimeError", "once_differentiable" in str(e) or "twice" in str(e))
print(torch.autograd.gradcheck(Cube.apply, x))
