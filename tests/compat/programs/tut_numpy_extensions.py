"""The "creating extensions using NumPy and SciPy" tutorial: a parameter-less BadFFTFunction
computing abs(rfft2) in NumPy (backward through irfft2), wrapped in a module, and a
ScipyConv2dFunction (scipy.signal correlate2d/convolve2d) with a learnable filter and bias,
trained a few steps and gradchecked."""
import numpy as np
import torch
from numpy.fft import irfft2, rfft2
from scipy.signal import convolve2d, correlate2d
from torch.autograd import Function
from torch.autograd.gradcheck import gradcheck
from torch.nn.modules.module import Module
from torch.nn.parameter import Parameter

torch.manual_seed(0)


class BadFFTFunction(Function):
    @staticmethod
    def forward(ctx, input):
        numpy_input = input.detach().numpy()
        result = abs(rfft2(numpy_input))
        return input.new(result)

    @staticmethod
    def backward(ctx, grad_output):
        numpy_go = grad_output.numpy()
        result = irfft2(numpy_go)
        return grad_output.new(result)


def incorrect_fft(input):
    return BadFFTFunction.apply(input)


input = torch.randn(8, 8, requires_grad=True)
result = incorrect_fft(input)
print(result.shape, result.dtype, result.sum().item())
result.backward(torch.randn(result.size()))
print(input.grad.shape, input.grad.abs().sum().item())


class ScipyConv2dFunction(Function):
    @staticmethod
    def forward(ctx, input, filter, bias):
        input, filter, bias = input.detach(), filter.detach(), bias.detach()
        result = correlate2d(input.numpy(), filter.numpy(), mode="valid")
        result += bias.numpy()
        ctx.save_for_backward(input, filter, bias)
        return torch.as_tensor(result, dtype=input.dtype)

    @staticmethod
    def backward(ctx, grad_output):
        grad_output = grad_output.detach()
        input, filter, bias = ctx.saved_tensors
        grad_output = grad_output.numpy()
        grad_bias = np.sum(grad_output, keepdims=True)
        grad_input = convolve2d(grad_output, filter.numpy(), mode="full")
        grad_filter = correlate2d(input.numpy(), grad_output, mode="valid")
        return torch.from_numpy(grad_input), torch.from_numpy(grad_filter).to(torch.float), \
            torch.from_numpy(grad_bias).to(torch.float)


class ScipyConv2d(Module):
    def __init__(self, filter_width, filter_height):
        super().__init__()
        self.filter = Parameter(torch.randn(filter_width, filter_height))
        self.bias = Parameter(torch.randn(1, 1))

    def forward(self, input):
        return ScipyConv2dFunction.apply(input, self.filter, self.bias)


module = ScipyConv2d(3, 3)
print("Filter and bias: ", [p.shape for p in module.parameters()])
input = torch.randn(10, 10, requires_grad=True)
output = module(input)
print("Output from the convolution: ", output.shape, output.sum().item())
output.backward(torch.randn(8, 8))
print("Gradient for the input map: ", input.grad.shape, input.grad.abs().sum().item())

target = torch.randn(8, 8)
opt = torch.optim.SGD(module.parameters(), lr=0.01)
for step in range(5):
    opt.zero_grad()
    loss = ((module(input.detach()) - target) ** 2).mean()
    loss.backward()
    opt.step()
    print(f"step {step} loss {loss.item():.6f}")

moduleConv = ScipyConv2d(3, 3)
input = [torch.randn(20, 20, dtype=torch.double, requires_grad=True)]
test = gradcheck(moduleConv, input, eps=1e-6, atol=1e-4)
print("Are the gradients correct: ", test)
