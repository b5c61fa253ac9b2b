"""Autograd features: custom Function with save_for_backward/mark_dirty/needs_input_grad,
gradcheck, tensor hooks, retain_grad, backward(gradient=), accumulation, allow_unused,
no_grad/enable_grad/inference_mode decorators, detach, anomaly of double backward."""
import torch


class Clamp01(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, scale):
        ctx.save_for_backward(x)
        ctx.scale = scale
        return x.clamp(0, 1) * scale

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        mask = (x >= 0) & (x <= 1)
        return g * mask * ctx.scale if ctx.needs_input_grad[0] else None, None


class AddOneInPlace(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.mark_dirty(x)
        return x.add_(1)

    @staticmethod
    def backward(ctx, g):
        return g


torch.manual_seed(0)
x = torch.randn(5, dtype=torch.float64, requires_grad=True)
y = Clamp01.apply(x, 3.0)
y.sum().backward()
print(y, x.grad)
print(torch.autograd.gradcheck(lambda t: Clamp01.apply(t, 2.0), (torch.rand(4, dtype=torch.float64, requires_grad=True) * 0.8 + 0.1,)))
a = torch.randn(3, requires_grad=True)
b = a * 2
AddOneInPlace.apply(b)
b.sum().backward()
print(a.grad, b.grad_fn.name() if hasattr(b.grad_fn, "name") else b.grad_fn)
w = torch.randn(3, requires_grad=True)
h = w * 3
h.retain_grad()
seen = []
h.register_hook(lambda g: seen.append(g.clone()) or g * 2)
(h ** 2).backward(gradient=torch.ones(3))
print(h.grad, w.grad, len(seen))
(h.detach() * w).sum().backward()
print(w.grad)
u = torch.randn(2, requires_grad=True)
v = torch.randn(2, requires_grad=True)
print(torch.autograd.grad((u * 2).sum(), [u, v], allow_unused=True))
print(torch.autograd.grad((u * 2).sum(), [u, v], allow_unused=True, materialize_grads=True))


@torch.no_grad()
def f(t):
    return t * 2


@torch.enable_grad()
def g(t):
    return t * 2


print(f(u).requires_grad, g(u).requires_grad)
with torch.no_grad():
    print(g(u).requires_grad, torch.is_grad_enabled())
with torch.inference_mode():
    z = u * 2
print(z.requires_grad)
q = torch.tensor([1.0, 2.0], requires_grad=True)
(gq,) = torch.autograd.grad((q ** 3).sum(), q, create_graph=True)
(ggq,) = torch.autograd.grad(gq.sum(), q)
print(gq, ggq)
x.grad.zero_()
for _ in range(3):
    (x * x).sum().backward()
print(x.grad / x)
