"""CS231n-style convolution homework: conv_forward_naive with four nested loops over torch.nn.
functional.pad'ed input and a (pad, stride) conv_param, conv_backward_naive accumulating dx/dw/db
slice by slice, max_pool_forward_naive/backward_naive routing the gradient through the argmax
position, the "fast" versions through F.conv2d/F.max_pool2d with return_indices and
F.max_unpool2d, a three-layer ConvNet loss with a sanity-check initial loss of log(C), and
overfitting a handful of examples with Adam."""
import math

import torch
import torch.nn.functional as F

torch.manual_seed(0)
torch.set_default_dtype(torch.float64)


def rel_error(x, y):
    return (torch.abs(x - y) / torch.clamp(torch.abs(x) + torch.abs(y), min=1e-8)).max().item()


def conv_forward_naive(x, w, b, conv_param):
    stride, pad = conv_param['stride'], conv_param['pad']
    N, C, H, W = x.shape
    F_, _, HH, WW = w.shape
    H_out = 1 + (H + 2 * pad - HH) // stride
    W_out = 1 + (W + 2 * pad - WW) // stride
    x_pad = F.pad(x, (pad, pad, pad, pad), mode='constant', value=0)
    out = torch.zeros((N, F_, H_out, W_out))
    for n in range(N):
        for f in range(F_):
            for i in range(H_out):
                for j in range(W_out):
                    window = x_pad[n, :, i * stride:i * stride + HH, j * stride:j * stride + WW]
                    out[n, f, i, j] = torch.sum(window * w[f]) + b[f]
    return out, (x, w, b, conv_param)


def conv_backward_naive(dout, cache):
    x, w, b, conv_param = cache
    stride, pad = conv_param['stride'], conv_param['pad']
    N, F_, H_out, W_out = dout.shape
    _, _, HH, WW = w.shape
    x_pad = F.pad(x, [pad] * 4)
    dx_pad = torch.zeros_like(x_pad)
    dw = torch.zeros_like(w)
    db = dout.sum(dim=(0, 2, 3))
    for n in range(N):
        for f in range(F_):
            for i in range(H_out):
                for j in range(W_out):
                    hs, ws = i * stride, j * stride
                    dw[f] += x_pad[n, :, hs:hs + HH, ws:ws + WW] * dout[n, f, i, j]
                    dx_pad[n, :, hs:hs + HH, ws:ws + WW] += w[f] * dout[n, f, i, j]
    dx = dx_pad[:, :, pad:-pad, pad:-pad] if pad > 0 else dx_pad
    return dx, dw, db


x_shape = (2, 3, 4, 4)
w_shape = (3, 3, 4, 4)
x = torch.linspace(-0.1, 0.5, steps=math.prod(x_shape)).reshape(x_shape)
w = torch.linspace(-0.2, 0.3, steps=math.prod(w_shape)).reshape(w_shape)
b = torch.linspace(-0.1, 0.2, steps=3)
conv_param = {'stride': 2, 'pad': 1}
out, _ = conv_forward_naive(x, w, b, conv_param)
print(out[0, 0], out.shape)
print('vs F.conv2d:', rel_error(out, F.conv2d(x, w, b, stride=2, padding=1)) < 1e-10)
x = torch.randn(2, 3, 5, 5)
w = torch.randn(2, 3, 3, 3)
b = torch.randn(2)
dout = torch.randn(2, 2, 5, 5)
out, cache = conv_forward_naive(x, w, b, {'stride': 1, 'pad': 1})
dx, dw, db = conv_backward_naive(dout, cache)
xa, wa, ba = (t.clone().requires_grad_(True) for t in (x, w, b))
F.conv2d(xa, wa, ba, padding=1).backward(dout)
print('conv backward:', rel_error(dx, xa.grad) < 1e-9, rel_error(dw, wa.grad) < 1e-9,
      rel_error(db, ba.grad) < 1e-9)


