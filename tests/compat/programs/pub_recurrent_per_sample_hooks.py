"""Differential-privacy training written with module hooks, as privacy libraries do it: a
recurrent cell's input and hidden projections are nn.Linear modules called once per time step;
a forward hook pushes each call's input on a stack and a full backward hook pops it to form
that call's per-sample weight gradients, so the hooks must fire in the reverse order of the
calls. Per-sample gradients are clipped, summed, noised from a seeded generator and applied by
SGD; the sequence lengths of a ragged batch are built with `[1] * n` from a 0-d tensor."""
import torch
import torch.nn as nn

torch.manual_seed(0)


class Cell(nn.Module):
    def __init__(self, d, h):
        super().__init__()
        self.ih = nn.Linear(d, h)
        self.hh = nn.Linear(h, h, bias=False)

    def forward(self, x, state):
        return torch.tanh(self.ih(x) + self.hh(state))


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.cell = Cell(3, 5)
        self.head = nn.Linear(5, 2)

    def forward(self, xs):
        h = torch.zeros(xs.shape[1], 5)
        for x in xs:
            h = self.cell(x, h)
        return self.head(h)


net = Net()
stacks = {}


def keep_input(module, inputs, output):
    stacks.setdefault(module, []).append(inputs[0].detach())


def per_sample(module, grad_input, grad_output):
    act = stacks[module].pop()
    g = grad_output[0].detach()
    gs = torch.einsum("ni,nj->nij", g, act)
    module.weight.grad_sample = gs if getattr(module.weight, "grad_sample", None) is None \
        else module.weight.grad_sample + gs
    if module.bias is not None:
        module.bias.grad_sample = g if getattr(module.bias, "grad_sample", None) is None \
            else module.bias.grad_sample + g
    print("  backward", type(module).__name__, tuple(g.shape), round(g.abs().sum().item(), 5))


for m in net.modules():
    if isinstance(m, nn.Linear):
        m.register_forward_hook(keep_input)
        m.register_full_backward_hook(per_sample)

opt = torch.optim.SGD(net.parameters(), lr=0.5)
noise = torch.Generator().manual_seed(3)
xs = torch.randn(3, 4, 3)
ys = torch.tensor([0, 1, 1, 0])
for step in range(3):
    for p in net.parameters():
        p.grad_sample = None
    loss = nn.functional.cross_entropy(net(xs), ys, reduction="sum")
    loss.backward()
    norms = torch.stack([p.grad_sample.flatten(1).norm(dim=1) for p in net.parameters()]).norm(dim=0)
    factor = (1.0 / (norms + 1e-6)).clamp(max=1.0)
    for p in net.parameters():
        clipped = torch.einsum("n,n...->...", factor, p.grad_sample)
        p.grad = (clipped + 0.3 * torch.randn(p.shape, generator=noise)) / len(ys)
    opt.step()
    opt.zero_grad()
    print("step", step, "loss", round(loss.item(), 5), "norms", [round(v, 5) for v in norms.tolist()])

batch_sizes = torch.tensor([3])
lengths = [1] * batch_sizes[0]
print("lengths", lengths, (2, 0) * torch.tensor(2))
print("params", round(sum(p.sum().item() for p in net.parameters()), 5))
