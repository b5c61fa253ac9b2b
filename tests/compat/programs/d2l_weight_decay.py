"""Dive into Deep Learning, weight decay: a high-dimensional linear problem with 20 training
points, `l2_penalty(w) = torch.sum(w.pow(2)) / 2` added to squared loss and trained with the
hand-written sgd for lambd in (0, 3), against the concise version where optim.SGD gets a
param group `{"params": net[0].weight, 'weight_decay': wd}` and an undecayed bias; the L2 norm of
w is printed with `torch.norm(w).item()`."""
import torch
from torch import nn
from torch.utils import data

torch.manual_seed(0)
n_train, n_test, num_inputs, batch_size = 20, 100, 200, 5
true_w, true_b = torch.ones((num_inputs, 1)) * 0.01, 0.05


def synthetic_data(w, b, num_examples):
    X = torch.normal(0, 1, (num_examples, len(w)))
    y = torch.matmul(X, w) + b
    y += torch.normal(0, 0.01, y.shape)
    return X, y.reshape((-1, 1))


train_data = synthetic_data(true_w, true_b, n_train)
test_data = synthetic_data(true_w, true_b, n_test)
train_iter = data.DataLoader(data.TensorDataset(*train_data), batch_size, shuffle=True)
test_iter = data.DataLoader(data.TensorDataset(*test_data), batch_size, shuffle=False)


def init_params():
    w = torch.normal(0, 1, size=(num_inputs, 1), requires_grad=True)
    b = torch.zeros(1, requires_grad=True)
    return [w, b]


def l2_penalty(w):
    return torch.sum(w.pow(2)) / 2


def linreg(X, w, b):
    return torch.matmul(X, w) + b


def squared_loss(y_hat, y):
    return (y_hat - y.reshape(y_hat.shape)) ** 2 / 2


def sgd(params, lr, batch_size):
    with torch.no_grad():
        for param in params:
            param -= lr * param.grad / batch_size
            param.grad.zero_()


def evaluate_loss(net, data_iter, loss):
    total, n = 0.0, 0
    for X, y in data_iter:
        out = net(X)
        y = y.reshape(out.shape)
        l = loss(out, y)
        total += l.sum()
        n += l.numel()
    return total / n


def train(lambd):
    w, b = init_params()
    net, loss = lambda X: linreg(X, w, b), squared_loss
    num_epochs, lr = 20, 0.003
    for epoch in range(num_epochs):
        for X, y in train_iter:
            l = loss(net(X), y) + lambd * l2_penalty(w)
            l.sum().backward()
            sgd([w, b], lr, batch_size)
        if (epoch + 1) % 5 == 0:
            print(epoch + 1, f'{evaluate_loss(net, train_iter, squared_loss).item():.5f}',
                  f'{evaluate_loss(net, test_iter, squared_loss).item():.5f}')
    print('L2 norm of w:', torch.norm(w).item())


train(lambd=0)
train(lambd=3)


def train_concise(wd):
    net = nn.Sequential(nn.Linear(num_inputs, 1))
    for param in net.parameters():
        param.data.normal_()
    loss = nn.MSELoss(reduction='none')
    num_epochs, lr = 20, 0.003
    trainer = torch.optim.SGD([
        {"params": net[0].weight, 'weight_decay': wd},
        {"params": net[0].bias}], lr=lr)
    for epoch in range(num_epochs):
        for X, y in train_iter:
            trainer.zero_grad()
            l = loss(net(X), y)
            l.mean().backward()
            trainer.step()
        if (epoch + 1) % 5 == 0:
            with torch.no_grad():
                print(epoch + 1, f'{evaluate_loss(net, train_iter, loss).item():.5f}',
                      f'{evaluate_loss(net, test_iter, loss).item():.5f}')
    print('L2 norm of w:', net[0].weight.norm().item())
    print(trainer.param_groups[0]['weight_decay'], trainer.param_groups[1]['weight_decay'])


train_concise(0)
train_concise(3)
