"""The "extending torch.autograd" notes: a LinearFunction with a separate setup_context and
needs_input_grad, a Function taking a non-tensor argument (returns None for it), outputs marked
non-differentiable, once_differentiable, a jvp rule for forward mode (save_for_forward), vmap
through generate_vmap_rule, torch.func.grad through a Function, and gradcheck on all of them."""
import torch
import torch.autograd.forward_ad as fwAD
from torch.autograd import Function, gradcheck
from torch.autograd.function import once_differentiable

torch.manual_seed(0)


SEEN = []


class LinearFunction(Function):
    @staticmethod
    def forward(input, weight, bias):
        output = input.mm(weight.t())
        if bias is not None:
            output += bias.unsqueeze(0).expand_as(output)
        return output

    @staticmethod
    def setup_context(ctx, inputs, output):
        input, weight, bias = inputs
        ctx.save_for_backward(input, weight, bias)

    @staticmethod
    def backward(ctx, grad_output):
        input, weight, bias = ctx.saved_tensors
        grad_input = grad_weight = grad_bias = None
        SEEN.append(ctx.needs_input_grad)
        if ctx.needs_input_grad[0]:
            grad_input = grad_output.mm(weight)
        if ctx.needs_input_grad[1]:
            grad_weight = grad_output.t().mm(input)
        if bias is not None and ctx.needs_input_grad[2]:
            grad_bias = grad_output.sum(0)
        return grad_input, grad_weight, grad_bias


linear = LinearFunction.apply
x = torch.randn(20, 20, dtype=torch.double, requires_grad=True)
w = torch.randn(30, 20, dtype=torch.double, requires_grad=True)
b = torch.randn(30, dtype=torch.double, requires_grad=True)
print("gradcheck linear", gradcheck(linear, (x, w, b), eps=1e-6, atol=1e-4))
x2 = torch.randn(4, 20, dtype=torch.double)
out = linear(x2, w, None)
SEEN.clear()
out.sum().backward()
print("needs_input_grad", SEEN)
print("weight grad", w.grad.sum().item(), "x2 grad", x2.grad)


class MulConstant(Function):
    @staticmethod
    def forward(tensor, constant):
        return tensor * constant

    @staticmethod
    def setup_context(ctx, inputs, output):
        _, constant = inputs
        ctx.constant = constant

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output * ctx.constant, None


a = torch.randn(5, requires_grad=True)
MulConstant.apply(a, 3.5).sum().backward()
print("mul constant grad", a.grad)


class Sort(Function):
    @staticmethod
    def forward(x):
        values, idx = torch.sort(x, dim=-1)
        return values, idx

    @staticmethod
    def setup_context(ctx, inputs, output):
        _, idx = output
        ctx.mark_non_differentiable(idx)
        ctx.save_for_backward(idx)

    @staticmethod
    def backward(ctx, g_values, g_idx):
        (idx,) = ctx.saved_tensors
        grad = torch.zeros_like(g_values)
        grad.scatter_(-1, idx, g_values)
        return grad


s = torch.randn(3, 6, dtype=torch.double, requires_grad=True)
values, idx = Sort.apply(s)
print("idx requires_grad", idx.requires_grad, "values requires_grad", values.requires_grad)
(values * torch.arange(6, dtype=torch.double)).sum().backward()
print("sort grad", s.grad)
print("gradcheck sort", gradcheck(lambda t: Sort.apply(t)[0], (s,)))


class Exp(Function):
    @staticmethod
    def forward(ctx, i):
        result = i.exp()
        ctx.save_for_backward(result)
        return result

    @staticmethod
    @once_differentiable
    def backward(ctx, grad_output):
        (result,) = ctx.saved_tensors
        return grad_output * result


e = torch.randn(4, requires_grad=True)
Exp.apply(e).sum().backward()
print("exp grad equals exp", torch.allclose(e.grad, e.exp()))
e2 = torch.randn(4, requires_grad=True)
(g,) = torch.autograd.grad(Exp.apply(e2).sum(), e2, create_graph=True)
print("once_differentiable grad requires_grad", g.requires_grad)
try:
    g.sum().backward()
except RuntimeError as err:
    print("double backward through once_differentiable:", type(err).__name__)


class Cube(Function):
    generate_vmap_rule = True

    @staticmethod
    def forward(x):
        return x ** 3

    @staticmethod
    def setup_context(ctx, inputs, output):
        (x,) = inputs
        ctx.save_for_backward(x)
        ctx.save_for_forward(x)

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return grad_output * 3 * x ** 2

    @staticmethod
    def jvp(ctx, x_t):
        (x,) = ctx.saved_tensors
        return 3 * x ** 2 * x_t


c = torch.randn(5, dtype=torch.double)
with fwAD.dual_level():
    dual = fwAD.make_dual(c, torch.ones(5, dtype=torch.double))
    tangent = fwAD.unpack_dual(Cube.apply(dual)).tangent
print("jvp matches 3x^2", torch.allclose(tangent, 3 * c ** 2))
print("vmap cube", torch.vmap(Cube.apply)(torch.arange(6.).reshape(2, 3)))
print("func.grad cube", torch.func.grad(lambda t: Cube.apply(t).sum())(torch.tensor([1., 2.])))
cg = c.clone().requires_grad_()
print("gradcheck cube", gradcheck(Cube.apply, (cg,), check_forward_ad=True))
