"""Two training-engineering utilities projects paste in: a torchsummary-style model summary by
forward hooks on every leaf module (output shapes including tuple outputs of an LSTM, parameter
and trainable counts, estimated activation memory, hooks removed afterwards), and
torch.utils.checkpoint.checkpoint_sequential over an nn.Sequential with 2 and 3 segments
(use_reentrant=False) and checkpoint() of a block with dropout and preserve_rng_state, whose
outputs and gradients equal the plain forward/backward."""
import collections

import torch
import torch.nn as nn
from torch.utils.checkpoint import checkpoint, checkpoint_sequential

torch.manual_seed(53)


class LastStep(nn.Module):
    def forward(self, x):
        return x[0][:, -1]


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Sequential(nn.Conv1d(4, 8, 3, padding=1), nn.BatchNorm1d(8), nn.ReLU())
        self.rnn = nn.LSTM(8, 6, batch_first=True)
        self.pick = LastStep()
        self.head = nn.Linear(6, 3)
        self.head.bias.requires_grad_(False)

    def forward(self, x):
        h = self.conv(x).transpose(1, 2)
        return self.head(self.pick(self.rnn(h)))


def summary(model, input_size, batch_size=2):
    info = collections.OrderedDict()
    hooks = []

    def register(name):
        def hook(module, inp, out):
            key = f"{module.__class__.__name__}-{len(info) + 1}"
            if isinstance(out, (list, tuple)):
                shape = [[-1] + list(o.shape[1:]) if torch.is_tensor(o) else
                         [[-1] + list(t.shape[1:]) for t in o] for o in out]
            else:
                shape = [-1] + list(out.shape[1:])
            params = sum(p.numel() for p in module.parameters(recurse=False))
            trainable = sum(p.numel() for p in module.parameters(recurse=False) if p.requires_grad)
            info[key] = (name, shape, params, trainable)
        return hook

    for name, m in model.named_modules():
        if len(list(m.children())) == 0:
            hooks.append(m.register_forward_hook(register(name)))
    model(torch.rand(batch_size, *input_size))
    for h in hooks:
        h.remove()
    print(f"{'Layer (type)':>20}  {'Name':>8}  {'Output Shape':>26}  {'Param #':>8}")
    for key, (name, shape, params, _) in info.items():
        print(f"{key:>20}  {name:>8}  {str(shape):>26}  {params:>8}")
    total = sum(v[2] for v in info.values())
    trainable = sum(v[3] for v in info.values())
    print(f"Total params: {total}  Trainable params: {trainable}  Non-trainable: {total - trainable}")
    return len(model._forward_hooks), sum(len(m._forward_hooks) for m in model.modules())


print("hooks left", summary(Net(), (4, 5)))

layers = [nn.Linear(6, 6), nn.Tanh(), nn.Linear(6, 6), nn.GELU(), nn.Linear(6, 6), nn.Softplus(), nn.Linear(6, 2)]
model = nn.Sequential(*layers)
x = torch.randn(5, 6, requires_grad=True)
ref = model(x)
ref.pow(2).sum().backward()
ref_grads = [p.grad.clone() for p in model.parameters()] + [x.grad.clone()]
for segments in (2, 3):
    model.zero_grad()
    x.grad = None
    out = checkpoint_sequential(model, segments, x, use_reentrant=False)
    out.pow(2).sum().backward()
    grads = [p.grad for p in model.parameters()] + [x.grad]
    print(f"segments {segments} out equal {torch.allclose(out, ref)} grads equal "
          f"{all(torch.allclose(a, b, atol=1e-6) for a, b in zip(grads, ref_grads))} grad_fn {out.grad_fn is not None}")

block = nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Dropout(0.3), nn.Linear(16, 6))
inp = torch.randn(4, 6, requires_grad=True)
torch.manual_seed(1)
plain = block(inp)
plain.sum().backward()
g_plain = inp.grad.clone()
inp.grad = None
torch.manual_seed(1)
ck = checkpoint(block, inp, use_reentrant=False, preserve_rng_state=True)
ck.sum().backward()
print("dropout checkpoint equal", torch.allclose(plain, ck), torch.allclose(g_plain, inp.grad))
print("values", ck[0, :3], inp.grad[0, :3])


def fn(a, b, scale=1.0):
    return (a * b).sin() * scale, a.shape[0]


a = torch.randn(3, requires_grad=True)
out, n = checkpoint(fn, a, torch.ones(3), scale=2.0, use_reentrant=False)
out.sum().backward()
print("kwargs checkpoint", n, a.grad)
