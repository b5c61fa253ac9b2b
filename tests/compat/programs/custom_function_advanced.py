"""Custom torch.autograd.Function the way research code writes them: a straight-through
estimator, a clamp with ctx.needs_input_grad and None gradients for non-tensor args, an
argsort-like op with ctx.mark_non_differentiable, a @once_differentiable backward, the
setup_context/forward split (new style) with vmap support via generate_vmap_rule, a function
returning several outputs with ctx.set_materialize_grads(False), mark_dirty for an in-place op,
gradcheck and gradgradcheck in float64."""
import torch
from torch.autograd import Function, gradcheck, gradgradcheck
from torch.autograd.function import once_differentiable

NEEDS = []


class RoundSTE(Function):
    @staticmethod
    def forward(ctx, x):
        return x.round()

    @staticmethod
    def backward(ctx, g):
        return g


class ScaledClamp(Function):
    @staticmethod
    def forward(ctx, x, lo, hi, scale):
        ctx.save_for_backward(x, scale)
        ctx.lo, ctx.hi = lo, hi
        return x.clamp(lo, hi) * scale

    @staticmethod
    def backward(ctx, g):
        x, scale = ctx.saved_tensors
        gx = gs = None
        if ctx.needs_input_grad[0]:
            gx = g * scale * ((x >= ctx.lo) & (x <= ctx.hi)).to(g.dtype)
        if ctx.needs_input_grad[3]:
            gs = (g * x.clamp(ctx.lo, ctx.hi)).sum().reshape(scale.shape)
        NEEDS.append(ctx.needs_input_grad)
        return gx, None, None, gs


class SortWithIndex(Function):
    @staticmethod
    def forward(ctx, x):
        vals, idx = x.sort(dim=-1)
        ctx.mark_non_differentiable(idx)
        ctx.save_for_backward(idx)
        return vals, idx

    @staticmethod
    @once_differentiable
    def backward(ctx, g, g_idx):
        (idx,) = ctx.saved_tensors
        return torch.zeros_like(g).scatter_(-1, idx, g)


class Cube(Function):
    generate_vmap_rule = True

    @staticmethod
    def forward(x):
        return x ** 3, 3 * x ** 2

    @staticmethod
    def setup_context(ctx, inputs, output):
        ctx.save_for_backward(inputs[0], output[1])
        ctx.set_materialize_grads(False)

    @staticmethod
    def backward(ctx, g, g_d):
        x, d = ctx.saved_tensors
        out = torch.zeros_like(x)
        if g is not None:
            out = out + g * d
        if g_d is not None:
            out = out + g_d * 6 * x
        return out


class AddOneInplace(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.mark_dirty(x)
        return x.add_(1)

    @staticmethod
    def backward(ctx, g):
        return g


torch.manual_seed(0)
x = torch.randn(5, requires_grad=True)
y = RoundSTE.apply(x * 3)
y.sum().backward()
print(y, x.grad, y.grad_fn.__class__.__name__)

s = torch.tensor(2.0, requires_grad=True)
x.grad = None
out = ScaledClamp.apply(x, -0.5, 0.5, s)
out.pow(2).sum().backward()
print(out, x.grad, s.grad, NEEDS)
with torch.no_grad():
    print(ScaledClamp.apply(x, -0.5, 0.5, s).requires_grad)
z = torch.randn(5)
print(ScaledClamp.apply(z, -1.0, 1.0, s).requires_grad)

m = torch.randn(2, 4, requires_grad=True)
vals, idx = SortWithIndex.apply(m)
print(vals.requires_grad, idx.requires_grad, idx.dtype)
(vals * torch.arange(4.0)).sum().backward()
print(m.grad)
try:
    v2, _ = SortWithIndex.apply(m)
    g, = torch.autograd.grad(v2.sum(), m, create_graph=True)
    g.sum().backward()
except RuntimeError as e:
    print("once_differentiable:", type(e).__name__)

c = torch.tensor([1.0, -2.0, 0.5], requires_grad=True)
val, der = Cube.apply(c)
val.sum().backward()
print(val, der, c.grad)
c.grad = None
val, der = Cube.apply(c)
der.sum().backward()
print(c.grad)
print(torch.func.vmap(lambda t: Cube.apply(t)[0])(torch.arange(6.0).view(3, 2)))

leaf = torch.randn(3, requires_grad=True)
w = leaf * 1
r = AddOneInplace.apply(w)
print(r is w, r._version > 0, r.grad_fn.__class__.__name__)
r.sum().backward()
print(leaf.grad)

d = torch.randn(4, dtype=torch.float64, requires_grad=True)
print(gradcheck(lambda t: Cube.apply(t)[0], (d,)), gradgradcheck(lambda t: t.sin() * t, (d,)))
print(gradcheck(lambda t: ScaledClamp.apply(t, -10.0, 10.0, torch.tensor(1.5, dtype=torch.float64)),
                (d,)))
