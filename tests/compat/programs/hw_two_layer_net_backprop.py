"""CS231n-style assignment 1 in PyTorch tensors: the vectorised SVM loss (margins with
`margins[torch.arange(N), y] = 0`, the binary mask trick for dW), the softmax loss with the
max-shift, a TwoLayerNet whose forward and backward are written by hand (affine, ReLU mask,
dscores = probs; dscores[range(N), y] -= 1; dscores /= N, L2 reg 0.5 * reg * sum(W*W)), each
gradient compared with autograd by relative error max(|a-b| / max(1e-8, |a| + |b|)) in float64,
a numerical gradient check on a few random coordinates (grad_check_sparse), and a small SGD
training loop with learning-rate decay and a predict() that uses argmax."""
import random

import torch

torch.manual_seed(231)
random.seed(231)
torch.set_default_dtype(torch.float64)


def rel_error(x, y):
    return torch.max(torch.abs(x - y) / torch.clamp(torch.abs(x) + torch.abs(y), min=1e-8)).item()


def svm_loss_vectorized(W, X, y, reg):
    num_train = X.shape[0]
    scores = X.mm(W)
    correct = scores[torch.arange(num_train), y].view(-1, 1)
    margins = torch.clamp(scores - correct + 1, min=0)
    margins[torch.arange(num_train), y] = 0
    loss = margins.sum() / num_train + reg * torch.sum(W * W)
    binary = (margins > 0).to(X.dtype)
    row_sum = binary.sum(dim=1)
    binary[torch.arange(num_train), y] = -row_sum
    dW = X.t().mm(binary) / num_train + 2 * reg * W
    return loss, dW


def softmax_loss_vectorized(W, X, y, reg):
    num_train = X.shape[0]
    scores = X @ W
    scores -= scores.max(dim=1, keepdim=True).values
    probs = scores.exp() / scores.exp().sum(dim=1, keepdim=True)
    loss = -torch.log(probs[range(num_train), y]).mean() + reg * (W ** 2).sum()
    dscores = probs.clone()
    dscores[range(num_train), y] -= 1
    dW = X.T @ dscores / num_train + 2 * reg * W
    return loss, dW


X_dev = torch.randn(50, 31)
y_dev = torch.randint(0, 10, (50,))
W = torch.randn(31, 10) * 0.0001
for name, fn in (('svm', svm_loss_vectorized), ('softmax', softmax_loss_vectorized)):
    loss, grad = fn(W, X_dev, y_dev, 5e-2)
    Wa = W.clone().requires_grad_(True)
    la, _ = fn(Wa, X_dev, y_dev, 5e-2)
    la.backward()
    print(f'{name} loss: {loss.item():.6f}', 'grad rel error < 1e-7:', rel_error(grad, Wa.grad) < 1e-7)


def grad_check_sparse(f, x, analytic_grad, num_checks=6, h=1e-5):
    errors = []
    for i in range(num_checks):
        ix = tuple([random.randrange(m) for m in x.shape])
        oldval = x[ix].item()
        x[ix] = oldval + h
        fxph = f(x)
        x[ix] = oldval - h
        fxmh = f(x)
        x[ix] = oldval
        grad_numerical = (fxph - fxmh) / (2 * h)
        grad_analytic = analytic_grad[ix].item()
        rel = abs(grad_numerical - grad_analytic) / (abs(grad_numerical) + abs(grad_analytic))
        errors.append(rel)
        print(f'numerical: {grad_numerical:f} analytic: {grad_analytic:f}')
    return max(errors)


loss, grad = softmax_loss_vectorized(W, X_dev, y_dev, 0.0)
print('max rel error small:', grad_check_sparse(
    lambda w: softmax_loss_vectorized(w, X_dev, y_dev, 0.0)[0].item(), W, grad) < 1e-5)


