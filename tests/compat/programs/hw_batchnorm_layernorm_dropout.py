"""CS231n-style assignment 2 in PyTorch: batchnorm_forward/backward with a cache (train mode
updating running_mean/var with momentum, test mode using them), the simplified
batchnorm_backward_alt formula, layernorm_forward/backward, inverted dropout with a mask and
p = keep probability, affine_relu_forward/backward, spatial batchnorm via permute/reshape, each
checked against autograd and against F.batch_norm/F.layer_norm/nn.BatchNorm2d, plus a numerical
gradient eval_numerical_gradient_array over every entry with relative errors."""
import torch
import torch.nn.functional as F

torch.manual_seed(0)
torch.set_default_dtype(torch.float64)


def rel_error(x, y):
    return (torch.abs(x - y) / torch.clamp(torch.abs(x) + torch.abs(y), min=1e-8)).max().item()


def eval_numerical_gradient_array(f, x, df, h=1e-5):
    grad = torch.zeros_like(x)
    flat = x.view(-1)
    for ix in range(flat.numel()):
        oldval = flat[ix].item()
        flat[ix] = oldval + h
        pos = f(x).clone()
        flat[ix] = oldval - h
        neg = f(x).clone()
        flat[ix] = oldval
        grad.view(-1)[ix] = torch.sum((pos - neg) * df) / (2 * h)
    return grad


def batchnorm_forward(x, gamma, beta, bn_param):
    mode = bn_param['mode']
    eps = bn_param.get('eps', 1e-5)
    momentum = bn_param.get('momentum', 0.9)
    N, D = x.shape
    running_mean = bn_param.get('running_mean', torch.zeros(D, dtype=x.dtype))
    running_var = bn_param.get('running_var', torch.zeros(D, dtype=x.dtype))
    cache = None
    if mode == 'train':
        mu = x.mean(dim=0)
        var = x.var(dim=0, unbiased=False)
        std = torch.sqrt(var + eps)
        x_hat = (x - mu) / std
        out = gamma * x_hat + beta
        cache = (x_hat, gamma, std)
        running_mean = momentum * running_mean + (1 - momentum) * mu
        running_var = momentum * running_var + (1 - momentum) * var
    elif mode == 'test':
        out = gamma * (x - running_mean) / torch.sqrt(running_var + eps) + beta
    else:
        raise ValueError('Invalid forward batchnorm mode "%s"' % mode)
    bn_param['running_mean'] = running_mean
    bn_param['running_var'] = running_var
    return out, cache


def batchnorm_backward(dout, cache):
    x_hat, gamma, std = cache
    N = dout.shape[0]
    dbeta = dout.sum(dim=0)
    dgamma = (dout * x_hat).sum(dim=0)
    dx_hat = dout * gamma
    dvar = (dx_hat * x_hat * -0.5 / std ** 2).sum(dim=0)
    dmu = (-dx_hat / std).sum(dim=0) + dvar * (-2 * x_hat * std).mean(dim=0)
    dx = dx_hat / std + dvar * 2 * x_hat * std / N + dmu / N
    return dx, dgamma, dbeta


def batchnorm_backward_alt(dout, cache):
    x_hat, gamma, std = cache
    N = dout.shape[0]
    dbeta = dout.sum(axis=0)
    dgamma = (dout * x_hat).sum(axis=0)
    dx = gamma / (N * std) * (N * dout - dbeta - x_hat * dgamma)
    return dx, dgamma, dbeta


N, D = 4, 5
x = 5 * torch.randn(N, D) + 12
gamma = torch.randn(D)
beta = torch.randn(D)
dout = torch.randn(N, D)
bn_param = {'mode': 'train'}
out, cache = batchnorm_forward(x, gamma, beta, bn_param)
print('means', out.mean(dim=0), '\nstds', out.std(dim=0, unbiased=False))
ref = F.batch_norm(x, None, None, gamma, beta, training=True)
print('vs F.batch_norm', rel_error(out, ref) < 1e-10)
dx, dgamma, dbeta = batchnorm_backward(dout, cache)
dx2, dgamma2, dbeta2 = batchnorm_backward_alt(dout, cache)
fx = lambda x: batchnorm_forward(x, gamma, beta, {'mode': 'train'})[0]  # noqa: E731
dx_num = eval_numerical_gradient_array(fx, x.clone(), dout)
xa, ga, ba = (t.clone().requires_grad_(True) for t in (x, gamma, beta))
batchnorm_forward(xa, ga, ba, {'mode': 'train'})[0].backward(dout)
print('dx error:', rel_error(dx_num, dx) < 1e-6, rel_error(dx, xa.grad) < 1e-8,
      rel_error(dx2, dx) < 1e-8, rel_error(dgamma, ga.grad) < 1e-8, rel_error(dbeta2, ba.grad) < 1e-8)
bn_param = {'mode': 'train'}
W1 = torch.randn(D, 3)
for t in range(50):
    X = torch.randn(200, D)
    batchnorm_forward(X @ W1, torch.ones(3), torch.zeros(3), bn_param)
bn_param['mode'] = 'test'
a_norm, _ = batchnorm_forward(torch.randn(200, D) @ W1, torch.ones(3), torch.zeros(3), bn_param)
print('After batch normalization (test-time):', a_norm.mean(dim=0).abs().max().item() < 0.3,
      a_norm.std(dim=0).shape)


