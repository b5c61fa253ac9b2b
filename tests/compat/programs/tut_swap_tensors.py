"""The torch.utils.swap_tensors recipe: swapping two tensors' contents (data, shape,
requires_grad, class) while every reference keeps pointing at the same Python objects, swapping
a Parameter with a plain tensor, an optimizer that keeps working on a swapped-in parameter,
module.to(dtype) under torch.__future__.set_swap_module_params_on_conversion, and the flag
read back."""
import torch
import torch.nn as nn

torch.manual_seed(0)
t1 = torch.randn(2, requires_grad=True)
t2 = torch.randn(3)
print(f"Before swapping, t1: {t1}, t2: {t2}")
ids = (id(t1), id(t2))
torch.utils.swap_tensors(t1, t2)
print(f"After swapping, t1: {t1}, t2: {t2}")
print("ids kept", (id(t1), id(t2)) == ids, t1.shape, t2.shape, t1.requires_grad, t2.requires_grad)

p = nn.Parameter(torch.ones(2))
t = torch.zeros(2)
torch.utils.swap_tensors(p, t)
print(type(p).__name__, type(t).__name__, p.requires_grad, t.requires_grad)
print(t)

model = nn.Linear(3, 2)
opt = torch.optim.SGD(model.parameters(), lr=0.5)
weight = model.weight
new_weight = nn.Parameter(torch.full((2, 3), 0.25))
torch.utils.swap_tensors(model.weight, new_weight)
print("model.weight is the same object", model.weight is weight)
print("optimizer sees the new values", opt.param_groups[0]["params"][0].tolist())
x = torch.randn(4, 3)
loss = model(x).pow(2).sum()
loss.backward()
opt.step()
print("after step", model.weight.tolist())

torch.__future__.set_swap_module_params_on_conversion(True)
print("swap flag", torch.__future__.get_swap_module_params_on_conversion())
m = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 1))
w_id = id(m[0].weight)
m = m.to(torch.float64)
print("identity kept", id(m[0].weight) == w_id, m[0].weight.dtype, type(m[0].weight).__name__)
print("forward", m(torch.ones(2, 3, dtype=torch.float64)).squeeze().tolist())
sd = {k: v.clone() + 1 for k, v in m.state_dict().items()}
m.load_state_dict(sd)
print("loaded", m[2].bias.item(), id(m[0].weight) == w_id)
torch.__future__.set_swap_module_params_on_conversion(False)
print("swap flag", torch.__future__.get_swap_module_params_on_conversion())
