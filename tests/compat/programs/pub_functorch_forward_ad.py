"""Code written for PyTorch 1.x's functorch package and the forward-mode AD tutorial: a
model made functional with `functorch.make_functional_with_buffers`, a Jacobian-vector
product over its parameters with `functorch.jvp`, per-sample gradients with `functorch.vmap`
of `functorch.grad` over `make_functional`, an ensemble stacked by
`combine_state_for_ensemble`, and a custom Function that defines only `jvp`, checked by
`gradcheck(check_forward_ad=True, check_backward_ad=False)` and used under `dual_level`."""
import warnings

import functorch as ft
import torch
import torch.autograd.forward_ad as fwAD
import torch.nn as nn

warnings.simplefilter("ignore")  # functorch's own deprecation notes
torch.manual_seed(0)

net = nn.Sequential(nn.Linear(4, 6), nn.BatchNorm1d(6), nn.Tanh(), nn.Linear(6, 2))
net.eval()
x = torch.randn(5, 4)
fmodel, params, buffers = ft.make_functional_with_buffers(net)
print("params", [tuple(p.shape) for p in params], "buffers", len(buffers))
tangents = tuple(torch.rand_like(p) for p in params)
out, jvp_out = ft.jvp(lambda *ps: fmodel(ps, buffers, x), params, tangents)
print("model output", out.detach().sum().item(), "jvp", jvp_out.detach().sum().item())

mlp = nn.Sequential(nn.Linear(3, 8), nn.ReLU(), nn.Linear(8, 1))
fmlp, mparams = ft.make_functional(mlp, disable_autograd_tracking=True)
xs, ys = torch.randn(7, 3), torch.randn(7, 1)


def sample_loss(ps, xi, yi):
    return ((fmlp(ps, xi.unsqueeze(0)) - yi) ** 2).mean()


per_sample = ft.vmap(ft.grad(sample_loss), in_dims=(None, 0, 0))(mparams, xs, ys)
print("per-sample grads", [tuple(g.shape) for g in per_sample])
print("first sample's bias grad", per_sample[3][0])

models = [nn.Linear(3, 2) for _ in range(4)]
efn, eparams, ebuffers = ft.combine_state_for_ensemble(models)
preds = ft.vmap(efn, in_dims=(0, 0, None))(eparams, ebuffers, xs)
loop = torch.stack([m(xs) for m in models])
print("ensemble", tuple(preds.shape), torch.allclose(preds, loop, atol=1e-6),
      preds.sum().item())


class Cube(torch.autograd.Function):
    @staticmethod
    def forward(ctx, t):
        ctx.t = t
        return t ** 3

    @staticmethod
    def jvp(ctx, gt):
        return 3 * ctx.t ** 2 * gt


p = torch.randn(3, 2, dtype=torch.double, requires_grad=True)
print("gradcheck forward AD",
      torch.autograd.gradcheck(Cube.apply, (p,), check_forward_ad=True, check_backward_ad=False,
                               check_undefined_grad=False, check_batched_grad=False))
with fwAD.dual_level():
    dual = fwAD.make_dual(p.detach(), torch.ones_like(p))
    tangent = fwAD.unpack_dual(Cube.apply(dual)).tangent
print("tangent", tangent)
