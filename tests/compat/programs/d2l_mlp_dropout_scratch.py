"""Dive into Deep Learning, multilayer perceptrons from scratch: `relu` by torch.max against
torch.zeros_like, parameters as nn.Parameter(torch.randn(...) * 0.01), `dropout_layer` with
`(torch.rand(X.shape) > dropout).float()` and the 1/(1-p) rescale, a Net(nn.Module) with an
is_training flag, then the concise nn.Dropout version with train()/eval() switching."""
import torch
from torch import nn

torch.manual_seed(0)
num_inputs, num_outputs, num_hiddens = 20, 4, 32
W1 = nn.Parameter(torch.randn(num_inputs, num_hiddens, requires_grad=True) * 0.01)
b1 = nn.Parameter(torch.zeros(num_hiddens, requires_grad=True))
W2 = nn.Parameter(torch.randn(num_hiddens, num_outputs, requires_grad=True) * 0.01)
b2 = nn.Parameter(torch.zeros(num_outputs, requires_grad=True))
params = [W1, b1, W2, b2]
print(W1.shape, W1.requires_grad, type(W1).__name__, W1.is_leaf)


def relu(X):
    a = torch.zeros_like(X)
    return torch.max(X, a)


def net(X):
    X = X.reshape((-1, num_inputs))
    H = relu(X @ W1 + b1)
    return (H @ W2 + b2)


teacher = torch.randn(num_inputs, num_outputs)
X_all = torch.randn(256, num_inputs)
y_all = (X_all @ teacher).argmax(1)
loss = nn.CrossEntropyLoss(reduction='none')
updater = torch.optim.SGD(params, lr=0.5)
for epoch in range(5):
    for i in range(0, 256, 64):
        X, y = X_all[i:i + 64], y_all[i:i + 64]
        l = loss(net(X), y)
        updater.zero_grad()
        l.mean().backward()
        updater.step()
    with torch.no_grad():
        acc = (net(X_all).argmax(1) == y_all).float().mean()
        print(f'scratch epoch {epoch}: loss {loss(net(X_all), y_all).mean().item():.4f} acc {acc:.3f}')


def dropout_layer(X, dropout):
    assert 0 <= dropout <= 1
    if dropout == 1:
        return torch.zeros_like(X)
    if dropout == 0:
        return X
    mask = (torch.rand(X.shape) > dropout).float()
    return mask * X / (1.0 - dropout)


X = torch.arange(16, dtype=torch.float32).reshape((2, 8))
print(X)
print(dropout_layer(X, 0.))
print(dropout_layer(X, 0.5))
print(dropout_layer(X, 1.))

dropout1, dropout2 = 0.2, 0.5


class Net(nn.Module):
    def __init__(self, num_inputs, num_outputs, num_hiddens1, num_hiddens2, is_training=True):
        super(Net, self).__init__()
        self.num_inputs = num_inputs
        self.training = is_training
        self.lin1 = nn.Linear(num_inputs, num_hiddens1)
        self.lin2 = nn.Linear(num_hiddens1, num_hiddens2)
        self.lin3 = nn.Linear(num_hiddens2, num_outputs)
        self.relu = nn.ReLU()

    def forward(self, X):
        H1 = self.relu(self.lin1(X.reshape((-1, self.num_inputs))))
        if self.training == True:  # noqa: E712 (as the book writes it)
            H1 = dropout_layer(H1, dropout1)
        H2 = self.relu(self.lin2(H1))
        if self.training == True:  # noqa: E712 (as the book writes it)
            H2 = dropout_layer(H2, dropout2)
        out = self.lin3(H2)
        return out


net = Net(num_inputs, num_outputs, 32, 16)
trainer = torch.optim.SGD(net.parameters(), lr=0.3)
for epoch in range(4):
    for i in range(0, 256, 64):
        l = loss(net(X_all[i:i + 64]), y_all[i:i + 64])
        trainer.zero_grad()
        l.mean().backward()
        trainer.step()
    print(f'Net epoch {epoch}: last batch loss {l.mean().item():.4f}')

net = nn.Sequential(nn.Flatten(), nn.Linear(20, 32), nn.ReLU(), nn.Dropout(dropout1),
                    nn.Linear(32, 16), nn.ReLU(), nn.Dropout(dropout2), nn.Linear(16, 4))


def init_weights(m):
    if type(m) == nn.Linear:  # noqa: E721 (the book compares types)
        nn.init.normal_(m.weight, std=0.01)


net.apply(init_weights)
trainer = torch.optim.SGD(net.parameters(), lr=0.5)
for epoch in range(4):
    net.train()
    for i in range(0, 256, 64):
        l = loss(net(X_all[i:i + 64]), y_all[i:i + 64])
        trainer.zero_grad()
        l.mean().backward()
        trainer.step()
    net.eval()
    with torch.no_grad():
        out1, out2 = net(X_all[:4]), net(X_all[:4])
    print(f'concise epoch {epoch}: {l.mean().item():.4f}', torch.equal(out1, out2), net.training,
          net[3].training)
print(net)
