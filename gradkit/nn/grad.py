"""``torch.nn.grad``: the gradients of a convolution with respect to its input and its weight,
given the gradient of its output (what a custom ``autograd.Function`` wrapping a convolution
returns from ``backward``, as in PyTorch's fused conv-bn tutorial).

A convolution is linear in its input and in its weight, so each gradient is the
vector-Jacobian product of the convolution at any point: it is taken with gradkit's own
convolution backward at a zero placeholder of the given size. With ``grad_output`` or the other
operand requiring grad under grad mode, the result is differentiable again.
"""

from __future__ import annotations

from .. import autograd as _autograd
from .. import factories as _factories
from ..autograd import grad_mode as _grad_mode
from .functional import conv as _conv

__all__ = ["conv1d_input", "conv1d_weight", "conv2d_input", "conv2d_weight", "conv3d_input",
           "conv3d_weight"]


def _check(name, rank, tensors, size, what):
    for label, t in tensors:
        if t.ndim != rank + 2:
            raise RuntimeError(f"{name}: {label} must be {rank + 2}-D (N, C, *spatial) for a "
                               f"{rank}-D convolution, got shape {tuple(t.shape)}")
    size = tuple(int(s) for s in size)
    if len(size) != rank + 2:
        raise RuntimeError(f"{name}: {what} must have {rank + 2} entries, got {size}")
    return size


def _vjp(conv, other, size, grad_output, wrt_input, kw):
    record = _grad_mode.is_grad_enabled() and (grad_output.requires_grad or other.requires_grad)
    with _grad_mode.enable_grad():
        hole = _factories.zeros(size, dtype=grad_output.dtype, device=grad_output.device,
                                requires_grad=True)
        out = conv(hole, other, **kw) if wrt_input else conv(other, hole, **kw)
        if tuple(out.shape) != tuple(grad_output.shape):
            raise RuntimeError(
                f"{conv.__name__}: grad_output has shape {tuple(grad_output.shape)}, but the "
                f"convolution gives {tuple(out.shape)} for these sizes and arguments: pass the "
                f"gradient of this convolution's output")
        (g,) = _autograd.grad(out, hole, grad_output, create_graph=record)
    return g if record else g.detach()


def _make(rank):
    conv = getattr(_conv, f"conv{rank}d")

    def input_grad(input_size, weight, grad_output, stride=1, padding=0, dilation=1, groups=1):
        name = f"conv{rank}d_input"
        size = _check(name, rank, (("weight", weight), ("grad_output", grad_output)),
                      input_size, "input_size")
        kw = dict(stride=stride, padding=padding, dilation=dilation, groups=groups)
        return _vjp(conv, weight, size, grad_output, True, kw)

    def weight_grad(input, weight_size, grad_output, stride=1, padding=0, dilation=1, groups=1):
        name = f"conv{rank}d_weight"
        size = _check(name, rank, (("input", input), ("grad_output", grad_output)),
                      weight_size, "weight_size")
        kw = dict(stride=stride, padding=padding, dilation=dilation, groups=groups)
        return _vjp(conv, input, size, grad_output, False, kw)

    input_grad.__name__ = input_grad.__qualname__ = f"conv{rank}d_input"
    weight_grad.__name__ = weight_grad.__qualname__ = f"conv{rank}d_weight"
    input_grad.__doc__ = (f"Gradient of ``conv{rank}d(input, weight)`` with respect to an input "
                          f"of size ``input_size``, given ``grad_output``.")
    weight_grad.__doc__ = (f"Gradient of ``conv{rank}d(input, weight)`` with respect to a "
                           f"weight of size ``weight_size``, given ``grad_output``.")
    return input_grad, weight_grad


conv1d_input, conv1d_weight = _make(1)
conv2d_input, conv2d_weight = _make(2)
conv3d_input, conv3d_weight = _make(3)
