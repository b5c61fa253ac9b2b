"""Probabilistic-modelling code in the style of normalizing-flow libraries: a Runge-Kutta
integrator keeps its state as a tuple of tensors whose class defines the arithmetic (`step *
state` reaches the tuple's `__rmul__`, `state + state` its `__add__`), and a custom
autograd.Function integrates a neural ODE forward and solves the adjoint system backward with
it. A Bayesian layer keeps a mean and a log-variance per weight and runs the network with
sampled weights through `nn.utils.stateless._reparametrize_module`. Both train for three Adam
steps; the gradients are compared against plain backpropagation through the solver."""
import torch
import torch.nn as nn

torch.manual_seed(0)


class State(tuple):
    """A few tensors added and scaled together, as one ODE state."""

    def __add__(self, other):
        return State(a + b for a, b in zip(self, other))

    def __rmul__(self, scale):
        return State(scale * a for a in self)


def rk4(f, t, x, dt):
    k1 = dt * f(t, x)
    k2 = dt * f(t + dt / 2, x + 0.5 * k1)
    k3 = dt * f(t + dt / 2, x + 0.5 * k2)
    k4 = dt * f(t + dt, x + k3)
    return x + (1 / 6) * (k1 + 2 * k2 + 2 * k3 + k4)


class Field(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(3, 16), nn.Tanh(), nn.Linear(16, 2))

    def forward(self, t, x):
        return self.net(torch.cat([x, t.expand(x.shape[0], 1)], dim=1))


class Adjoint(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x0, field, steps, *params):
        ctx.field, ctx.steps = field, steps
        dt = torch.tensor(1.0 / steps)
        t, x = torch.tensor(0.0), State((x0,))
        with torch.no_grad():
            for _ in range(steps):
                x = rk4(lambda s, y: State((field(s, y[0]),)), t, x, dt)
                t = t + dt
        ctx.save_for_backward(x[0], *params)
        return x[0]

    @staticmethod
    def backward(ctx, grad_out):
        field, steps = ctx.field, ctx.steps
        x1, *params = ctx.saved_tensors

        def augmented(t, y):
            x, a = y[0], y[1]
            with torch.enable_grad():
                x = x.detach().requires_grad_()
                dx = field(t, x)
                ga, *gp = torch.autograd.grad(dx, (x, *params), -a)
            return State((dx, ga, *gp))

        dt = torch.tensor(-1.0 / steps)
        t = torch.tensor(1.0)
        y = State((x1, grad_out, *[torch.zeros_like(p) for p in params]))
        for _ in range(steps):
            y = rk4(augmented, t, y, dt)
            t = t + dt
        return (y[1], None, None, *y[2:])


field = Field()
x0 = torch.randn(8, 2, requires_grad=True)
target = torch.randn(8, 2)
params = tuple(field.parameters())
x1 = Adjoint.apply(x0, field, 20, *params)
loss = ((x1 - target) ** 2).mean()
grads = torch.autograd.grad(loss, (x0, *params))

dt, t, x = torch.tensor(0.05), torch.tensor(0.0), State((x0,))
for _ in range(20):
    x = rk4(lambda s, y: State((field(s, y[0]),)), t, x, dt)
    t = t + dt
direct = torch.autograd.grad(((x[0] - target) ** 2).mean(), (x0, *params))
print("adjoint loss", round(loss.item(), 6))
for g, d in zip(grads, direct):
    print("grad sum", round(g.sum().item(), 6), "equals direct:", bool((g - d).abs().max() < 1e-4))

opt = torch.optim.Adam(field.parameters(), lr=1e-2)
for step in range(3):
    x1 = Adjoint.apply(x0.detach(), field, 10, *field.parameters())
    loss = ((x1 - target) ** 2).mean()
    opt.zero_grad()
    loss.backward()
    opt.step()
    print("ode step", step, round(loss.item(), 6))


class Bayesian(nn.Module):
    """A mean and a log-variance for each parameter of `base`; sampled weights run `base`."""

    def __init__(self, base):
        super().__init__()
        self.base = base
        names = [n for n, _ in base.named_parameters()]
        self.means = nn.ParameterList([nn.Parameter(p.detach().clone()) for p in base.parameters()])
        self.logvars = nn.ParameterList([nn.Parameter(torch.full_like(p, -6.0)) for p in base.parameters()])
        self.names = names

    def forward(self, x):
        sampled = {n: m + torch.exp(lv / 2) * torch.randn_like(m)
                   for n, m, lv in zip(self.names, self.means, self.logvars)}
        with nn.utils.stateless._reparametrize_module(self.base, sampled):
            out = self.base(x)
        return out

    def kl(self):
        return sum(0.5 * (lv.exp() + m ** 2 - 1 - lv).sum() for m, lv in zip(self.means, self.logvars))


model = Bayesian(nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1)))
first = model.base[0].weight.detach().clone()
x = torch.randn(16, 4)
y = x[:, :1] * 2 - x[:, 1:2]
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
for step in range(3):
    pred = model(x)
    loss = ((pred - y) ** 2).mean() + 1e-3 * model.kl()
    opt.zero_grad()
    loss.backward()
    opt.step()
    print("bayes step", step, round(loss.item(), 5), "logvar grad", round(model.logvars[0].grad.sum().item(), 6))
print("base weights restored after each call:", torch.equal(model.base[0].weight, first))
print("base weight is a Parameter:", isinstance(model.base[0].weight, nn.Parameter))
