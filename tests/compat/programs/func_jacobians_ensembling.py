"""The torch.func tutorials "Jacobians, Hessians, hvp, vhp, and more" and "model ensembling": jacrev on
a function of one input, vmap(jacrev) for batched Jacobians compared with a Python loop, jacfwd vs
jacrev, argnums=(0, 1), hessian as jacfwd(jacrev), a hvp by jvp of grad, then several MLPs combined
with stack_module_state, a deepcopy as the base model (the tutorial's copy on the meta device is not
provided by gradkit), vmap(functional_call) with in_dims (0, 0, None) and (0, 0, 0), and the
ensemble's predictions compared with a loop over the models. (The vmapped losses are printed as a
list: the grad_fn of a vmap output is named by PyTorch's batching rules, e.g. DivBackward0 for
cross_entropy's mean.)"""
import copy
from functools import partial

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.func import functional_call, grad, hessian, jacfwd, jacrev, jvp, stack_module_state, vmap

torch.manual_seed(0)


def predict(weight, bias, x):
    return F.linear(x, weight, bias).tanh()


D = 6
weight = torch.randn(D, D)
bias = torch.randn(D)
x = torch.randn(D)


def compute_jac(xp):
    jacobian_rows = [torch.autograd.grad(predict(weight, bias, xp), xp, vec)[0]
                     for vec in unit_vectors]
    return torch.stack(jacobian_rows)


xp = x.clone().requires_grad_()
unit_vectors = torch.eye(D)
jacobian = compute_jac(xp)
print(jacobian.shape, jacobian[0])
ft_jacobian = jacrev(predict, argnums=2)(weight, bias, x)
print(torch.allclose(ft_jacobian, jacobian, atol=1e-6))
ft_jac_weight, ft_jac_bias = jacrev(predict, argnums=(0, 1))(weight, bias, x)
print(ft_jac_weight.shape, ft_jac_bias.shape, ft_jac_bias.sum().item())
fwd = jacfwd(predict, argnums=2)(weight, bias, x)
print(torch.allclose(fwd, ft_jacobian, atol=1e-6))

batch_size = 8
x = torch.randn(batch_size, D)
compute_batch_jacobian = vmap(jacrev(predict, argnums=2), in_dims=(None, None, 0))
batch_jacobian0 = compute_batch_jacobian(weight, bias, x)
batch_jacobian1 = torch.stack([jacrev(predict, argnums=2)(weight, bias, xi) for xi in x])
print(batch_jacobian0.shape, torch.allclose(batch_jacobian0, batch_jacobian1, atol=1e-6))


def predict_with_output_summed(weight, bias, x):
    return predict(weight, bias, x).sum(0)


batch_jacobian2 = jacrev(predict_with_output_summed, argnums=2)(weight, bias, x).movedim(1, 0)
print(torch.allclose(batch_jacobian0, batch_jacobian2, atol=1e-6))
hess_api = hessian(predict, argnums=2)(weight, bias, x[0])
hess_fwdrev = jacfwd(jacrev(predict, argnums=2), argnums=2)(weight, bias, x[0])
print(hess_api.shape, torch.allclose(hess_api, hess_fwdrev, atol=1e-6), hess_api.sum().item())


def hvp(f, primals, tangents):
    return jvp(grad(f), primals, tangents)[1]


def f(x):
    return x.sin().sum()


x = torch.randn(2048)
tangent = torch.randn(2048)
print(torch.allclose(hvp(f, (x,), (tangent,)), -x.sin() * tangent, atol=1e-6))


class SimpleMLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(16, 32)
        self.fc2 = nn.Linear(32, 32)
        self.fc3 = nn.Linear(32, 5)

    def forward(self, x):
        x = x.flatten(1)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.fc3(x)


num_models = 4
data = torch.randn(20, 64, 1, 4, 4)
targets = torch.randint(5, (6400,))
models = [SimpleMLP() for _ in range(num_models)]
minibatches = data[:num_models]
predictions_diff_minibatch_loop = [model(minibatch) for model, minibatch in zip(models, minibatches)]
minibatch = data[0]
predictions2 = [model(minibatch) for model in models]
params, buffers = stack_module_state(models)
print(sorted(params), params["fc1.weight"].shape, len(buffers))
base_model = copy.deepcopy(models[0])


def fmodel(params, buffers, x):
    return functional_call(base_model, (params, buffers), (x,))


predictions1_vmap = vmap(fmodel)(params, buffers, minibatches)
print(predictions1_vmap.shape,
      torch.allclose(predictions1_vmap, torch.stack(predictions_diff_minibatch_loop), atol=1e-3,
                     rtol=1e-5))
predictions2_vmap = vmap(fmodel, in_dims=(0, 0, None))(params, buffers, minibatch)
print(torch.allclose(predictions2_vmap, torch.stack(predictions2), atol=1e-3, rtol=1e-5))
print(predictions2_vmap[:, 0])
loss = vmap(partial(F.cross_entropy, reduction="mean"), in_dims=(0, None))(
    predictions2_vmap, targets[:64])
print([round(v, 5) for v in loss.tolist()])