class TwoLayerNet:
    def __init__(self, input_size, hidden_size, output_size, std=1e-4):
        self.params = {}
        self.params['W1'] = std * torch.randn(input_size, hidden_size)
        self.params['b1'] = torch.zeros(hidden_size)
        self.params['W2'] = std * torch.randn(hidden_size, output_size)
        self.params['b2'] = torch.zeros(output_size)

    def loss(self, X, y=None, reg=0.0):
        W1, b1 = self.params['W1'], self.params['b1']
        W2, b2 = self.params['W2'], self.params['b2']
        N, D = X.shape
        h1 = X.mm(W1) + b1
        a1 = h1.clamp(min=0)
        scores = a1.mm(W2) + b2
        if y is None:
            return scores
        shifted = scores - scores.max(dim=1, keepdim=True)[0]
        exp = shifted.exp()
        probs = exp / exp.sum(dim=1, keepdim=True)
        loss = -probs[range(N), y].log().sum() / N
        loss += reg * (torch.sum(W1 * W1) + torch.sum(W2 * W2))
        grads = {}
        dscores = probs.clone()
        dscores[range(N), y] -= 1
        dscores /= N
        grads['W2'] = a1.t().mm(dscores) + 2 * reg * W2
        grads['b2'] = dscores.sum(dim=0)
        da1 = dscores.mm(W2.t())
        dh1 = da1 * (h1 > 0).to(da1.dtype)
        grads['W1'] = X.t().mm(dh1) + 2 * reg * W1
        grads['b1'] = dh1.sum(dim=0)
        return loss, grads

    def train(self, X, y, learning_rate=1e-3, learning_rate_decay=0.95, reg=5e-6,
              num_iters=100, batch_size=200, verbose=False):
        num_train = X.shape[0]
        iterations_per_epoch = max(num_train // batch_size, 1)
        loss_history = []
        for it in range(num_iters):
            idx = torch.randint(0, num_train, (batch_size,))
            X_batch, y_batch = X[idx], y[idx]
            loss, grads = self.loss(X_batch, y=y_batch, reg=reg)
            loss_history.append(loss.item())
            for p in self.params:
                self.params[p] -= learning_rate * grads[p]
            if verbose and it % 20 == 0:
                print(f'iteration {it} / {num_iters}: loss {loss.item():f}')
            if it % iterations_per_epoch == 0:
                learning_rate *= learning_rate_decay
        return {'loss_history': loss_history}

    def predict(self, X):
        return self.loss(X).argmax(dim=1)


input_size, hidden_size, num_classes, num_inputs = 4, 10, 3, 5
net = TwoLayerNet(input_size, hidden_size, num_classes, std=1e-1)
X = 10 * torch.randn(num_inputs, input_size)
y = torch.tensor([0, 1, 2, 2, 1])
scores = net.loss(X)
print('Your scores:', scores.shape, scores.sum().item())
loss, grads = net.loss(X, y, reg=0.05)
print(f'loss {loss.item():.10f}')
tensors = {k: v.clone().requires_grad_(True) for k, v in net.params.items()}
saved = net.params
net.params = tensors
auto_loss, _ = net.loss(X, y, reg=0.05)
auto_loss.backward()
net.params = saved
for param_name in sorted(grads):
    err = rel_error(grads[param_name], tensors[param_name].grad)
    print(f'{param_name} max relative error below 1e-8: {err < 1e-8}')
X_train = torch.randn(300, 8)
teacher = torch.randn(8, 3)
y_train = (X_train @ teacher).argmax(1)
net = TwoLayerNet(8, 20, 3, std=1e-1)
stats = net.train(X_train, y_train, learning_rate=0.5, reg=1e-4, num_iters=60, batch_size=50,
                  verbose=True)
print(f"final loss {stats['loss_history'][-1]:.5f}",
      'train acc', (net.predict(X_train) == y_train).double().mean().item())
torch.set_default_dtype(torch.float32)
print(torch.get_default_dtype(), torch.tensor([1.5]).dtype)
