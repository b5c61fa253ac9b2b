"""The basics tutorial on automatic differentiation: a one-layer network with BCE-with-logits,
grad_fn of intermediate results, backward and .grad, switching tracking off with no_grad and
detach, and the Jacobian-vector product of a vector-valued output, with retain_graph and
gradients accumulating across backward calls until zeroed."""
import torch

torch.manual_seed(0)
x = torch.ones(5)
y = torch.zeros(3)
w = torch.randn(5, 3, requires_grad=True)
b = torch.randn(3, requires_grad=True)
z = torch.matmul(x, w) + b
loss = torch.nn.functional.binary_cross_entropy_with_logits(z, y)
print(f"Gradient function for z = {type(z.grad_fn).__name__}")
print(f"Gradient function for loss = {type(loss.grad_fn).__name__}")
print("next functions", [type(f).__name__ for f, _ in z.grad_fn.next_functions])

loss.backward()
print(w.grad)
print(b.grad)

z = torch.matmul(x, w) + b
print(z.requires_grad)
with torch.no_grad():
    z = torch.matmul(x, w) + b
print(z.requires_grad)
z = torch.matmul(x, w) + b
z_det = z.detach()
print(z_det.requires_grad)

inp = torch.eye(4, 5, requires_grad=True)
out = (inp + 1).pow(2).t()
out.backward(torch.ones_like(out), retain_graph=True)
print(f"First call\n{inp.grad}")
out.backward(torch.ones_like(out), retain_graph=True)
print(f"\nSecond call\n{inp.grad}")
inp.grad.zero_()
out.backward(torch.ones_like(out), retain_graph=True)
print(f"\nCall after zeroing gradients\n{inp.grad}")

try:
    loss.backward()
except RuntimeError as e:
    print("second backward without retain_graph:", type(e).__name__)

# a few steps of gradient descent on the same problem
opt = torch.optim.SGD([w, b], lr=0.5)
for i in range(5):
    opt.zero_grad()
    loss = torch.nn.functional.binary_cross_entropy_with_logits(torch.matmul(x, w) + b, y)
    loss.backward()
    opt.step()
    print(i, round(loss.item(), 6))