def layernorm_forward(x, gamma, beta, ln_param):
    eps = ln_param.get('eps', 1e-5)
    mu = x.mean(dim=1, keepdim=True)
    var = x.var(dim=1, unbiased=False, keepdim=True)
    std = (var + eps).sqrt()
    x_hat = (x - mu) / std
    return gamma * x_hat + beta, (x_hat, gamma, std)


def layernorm_backward(dout, cache):
    x_hat, gamma, std = cache
    D = dout.shape[1]
    dgamma = (dout * x_hat).sum(dim=0)
    dbeta = dout.sum(dim=0)
    dx_hat = dout * gamma
    dx = (D * dx_hat - dx_hat.sum(dim=1, keepdim=True)
          - x_hat * (dx_hat * x_hat).sum(dim=1, keepdim=True)) / (D * std)
    return dx, dgamma, dbeta


out, cache = layernorm_forward(x, gamma, beta, {})
print('vs F.layer_norm', rel_error(out, F.layer_norm(x, (D,), gamma, beta)) < 1e-10)
dx, dgamma, dbeta = layernorm_backward(dout, cache)
xa, ga, ba = (t.clone().requires_grad_(True) for t in (x, gamma, beta))
layernorm_forward(xa, ga, ba, {})[0].backward(dout)
print('ln grads:', rel_error(dx, xa.grad) < 1e-8, rel_error(dgamma, ga.grad) < 1e-8,
      rel_error(dbeta, ba.grad) < 1e-8)


def dropout_forward(x, dropout_param):
    p, mode = dropout_param['p'], dropout_param['mode']
    if 'seed' in dropout_param:
        torch.manual_seed(dropout_param['seed'])
    mask = None
    if mode == 'train':
        mask = (torch.rand(*x.shape) < p) / p
        out = x * mask
    elif mode == 'test':
        out = x
    return out, (dropout_param, mask)


def dropout_backward(dout, cache):
    dropout_param, mask = cache
    if dropout_param['mode'] == 'train':
        return dout * mask
    return dout


x = torch.randn(500, 500) + 10
for p in [0.25, 0.4, 0.7]:
    out, _ = dropout_forward(x, {'mode': 'train', 'p': p, 'seed': 123})
    out_test, _ = dropout_forward(x, {'mode': 'test', 'p': p, 'seed': 123})
    print(f'Running tests with p = {p}')
    print(f'Mean of input: {x.mean().item():.4f}')
    print(f'Mean of train-time output: {out.mean().item():.4f}')
    print(f'Mean of test-time output: {out_test.mean().item():.4f}')
    print(f'Fraction of train-time output set to zero: {(out == 0).double().mean().item():.4f}')
x = torch.randn(6, 5) + 10
dout = torch.randn(*x.shape)
dropout_param = {'mode': 'train', 'p': 0.2, 'seed': 123}
_, cache = dropout_forward(x, dropout_param)
dx = dropout_backward(dout, cache)
dx_num = eval_numerical_gradient_array(lambda xx: dropout_forward(xx, dropout_param)[0], x.clone(), dout)
print('dx relative error small:', rel_error(dx, dx_num) < 1e-8)


def affine_relu_forward(x, w, b):
    a = x.reshape(x.shape[0], -1) @ w + b
    return a.clamp(min=0), (x, w, a)


def affine_relu_backward(dout, cache):
    x, w, a = cache
    da = dout * (a > 0)
    dx = (da @ w.T).reshape(x.shape)
    dw = x.reshape(x.shape[0], -1).T @ da
    return dx, dw, da.sum(0)


x = torch.randn(2, 3, 4)
w = torch.randn(12, 10)
b = torch.randn(10)
dout = torch.randn(2, 10)
out, cache = affine_relu_forward(x, w, b)
dx, dw, db = affine_relu_backward(dout, cache)
xa, wa, ba = (t.clone().requires_grad_(True) for t in (x, w, b))
affine_relu_forward(xa, wa, ba)[0].backward(dout)
print('affine_relu:', rel_error(dx, xa.grad) < 1e-10, rel_error(dw, wa.grad) < 1e-10,
      rel_error(db, ba.grad) < 1e-10, dx.dtype, (dout * (cache[2] > 0)).dtype)


def spatial_batchnorm_forward(x, gamma, beta, bn_param):
    N, C, H, W = x.shape
    x_flat = x.permute(0, 2, 3, 1).reshape(-1, C)
    out, cache = batchnorm_forward(x_flat, gamma, beta, bn_param)
    return out.reshape(N, H, W, C).permute(0, 3, 1, 2), cache


x = 4 * torch.randn(2, 3, 4, 5) + 10
bn2 = torch.nn.BatchNorm2d(3, momentum=0.1)
with torch.no_grad():
    bn2.weight.copy_(torch.tensor([1.0, 2.0, 3.0]))
    bn2.bias.copy_(torch.tensor([0.0, 1.0, -1.0]))
bn_param = {'mode': 'train'}
out, _ = spatial_batchnorm_forward(x, bn2.weight.detach(), bn2.bias.detach(), bn_param)
print('spatial bn vs BatchNorm2d:', rel_error(out, bn2(x)) < 1e-8,
      rel_error(bn_param['running_mean'], bn2.running_mean) < 1e-8,
      (out.mean(dim=(0, 2, 3)) - bn2.bias).abs().max().item() < 1e-10,
      out.std(dim=(0, 2, 3), unbiased=False))
print('running_var differs by the unbiased correction:',
      rel_error(bn_param['running_var'] * 40 / 39 + 0.9, bn2.running_var) < 1e-8)
torch.set_default_dtype(torch.float32)
