"""The "hooks for autograd saved tensors" tutorial: grad_fn._saved_self and _saved_result
(identity with the input/output, equal after an in-place op raises), pack/unpack hooks with
torch.autograd.graph.saved_tensors_hooks printing what is saved, hooks that save to a list and
return an index, a counting hook showing how many tensors a network saves, save_on_cpu,
hooks that return a detached copy, and disable_saved_tensors_hooks raising inside its block."""
import os
import tempfile
import uuid

import torch
import torch.nn as nn

torch.manual_seed(0)
a = torch.randn(5, requires_grad=True)
y = a.exp()
print(y.equal(y.grad_fn._saved_result), y is y.grad_fn._saved_result)
x = a.pow(2)
print(x.equal(x.grad_fn._saved_self), a.equal(x.grad_fn._saved_self),
      a is x.grad_fn._saved_self)
b = a.sin()
print(b.grad_fn._saved_self.equal(a))


def pack_hook(x):
    print("Packing", tuple(x.shape))
    return x


def unpack_hook(x):
    print("Unpacking", tuple(x.shape))
    return x


a = torch.ones(5, requires_grad=True)
b = torch.ones(5, requires_grad=True) * 2
with torch.autograd.graph.saved_tensors_hooks(pack_hook, unpack_hook):
    y = a * b
y.sum().backward()
print(a.grad, b.grad)

storage = []


def pack(x):
    storage.append(x)
    return len(storage) - 1


def unpack(x):
    return storage[x]


x = torch.randn(5, requires_grad=True)
with torch.autograd.graph.saved_tensors_hooks(pack, unpack):
    y = x.pow(2)
print(y.grad_fn._saved_self, len(storage))
y.sum().backward()
print(torch.allclose(x.grad, 2 * x))

x = torch.randn(5, requires_grad=True)
with torch.autograd.graph.saved_tensors_hooks(lambda x: x * 4, lambda x: x / 2):
    y = x * x
y.sum().backward()
print(torch.allclose(x.grad, 4 * x))

counter = {"n": 0, "numel": 0}


def count_pack(t):
    counter["n"] += 1
    counter["numel"] += t.numel()
    return t


model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 4))
inp = torch.randn(3, 8)
with torch.autograd.graph.saved_tensors_hooks(count_pack, lambda t: t):
    loss = model(inp).pow(2).mean()
loss.backward()
print("saved", counter["n"] > 0, model[0].weight.grad.abs().sum().item())

with tempfile.TemporaryDirectory() as tmp_dir:
    class SelfDeletingTempFile:
        def __init__(self):
            self.name = os.path.join(tmp_dir, str(uuid.uuid4()))

        def __del__(self):
            if os.path.exists(self.name):
                os.remove(self.name)

    def pack_to_disk(tensor):
        temp_file = SelfDeletingTempFile()
        torch.save(tensor, temp_file.name)
        return temp_file

    def unpack_from_disk(temp_file):
        return torch.load(temp_file.name, weights_only=True)

    x = torch.randn(5, requires_grad=True)
    with torch.autograd.graph.saved_tensors_hooks(pack_to_disk, unpack_from_disk):
        y = x.pow(2)
    print(len(os.listdir(tmp_dir)))
    y.sum().backward()
    print(torch.allclose(x.grad, 2 * x))
    del y

x = torch.randn(5, requires_grad=True)
with torch.autograd.graph.save_on_cpu(pin_memory=False):
    y = (x * x).sin()
y.sum().backward()
print(torch.allclose(x.grad, 2 * x * torch.cos(x * x)))
try:
    with torch.autograd.graph.disable_saved_tensors_hooks("saved tensors hooks are off here"):
        with torch.autograd.graph.saved_tensors_hooks(pack, unpack):
            pass
except RuntimeError as e:
    print("RuntimeError:", str(e))
x = torch.randn(3, requires_grad=True)
y = x.exp()
y.add_(1)
try:
    y.grad_fn.next_functions[0][0]._saved_result
except RuntimeError as e:
    print("RuntimeError", "modified by an inplace operation" in str(e))
