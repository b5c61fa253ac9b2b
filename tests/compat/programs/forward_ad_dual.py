"""Forward-mode AD with dual tensors (torch.autograd.forward_ad), as in PyTorch's tutorial: the
Jacobian-vector product of a small network with respect to its input, then with respect to its
parameters (dual parameters through torch.func.functional_call, and set on the module), a
directional derivative of the loss checked against the gradient, a custom Function with a jvp
rule, a Hessian-vector product by forward over reverse (checked against double backward), the
full Jacobian column by column, and what is left after the level exits."""
import torch
import torch.autograd.forward_ad as fwAD
import torch.nn as nn
import torch.nn.functional as F
from torch.func import functional_call

torch.manual_seed(0)
torch.set_default_dtype(torch.float64)
net = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 3))
x = torch.randn(5, 4)
target = torch.randn(5, 3)
v = torch.randn(5, 4)

# JVP with respect to the input
with fwAD.dual_level():
    dual_x = fwAD.make_dual(x, v)
    out = net(dual_x)
    primal, tangent = fwAD.unpack_dual(out)
    print("out", primal.shape, "requires_grad", out.requires_grad)
    print("jvp wrt input", tangent.sum().item(), tangent.abs().max().item())
    print("tangent requires_grad", tangent.requires_grad)
    y = F.softmax(out, dim=1)
    print("softmax jvp", fwAD.unpack_dual(y).tangent[0])
    loss = F.mse_loss(out, target)
    print("loss", loss.item(), "directional derivative", fwAD.unpack_dual(loss).tangent.item())

# the same directional derivative from reverse mode
xg = x.clone().requires_grad_(True)
(gx,) = torch.autograd.grad(F.mse_loss(net(xg), target), xg)
print("grad . v", (gx * v).sum().item())

# JVP with respect to the parameters: functional_call with dual parameters
params = {name: p for name, p in net.named_parameters()}
tangents = {name: torch.randn_like(p) for name, p in params.items()}
with fwAD.dual_level():
    dual_params = {name: fwAD.make_dual(p, tangents[name]) for name, p in params.items()}
    out = functional_call(net, dual_params, (x,))
    jvp_params = fwAD.unpack_dual(out).tangent
    print("jvp wrt params", jvp_params.sum().item(), jvp_params[0])

# the same by replacing the module's parameters with dual tensors
lin = nn.Linear(4, 3)
lin_params = {name: p for name, p in lin.named_parameters()}
lin_tangents = {name: torch.ones_like(p) for name, p in lin_params.items()}
with fwAD.dual_level():
    for name, p in lin_params.items():
        delattr(lin, name)
        setattr(lin, name, fwAD.make_dual(p, lin_tangents[name]))
    out = lin(x)
    print("module jvp", fwAD.unpack_dual(out).tangent[:2].detach())


# a custom Function with its own forward-mode rule
class Exp(torch.autograd.Function):
    @staticmethod
    def forward(ctx, a):
        result = torch.exp(a)
        ctx.result = result
        return result

    @staticmethod
    def backward(ctx, g):
        return g * ctx.result

    @staticmethod
    def jvp(ctx, ga):
        return ga * ctx.result


a = torch.randn(3)
with fwAD.dual_level():
    da = fwAD.make_dual(a, torch.ones(3))
    print("custom jvp", fwAD.unpack_dual(Exp.apply(da)).tangent, "exp", a.exp())


# Hessian-vector product by forward over reverse
def loss_of(w):
    return (torch.tanh(x @ w) ** 2).sum() + (w ** 4).sum()


w = torch.randn(4, 3, requires_grad=True)
u = torch.randn(4, 3)
with fwAD.dual_level():
    dw = fwAD.make_dual(w, u)
    (g,) = torch.autograd.grad(loss_of(dw), w, create_graph=True)
    hvp_fwd = fwAD.unpack_dual(g).tangent
(g2,) = torch.autograd.grad(loss_of(w), w, create_graph=True)
(hvp_rev,) = torch.autograd.grad(g2, w, u)
print("hvp forward-over-reverse", hvp_fwd.sum().item())
print("hvp double backward", hvp_rev.sum().item())
print("max difference", (hvp_fwd - hvp_rev).abs().max().item() < 1e-10)

# the Jacobian of a small function, one forward pass per column
z = torch.randn(3)
cols = []
with fwAD.dual_level():
    for i in range(3):
        dz = fwAD.make_dual(z, torch.eye(3)[i])
        cols.append(fwAD.unpack_dual(torch.sin(dz) * dz.cumsum(0)).tangent)
print("jacobian", torch.stack(cols, 1))
print("after the level", fwAD.unpack_dual(dz).tangent)
