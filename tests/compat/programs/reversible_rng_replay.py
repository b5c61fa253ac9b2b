"""A reversible residual stack (y1 = x1 + f(x2), y2 = x2 + g(y1)) whose backward rebuilds the
inputs from the outputs instead of keeping activations, as the reversible Performer and linear-
attention transformers build it: each branch records the CPU generator state (and, when CUDA is
initialised, the per-device states from torch.utils.checkpoint.get_device_states) in forward and
replays it under torch.random.fork_rng, so its dropout draws the same mask when recomputed. The
gradients equal those of the same stack run without the reversible trick; then a few AdamW
steps, and the checkpoint helpers detach_variable and check_backward_validity."""
import warnings

import torch
import torch.nn as nn
from torch.utils.checkpoint import (
    check_backward_validity,
    detach_variable,
    get_device_states,
    set_device_states,
)

torch.manual_seed(11)


class ReplayRng(nn.Module):
    """Runs a branch, optionally recording the RNG first or replaying the recorded one."""

    def __init__(self, net):
        super().__init__()
        self.net = net
        self.cpu_state = None
        self.gpu_devices, self.gpu_states = [], []
        self.saw_cuda = False

    def forward(self, x, record=False, replay=False):
        if record:
            self.cpu_state = torch.get_rng_state()
            self.saw_cuda = bool(torch.cuda._initialized)
            if self.saw_cuda:
                self.gpu_devices, self.gpu_states = get_device_states(x)
        if not replay:
            return self.net(x)
        with torch.random.fork_rng(devices=self.gpu_devices if self.saw_cuda else [], enabled=True):
            torch.set_rng_state(self.cpu_state)
            if self.saw_cuda:
                set_device_states(self.gpu_devices, self.gpu_states)
            return self.net(x)


class Coupling(nn.Module):
    def __init__(self, d, p):
        super().__init__()
        def mlp():
            return nn.Sequential(nn.LayerNorm(d), nn.Linear(d, 2 * d), nn.GELU(), nn.Dropout(p),
                                 nn.Linear(2 * d, d))

        self.f, self.g = ReplayRng(mlp()), ReplayRng(mlp())

    def forward(self, x1, x2, record=True):
        y1 = x1 + self.f(x2, record=record)
        y2 = x2 + self.g(y1, record=record)
        return y1, y2

    def backward_pass(self, y1, y2, dy1, dy2):
        with torch.enable_grad():
            y1.requires_grad_()
            gy1 = self.g(y1, replay=True)
            torch.autograd.backward(gy1, dy2)
        with torch.no_grad():
            x2 = y2 - gy1
            dx1 = dy1 + y1.grad
            y1.grad = None
        with torch.enable_grad():
            x2.requires_grad_()
            fx2 = self.f(x2, replay=True)
            torch.autograd.backward(fx2, dx1)
        with torch.no_grad():
            x1 = y1 - fx2
            dx2 = dy2 + x2.grad
            x2.grad = None
        return x1.detach(), x2.detach(), dx1, dx2


class ReversibleFn(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, blocks):
        x1, x2 = x.chunk(2, dim=-1)
        with torch.no_grad():
            for block in blocks:
                x1, x2 = block(x1, x2)
        ctx.y = torch.cat((x1, x2), dim=-1).detach()
        ctx.blocks = blocks
        return ctx.y

    @staticmethod
    def backward(ctx, dy):
        y1, y2 = ctx.y.chunk(2, dim=-1)
        dy1, dy2 = dy.chunk(2, dim=-1)
        for block in reversed(ctx.blocks):
            y1, y2, dy1, dy2 = block.backward_pass(y1, y2, dy1, dy2)
        return torch.cat((dy1, dy2), dim=-1), None


class Stack(nn.Module):
    def __init__(self, d, depth, p):
        super().__init__()
        self.embed = nn.Linear(d, d)
        self.blocks = nn.ModuleList([Coupling(d, p) for _ in range(depth)])
        self.head = nn.Linear(2 * d, 3)

    def forward(self, x, reversible=True):
        x = self.embed(x)
        x = torch.cat((x, x), dim=-1)
        if reversible:
            x = ReversibleFn.apply(x, self.blocks)
        else:
            x1, x2 = x.chunk(2, dim=-1)
            for block in self.blocks:
                x1, x2 = block(x1, x2, record=False)
            x = torch.cat((x1, x2), dim=-1)
        return self.head(x.mean(dim=1))


model = Stack(8, depth=3, p=0.25)
x = torch.randn(4, 6, 8)
y = torch.randint(0, 3, (4,))
lossf = nn.CrossEntropyLoss()

torch.manual_seed(5)
loss_rev = lossf(model(x), y)
loss_rev.backward()
grads_rev = [p.grad.clone() for p in model.parameters()]
model.zero_grad()
torch.manual_seed(5)
loss_plain = lossf(model(x, reversible=False), y)
loss_plain.backward()
grads_plain = [p.grad.clone() for p in model.parameters()]
print("cuda initialised:", torch.cuda._initialized, "device states:", get_device_states(x))
print("loss reversible / plain: %.6f %.6f" % (loss_rev.item(), loss_plain.item()))
print("reversible grads equal the plain ones:", max((a - b).abs().max().item()
                                                     for a, b in zip(grads_rev, grads_plain)) < 1e-6)
print("grad norms:", ["%.5f" % g.norm().item() for g in grads_rev[:8]])

opt = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=0.01)
for step in range(4):
    opt.zero_grad()
    loss = lossf(model(x), y)
    loss.backward()
    opt.step()
    print("step %d loss %.6f" % (step, loss.item()))

a = torch.randn(3, requires_grad=True) * 2
da, n = detach_variable((a, 7))
print("detach_variable:", da.requires_grad, da.grad_fn is None, n)
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    check_backward_validity((torch.ones(2), 1.0))
print("check_backward_validity warned:", [str(w.message) for w in caught])
