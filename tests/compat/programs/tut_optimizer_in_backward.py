"""The "optimizer step in backward" tutorial: one optimizer per parameter, stepped from a
register_post_accumulate_grad_hook as soon as that parameter's gradient is accumulated (and its
grad freed), checked against the usual loop (backward, step, zero_grad) on a copy of the model."""
import copy

import torch
import torch.nn as nn

torch.manual_seed(0)
model = nn.Sequential(nn.Linear(8, 32), nn.GELU(), nn.Linear(32, 32), nn.GELU(), nn.Linear(32, 4))
reference = copy.deepcopy(model)
x = torch.randn(16, 8)
y = torch.randn(16, 4)

optimizer_dict = {p: torch.optim.Adam([p], lr=1e-2, foreach=False) for p in model.parameters()}
order = []


def optimizer_hook(parameter) -> None:
    order.append(tuple(parameter.shape))
    optimizer_dict[parameter].step()
    optimizer_dict[parameter].zero_grad()


handles = [p.register_post_accumulate_grad_hook(optimizer_hook) for p in model.parameters()]


def train(model, optimizer=None):
    loss = nn.functional.mse_loss(model(x), y)
    loss.backward()
    if optimizer is not None:
        optimizer.step()
        optimizer.zero_grad()
    return loss.item()


ref_opt = torch.optim.Adam(reference.parameters(), lr=1e-2, foreach=False)
for step in range(5):
    l1 = train(model)
    l2 = train(reference, ref_opt)
    print(f"step {step} in-backward {l1:.6f} reference {l2:.6f}")
print("hook order (first step)", order[:len(handles)])
print("grads freed", all(p.grad is None for p in model.parameters()))
print("same weights", all(torch.allclose(a, b, atol=1e-6) for a, b in
                          zip(model.parameters(), reference.parameters())))
for h in handles:
    h.remove()
loss = nn.functional.mse_loss(model(x), y)
loss.backward()
print("after remove: grads kept", all(p.grad is not None for p in model.parameters()))


# the hook also fires for a leaf that is not a Parameter, once per accumulation
w = torch.zeros(3, requires_grad=True)
seen = []
w.register_post_accumulate_grad_hook(lambda t: seen.append(t.grad.clone()))
(w * torch.tensor([1., 2., 3.])).sum().backward()
(w * 2).sum().backward()
print("accumulations", [s.tolist() for s in seen])
