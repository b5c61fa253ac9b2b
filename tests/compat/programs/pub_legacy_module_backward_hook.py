"""Older tutorials inspect layers with the deprecated `Module.register_backward_hook`: the hook
gets the gradients of the autograd node that produced the module's output (a convolution's
input, weight and bias; an activation's single input), may return replacements, and its
handle removes it. A forward hook prints the output's norm and a tensor hook on each layer's
output collects gradient statistics, as the gradient-flow tutorial does."""
import warnings

import torch
import torch.nn as nn
import torch.nn.functional as F

warnings.simplefilter("ignore")  # PyTorch's deprecation note for non-full hooks
torch.manual_seed(0)


class Small(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 4, 3)
        self.conv2 = nn.Conv2d(4, 6, 3)
        self.act = nn.Sigmoid()
        self.fc = nn.Linear(6 * 2 * 2, 3)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = self.act(self.conv2(x))
        return self.fc(x.flatten(1))


net = Small()
x = torch.randn(2, 1, 10, 10)
target = torch.tensor([0, 2])


def report(module, grad_input, grad_output):
    shapes = [None if g is None else tuple(g.shape) for g in grad_input]
    print(type(module).__name__, "grad_input", shapes, "grad_output", tuple(grad_output[0].shape))
    print("  norms", [None if g is None else round(g.norm().item(), 5) for g in grad_input])


def halve(module, grad_input, grad_output):
    return tuple(None if g is None else g / 2 for g in grad_input)


def show_forward(module, args, output):
    print("forward", type(module).__name__, tuple(output.shape), round(output.norm().item(), 5))


h1 = net.conv2.register_backward_hook(report)
h2 = net.act.register_backward_hook(halve)
net.conv2.register_forward_hook(show_forward)
flow = []


def collect(name):
    def hook(module, args, output):
        output.register_hook(lambda g: flow.append((name, g)))
    return hook


for name, layer in net.named_children():
    layer.register_forward_hook(collect(name))

loss = F.cross_entropy(net(x), target)
loss.backward()
print("loss", loss.item(), "conv1 grad", net.conv1.weight.grad.norm().item())
print("flow", [(n, round(g.abs().mean().item(), 6)) for n, g in flow])

net.zero_grad()
h1.remove()
h2.remove()
flow.clear()
F.cross_entropy(net(x), target).backward()
print("without hooks, conv1 grad", net.conv1.weight.grad.norm().item())
print("flow", [n for n, _ in flow])
