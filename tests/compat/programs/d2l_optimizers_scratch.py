"""Dive into Deep Learning's optimization chapter: gradient descent on f(x) = x**2 and a 2-D
quadratic traced with train_2d (results printed as the book's f'epoch {i}, x1: ..., x2: ...'),
Newton's method on a nonconvex cosh/cos function, then the book's from-scratch optimizers with
their state-initialisers (init_momentum_states, init_adagrad_states, init_rmsprop_states,
init_adadelta_states, init_adam_states with hyperparams['t']) applied in place under
torch.no_grad(), each checked step for step against torch.optim on the same data."""
import math

import torch
from torch import nn

torch.manual_seed(0)


def f(x):
    return x ** 2


def f_grad(x):
    return 2 * x


def gd(eta, f_grad):
    x = 10.0
    results = [x]
    for i in range(10):
        x -= eta * f_grad(x)
        results.append(float(x))
    print(f'epoch 10, x: {x:f}')
    return results


print(gd(0.2, f_grad)[:4])
print(gd(1.1, f_grad)[-1])


def train_2d(trainer, steps=20, f_grad=None):
    x1, x2, s1, s2 = -5, -2, 0, 0
    results = [(x1, x2)]
    for i in range(steps):
        if f_grad:
            x1, x2, s1, s2 = trainer(x1, x2, s1, s2, f_grad)
        else:
            x1, x2, s1, s2 = trainer(x1, x2, s1, s2)
        results.append((x1, x2))
    print(f'epoch {i + 1}, x1: {float(x1):f}, x2: {float(x2):f}')
    return results


def f_2d(x1, x2):
    return x1 ** 2 + 2 * x2 ** 2


def f_2d_grad(x1, x2):
    return (2 * x1, 4 * x2)


def gd_2d(x1, x2, s1, s2, f_grad):
    g1, g2 = f_grad(x1, x2)
    return (x1 - 0.1 * g1, x2 - 0.1 * g2, 0, 0)


train_2d(gd_2d, f_grad=f_2d_grad)
torch.manual_seed(1)


def sgd_2d(x1, x2, s1, s2, f_grad):
    g1, g2 = f_grad(x1, x2)
    g1 += torch.normal(0.0, 1, (1,)).item()
    g2 += torch.normal(0.0, 1, (1,)).item()
    eta_t = 0.1 * 0.9
    return (x1 - eta_t * g1, x2 - eta_t * g2, 0, 0)


train_2d(sgd_2d, steps=30, f_grad=f_2d_grad)
c = torch.tensor(0.15 * math.pi)


def fn(x):
    return x * torch.cos(c * x)


def fn_grad(x):
    return torch.cos(c * x) - c * x * torch.sin(c * x)


def fn_hess(x):
    return - 2 * c * torch.sin(c * x) - x * c**2 * torch.cos(c * x)


def newton(eta=1):
    x = torch.tensor(10.0)
    for i in range(10):
        x -= eta * fn_grad(x) / fn_hess(x)
    print('epoch 10, x:', x)


newton()
newton(0.5)


def init_momentum_states(feature_dim):
    v_w = torch.zeros((feature_dim, 1))
    v_b = torch.zeros(1)
    return (v_w, v_b)


def sgd_momentum(params, states, hyperparams):
    for p, v in zip(params, states):
        with torch.no_grad():
            v[:] = hyperparams['momentum'] * v + p.grad
            p[:] -= hyperparams['lr'] * v
        p.grad.data.zero_()


def init_adagrad_states(feature_dim):
    s_w = torch.zeros((feature_dim, 1))
    s_b = torch.zeros(1)
    return (s_w, s_b)


def adagrad(params, states, hyperparams):
    eps = 1e-10
    for p, s in zip(params, states):
        with torch.no_grad():
            s[:] += torch.square(p.grad)
            p[:] -= hyperparams['lr'] * p.grad / torch.sqrt(s + eps)
        p.grad.data.zero_()


def init_rmsprop_states(feature_dim):
    s_w = torch.zeros((feature_dim, 1))
    s_b = torch.zeros(1)
    return (s_w, s_b)


def rmsprop(params, states, hyperparams):
    gamma, eps = hyperparams['gamma'], 1e-8
    for p, s in zip(params, states):
        with torch.no_grad():
            s[:] = gamma * s + (1 - gamma) * torch.square(p.grad)
            p[:] -= hyperparams['lr'] * p.grad / (torch.sqrt(s) + eps)
        p.grad.data.zero_()


def init_adadelta_states(feature_dim):
    s_w, s_b = torch.zeros((feature_dim, 1)), torch.zeros(1)
    delta_w, delta_b = torch.zeros((feature_dim, 1)), torch.zeros(1)
    return ((s_w, delta_w), (s_b, delta_b))


