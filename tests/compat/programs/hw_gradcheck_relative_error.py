"""Gradient-checking homework: a centred-difference eval_numerical_gradient over every entry of a
float64 tensor (it.multi_index replaced by unravel_index), relative error thresholds (> 1e-2
wrong, < 1e-7 good), kinks making the check fail at ReLU's zero, torch.autograd.gradcheck and
gradgradcheck on a custom autograd.Function (a hand-written softplus with ctx.save_for_backward),
gradcheck's failure raising GradcheckError (caught as RuntimeError) for a wrong backward, and the
check on a float32 tensor being unreliable (printed as a boolean only)."""
import torch

torch.manual_seed(0)


def eval_numerical_gradient(f, x, h=1e-5):
    grad = torch.zeros_like(x)
    for flat in range(x.numel()):
        ix = torch.unravel_index(torch.tensor(flat), x.shape)
        ix = tuple(int(i) for i in ix)
        old = x[ix].item()
        x[ix] = old + h
        fxph = f(x)
        x[ix] = old - h
        fxmh = f(x)
        x[ix] = old
        grad[ix] = (fxph - fxmh) / (2 * h)
    return grad


def rel_error(a, b):
    return ((a - b).abs() / (a.abs() + b.abs()).clamp(min=1e-12)).max().item()


x = torch.randn(3, 4, dtype=torch.float64)
W = torch.randn(4, 2, dtype=torch.float64)


def f(x):
    return torch.tanh(x @ W).pow(2).sum().item()


num = eval_numerical_gradient(f, x.clone())
xa = x.clone().requires_grad_(True)
torch.tanh(xa @ W).pow(2).sum().backward()
err = rel_error(num, xa.grad)
print('tanh layer rel error < 1e-7:', err < 1e-7, num.shape, num.dtype)

kink = torch.tensor([1e-7, -1e-7, 0.5], dtype=torch.float64)
num = eval_numerical_gradient(lambda v: torch.relu(v).sum().item(), kink.clone())
ka = kink.clone().requires_grad_(True)
torch.relu(ka).sum().backward()
print('near the kink:', num, ka.grad, rel_error(num, ka.grad) > 1e-2)


class MySoftplus(torch.autograd.Function):
    @staticmethod
    def forward(ctx, input):
        ctx.save_for_backward(input)
        return torch.log1p(torch.exp(input))

    @staticmethod
    def backward(ctx, grad_output):
        input, = ctx.saved_tensors
        return grad_output * torch.sigmoid(input)


class WrongSoftplus(torch.autograd.Function):
    @staticmethod
    def forward(ctx, input):
        ctx.save_for_backward(input)
        return torch.log1p(torch.exp(input))

    @staticmethod
    def backward(ctx, grad_output):
        input, = ctx.saved_tensors
        return grad_output * torch.sigmoid(input) * 1.01


inp = torch.randn(5, dtype=torch.double, requires_grad=True)
print('gradcheck:', torch.autograd.gradcheck(MySoftplus.apply, (inp,), eps=1e-6, atol=1e-4))
print('gradgradcheck:', torch.autograd.gradgradcheck(MySoftplus.apply, (inp,)))
try:
    torch.autograd.gradcheck(WrongSoftplus.apply, (inp,))
except RuntimeError as e:
    print('wrong backward caught:', type(e).__name__, isinstance(e, RuntimeError))
print('raise_exception=False:', torch.autograd.gradcheck(WrongSoftplus.apply, (inp,),
                                                         raise_exception=False))
print(torch.allclose(MySoftplus.apply(inp), torch.nn.functional.softplus(inp)))
lin = torch.nn.Linear(3, 2).double()
print('module gradcheck:', torch.autograd.gradcheck(lambda a: lin(a).tanh(),
                                                    torch.randn(4, 3, dtype=torch.double,
                                                                requires_grad=True)))
x32 = torch.randn(6, dtype=torch.float32)
num32 = eval_numerical_gradient(lambda v: (v ** 3).sum().item(), x32.clone(), h=1e-3)
print('float32 numerical within 1e-2:', rel_error(num32, 3 * x32 ** 2) < 1e-2, num32.dtype)
print(torch.autograd.gradcheck(lambda a, b: (a * b).sum(),
                               (torch.randn(3, dtype=torch.double, requires_grad=True),
                                torch.randn(3, dtype=torch.double, requires_grad=False))))
