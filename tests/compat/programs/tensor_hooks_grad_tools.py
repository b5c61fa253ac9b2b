"""Gradient tools built from tensor.register_hook: per-parameter gradient clipping with
p.register_hook(lambda g: g.clamp(-c, c)), gradient logging into a dict, a hook that zeroes the
gradient of frozen rows (partial freezing of an embedding), a hook on an intermediate output
that scales its gradient (gradient reversal), hook removal, and retain_grad on activations."""
import torch
import torch.nn as nn

torch.manual_seed(0)
model = nn.Sequential(nn.Linear(6, 12), nn.Tanh(), nn.Linear(12, 3))
x = torch.randn(10, 6) * 5
y = torch.randint(0, 3, (10,))
clip_value = 0.05
handles = []
for p in model.parameters():
    handles.append(p.register_hook(lambda grad: torch.clamp(grad, -clip_value, clip_value)))

grad_log = {}
for name, p in model.named_parameters():
    handles.append(p.register_hook(
        lambda grad, name=name: grad_log.__setitem__(name, grad.norm().item())))

loss = nn.functional.cross_entropy(model(x), y)
loss.backward()
print(f"loss {loss.item():.6f}")
for name, p in model.named_parameters():
    print(f"{name:10s} max |g| {p.grad.abs().max().item():.6f} logged norm {grad_log[name]:.6f}")
for h in handles:
    h.remove()
model.zero_grad()
nn.functional.cross_entropy(model(x), y).backward()
print("after removing hooks:", f"{model[0].weight.grad.abs().max().item():.6f}",
      len(grad_log))

# partial freezing: rows 0..4 of an embedding keep their pretrained values
emb = nn.Embedding(10, 4)
frozen = torch.zeros(10, 1)
frozen[:5] = 1
emb.weight.register_hook(lambda g: g * (1 - frozen))
opt = torch.optim.SGD(emb.parameters(), lr=1.0)
before = emb.weight.detach().clone()
idx = torch.tensor([[1, 2, 7], [5, 9, 0]])
emb(idx).pow(2).sum().backward()
opt.step()
changed = (emb.weight.detach() != before).any(1)
print("rows changed:", changed.nonzero().flatten().tolist())


class GradReverse(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, alpha):
        ctx.alpha = alpha
        return x.view_as(x)

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output.neg() * ctx.alpha, None


feat = torch.randn(4, 3, requires_grad=True)
h = feat * 2
h.retain_grad()
h.register_hook(lambda g: print("hook sees grad of shape", tuple(g.shape), f"{g.sum():.4f}"))
out = GradReverse.apply(h, 0.5).sum() + h.pow(2).sum()
out.backward()
print(f"feat grad {feat.grad.sum().item():.6f} h.grad {h.grad.sum().item():.6f}")

# hooks run in registration order and each sees the previous result
t = torch.ones(3, requires_grad=True)
t.register_hook(lambda g: g * 2)
t.register_hook(lambda g: g + 1)
t.register_hook(lambda g: print("third hook got", g.tolist()))
(t * 3).sum().backward()
print("final grad", t.grad.tolist())
try:
    torch.ones(2).register_hook(lambda g: g)
except RuntimeError as e:
    print("RuntimeError:", e)