def adadelta(params, states, hyperparams):
    rho, eps = hyperparams['rho'], 1e-5
    for p, (s, delta) in zip(params, states):
        with torch.no_grad():
            s[:] = rho * s + (1 - rho) * torch.square(p.grad)
            g = (torch.sqrt(delta + eps) / torch.sqrt(s + eps)) * p.grad
            p[:] -= g
            delta[:] = rho * delta + (1 - rho) * g * g
        p.grad.data.zero_()


def init_adam_states(feature_dim):
    v_w, v_b = torch.zeros((feature_dim, 1)), torch.zeros(1)
    s_w, s_b = torch.zeros((feature_dim, 1)), torch.zeros(1)
    return ((v_w, s_w), (v_b, s_b))


def adam(params, states, hyperparams):
    beta1, beta2, eps = 0.9, 0.999, 1e-6
    for p, (v, s) in zip(params, states):
        with torch.no_grad():
            v[:] = beta1 * v + (1 - beta1) * p.grad
            s[:] = beta2 * s + (1 - beta2) * torch.square(p.grad)
            v_bias_corr = v / (1 - beta1 ** hyperparams['t'])
            s_bias_corr = s / (1 - beta2 ** hyperparams['t'])
            p[:] -= hyperparams['lr'] * v_bias_corr / (torch.sqrt(s_bias_corr) + eps)
        p.grad.data.zero_()
    hyperparams['t'] += 1


features = torch.randn(120, 5)
labels = (features @ torch.tensor([[1.0], [-2.0], [0.5], [3.0], [-1.0]]) + 0.3
          + 0.1 * torch.randn(120, 1))


def linreg(X, w, b):
    return torch.matmul(X, w) + b


def squared_loss(y_hat, y):
    return (y_hat - y.reshape(y_hat.shape)) ** 2 / 2


def train_ch11(trainer_fn, states, hyperparams, num_epochs=2, batch_size=20):
    torch.manual_seed(3)
    w = torch.normal(mean=0.0, std=0.01, size=(5, 1), requires_grad=True)
    b = torch.zeros((1), requires_grad=True)
    out = []
    for _ in range(num_epochs):
        for i in range(0, 120, batch_size):
            X, y = features[i:i + batch_size], labels[i:i + batch_size]
            l = squared_loss(linreg(X, w, b), y).mean()
            l.backward()
            trainer_fn([w, b], states, hyperparams)
        out.append(squared_loss(linreg(features, w, b), labels).mean().item())
    return out, w.detach().reshape(-1)


def train_concise_ch11(trainer_fn, hyperparams, num_epochs=2, batch_size=20):
    torch.manual_seed(3)
    w0 = torch.normal(mean=0.0, std=0.01, size=(5, 1))
    net = nn.Sequential(nn.Linear(5, 1))
    with torch.no_grad():
        net[0].weight.copy_(w0.T)
        net[0].bias.zero_()
    loss = nn.MSELoss(reduction='none')
    optimizer = trainer_fn(net.parameters(), **hyperparams)
    out = []
    for _ in range(num_epochs):
        for i in range(0, 120, batch_size):
            X, y = features[i:i + batch_size], labels[i:i + batch_size]
            optimizer.zero_grad()
            l = loss(net(X), y).mean() / 2
            l.backward()
            optimizer.step()
        with torch.no_grad():
            out.append((loss(net(features), labels).mean() / 2).item())
    return out, net[0].weight.detach().reshape(-1)


cases = [
    ('momentum', sgd_momentum, init_momentum_states(5), {'lr': 0.02, 'momentum': 0.5},
     torch.optim.SGD, {'lr': 0.02, 'momentum': 0.5}),
    ('adagrad', adagrad, init_adagrad_states(5), {'lr': 0.1},
     torch.optim.Adagrad, {'lr': 0.1, 'eps': 1e-10}),
    ('rmsprop', rmsprop, init_rmsprop_states(5), {'lr': 0.01, 'gamma': 0.9},
     torch.optim.RMSprop, {'lr': 0.01, 'alpha': 0.9, 'eps': 1e-8}),
    ('adadelta', adadelta, init_adadelta_states(5), {'rho': 0.9},
     torch.optim.Adadelta, {'rho': 0.9, 'eps': 1e-5, 'lr': 1.0}),
    ('adam', adam, init_adam_states(5), {'lr': 0.01, 't': 1},
     torch.optim.Adam, {'lr': 0.01, 'eps': 1e-6}),
]
for name, fn_, states, hp, cls, kw in cases:
    mine, w_mine = train_ch11(fn_, states, hp)
    ref, w_ref = train_concise_ch11(cls, kw)
    print(name, [f'{v:.6f}' for v in mine], [f'{v:.6f}' for v in ref],
          torch.allclose(w_mine, w_ref, atol=1e-5), w_mine)
print(hp)