def max_pool_forward_naive(x, pool_param):
    ph, pw, s = pool_param['pool_height'], pool_param['pool_width'], pool_param['stride']
    N, C, H, W = x.shape
    H_out, W_out = 1 + (H - ph) // s, 1 + (W - pw) // s
    out = torch.zeros(N, C, H_out, W_out)
    for i in range(H_out):
        for j in range(W_out):
            out[:, :, i, j] = x[:, :, i * s:i * s + ph, j * s:j * s + pw].amax(dim=(2, 3))
    return out, (x, pool_param)


def max_pool_backward_naive(dout, cache):
    x, pool_param = cache
    ph, pw, s = pool_param['pool_height'], pool_param['pool_width'], pool_param['stride']
    N, C, H_out, W_out = dout.shape
    dx = torch.zeros_like(x)
    for n in range(N):
        for c in range(C):
            for i in range(H_out):
                for j in range(W_out):
                    window = x[n, c, i * s:i * s + ph, j * s:j * s + pw]
                    idx = torch.argmax(window)
                    r, q = divmod(idx.item(), pw)
                    dx[n, c, i * s + r, j * s + q] += dout[n, c, i, j]
    return dx


x = torch.randn(3, 2, 8, 8)
pool_param = {'pool_width': 2, 'pool_height': 2, 'stride': 2}
out, cache = max_pool_forward_naive(x, pool_param)
dout = torch.randn(*out.shape)
dx = max_pool_backward_naive(dout, cache)
xa = x.clone().requires_grad_(True)
ref, indices = F.max_pool2d(xa, 2, 2, return_indices=True)
ref.backward(dout)
print('max pool:', rel_error(out, ref) < 1e-12, rel_error(dx, xa.grad) < 1e-12, indices.dtype,
      indices[0, 0, 0])
print('unpool routes like backward:', torch.equal(F.max_unpool2d(dout, indices, 2, 2), dx))


class ThreeLayerConvNet:
    def __init__(self, input_dim=(3, 8, 8), num_filters=4, filter_size=3, hidden_dim=16,
                 num_classes=5, weight_scale=1e-3, reg=0.0):
        C, H, W = input_dim
        self.reg = reg
        self.params = {
            'W1': weight_scale * torch.randn(num_filters, C, filter_size, filter_size),
            'b1': torch.zeros(num_filters),
            'W2': weight_scale * torch.randn(num_filters * H * W // 4, hidden_dim),
            'b2': torch.zeros(hidden_dim),
            'W3': weight_scale * torch.randn(hidden_dim, num_classes),
            'b3': torch.zeros(num_classes)}
        for v in self.params.values():
            v.requires_grad_()

    def loss(self, X, y=None):
        p = self.params
        pad = (p['W1'].shape[2] - 1) // 2
        a = F.max_pool2d(F.relu(F.conv2d(X, p['W1'], p['b1'], padding=pad)), 2)
        h = F.relu(a.flatten(1) @ p['W2'] + p['b2'])
        scores = h @ p['W3'] + p['b3']
        if y is None:
            return scores
        reg = 0.5 * self.reg * sum((p[k] ** 2).sum() for k in ('W1', 'W2', 'W3'))
        return F.cross_entropy(scores, y) + reg


model = ThreeLayerConvNet()
X = torch.randn(10, 3, 8, 8)
y = torch.randint(10, size=(10,)) % 5
loss = model.loss(X, y)
print('Initial loss (no regularization):', round(loss.item(), 3), round(math.log(5), 3))
model.reg = 0.5
print('Initial loss (with regularization) is larger:', model.loss(X, y).item() > loss.item())
model = ThreeLayerConvNet(weight_scale=1e-1)
opt = torch.optim.Adam(model.params.values(), lr=1e-2)
for it in range(15):
    loss = model.loss(X, y)
    opt.zero_grad()
    loss.backward()
    opt.step()
    if it % 5 == 4:
        acc = (model.loss(X).argmax(1) == y).double().mean().item()
        print(f'(Iteration {it + 1}) loss: {loss.item():.6f} train acc: {acc:.2f}')
torch.set_default_dtype(torch.float32)
