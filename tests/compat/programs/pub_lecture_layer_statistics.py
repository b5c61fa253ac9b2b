"""The statistics a lecture prints while it diagnoses a deep tanh MLP built from hand-written
layer classes (Linear with a `* fan_in**-0.5` init, a BatchNorm1d with running buffers updated
under no_grad, Tanh keeping `self.out`): per-layer activation mean/std/saturation formatted with
`'%+.2f' % t.mean()` on tensors still in the graph, `torch.histogram(t, density=True)` with its
default 100 bins, gradient statistics after `retain_grad()`, grad:data ratios, and the update
to data ratios of one SGD step; the deprecation and scalar-conversion warnings are printed."""
import warnings

import torch
import torch.nn.functional as F

g = torch.Generator().manual_seed(2147483647)


class Linear:
    def __init__(self, fan_in, fan_out, bias=True):
        self.weight = torch.randn((fan_in, fan_out), generator=g) / fan_in**0.5
        self.bias = torch.zeros(fan_out) if bias else None

    def __call__(self, x):
        self.out = x @ self.weight
        if self.bias is not None:
            self.out += self.bias
        return self.out

    def parameters(self):
        return [self.weight] + ([] if self.bias is None else [self.bias])


class BatchNorm1d:
    def __init__(self, dim, eps=1e-5, momentum=0.1):
        self.eps, self.momentum, self.training = eps, momentum, True
        self.gamma, self.beta = torch.ones(dim), torch.zeros(dim)
        self.running_mean, self.running_var = torch.zeros(dim), torch.ones(dim)

    def __call__(self, x):
        if self.training:
            xmean, xvar = x.mean(0, keepdim=True), x.var(0, keepdim=True)
        else:
            xmean, xvar = self.running_mean, self.running_var
        self.out = self.gamma * (x - xmean) / torch.sqrt(xvar + self.eps) + self.beta
        if self.training:
            with torch.no_grad():
                self.running_mean = (1 - self.momentum) * self.running_mean + self.momentum * xmean
                self.running_var = (1 - self.momentum) * self.running_var + self.momentum * xvar
        return self.out

    def parameters(self):
        return [self.gamma, self.beta]


class Tanh:
    def __call__(self, x):
        self.out = torch.tanh(x)
        return self.out

    def parameters(self):
        return []


vocab, n_embd, block, hidden = 27, 8, 3, 64
C = torch.randn((vocab, n_embd), generator=g)
layers = [Linear(n_embd * block, hidden, bias=False), BatchNorm1d(hidden), Tanh(),
          Linear(hidden, hidden, bias=False), BatchNorm1d(hidden), Tanh(),
          Linear(hidden, vocab, bias=False), BatchNorm1d(vocab)]
with torch.no_grad():
    layers[-1].gamma *= 0.1
    for layer in layers[:-1]:
        if isinstance(layer, Linear):
            layer.weight *= 5 / 3
parameters = [C] + [p for layer in layers for p in layer.parameters()]
print(sum(p.nelement() for p in parameters))
for p in parameters:
    p.requires_grad = True

Xb = torch.randint(0, vocab, (32, block), generator=g)
Yb = torch.randint(0, vocab, (32,), generator=g)
x = C[Xb].view(32, -1)
for layer in layers:
    x = layer(x)
loss = F.cross_entropy(x, Yb)
for layer in layers:
    layer.out.retain_grad()
for p in parameters:
    p.grad = None
loss.backward()
print(f"loss {loss.item():.4f}")

with warnings.catch_warnings(record=True) as seen:
    warnings.simplefilter("always")
    for i, layer in enumerate(layers[:-1]):
        if isinstance(layer, Tanh):
            t = layer.out
            print("layer %d (%10s): mean %+.2f, std %.2f, saturated: %.2f%%" % (
                i, layer.__class__.__name__, t.mean(), t.std(), (t.abs() > 0.97).float().mean() * 100))
            hy, hx = torch.histogram(t, density=True)
            print(hy.shape[0], hx.shape[0], f"{hy.sum().item() * (hx[1] - hx[0]).item():.4f}",
                  f"{hx[0].item():+.4f} {hx[-1].item():+.4f}")
    for i, layer in enumerate(layers[:-1]):
        if isinstance(layer, Tanh):
            t = layer.out.grad
            print("layer %d (%10s): grad mean %+f, std %e" % (i, "Tanh", t.mean(), t.std()))
            hy, hx = torch.histogram(t, density=True)
            print(int((hy > 0).sum()), f"{hx[0].item():+.3e}")
    for i, p in enumerate(parameters):
        if p.ndim == 2:
            t = p.grad
            print("weight %10s | mean %+f | std %e | grad:data ratio %e" % (
                tuple(p.shape), t.mean(), t.std(), t.std() / p.std()))
    probs = F.softmax(x.detach()[:2])
    print(probs.sum(1))
print(len(seen), sorted({w.category.__name__ for w in seen}))
for message in sorted({str(w.message).splitlines()[0] for w in seen}):
    print(message)

lr = 0.1
with torch.no_grad():
    for p in parameters:
        p.data += -lr * p.grad
ud = [((lr * p.grad).std() / p.data.std()).log10().item() for p in parameters if p.ndim == 2]
print(" ".join(f"{v:.3f}" for v in ud))
