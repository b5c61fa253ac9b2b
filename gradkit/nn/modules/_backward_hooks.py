"""Full backward hooks of modules (``register_full_backward_hook``/``_pre_hook``, and the global
``register_module_full_backward_hook``/``_pre_hook``): identity Functions around a module's inputs
and outputs whose backward passes see, and may replace, ``grad_output`` and ``grad_input``."""

from __future__ import annotations

from collections import OrderedDict

from ..._tensor import Tensor
from ..._warnings import warn
from ...autograd.function import Function

# the global hooks of every module, in registration order (torch.nn.modules.module's)
_GLOBAL_BACKWARD_PRE_HOOKS: OrderedDict = OrderedDict()
_GLOBAL_BACKWARD_HOOKS: OrderedDict = OrderedDict()

_NO_INPUT_GRAD = (
    "Full backward hook is firing when gradients are computed with respect to module outputs "
    "since no inputs require gradients. See https://docs.pytorch.org/docs/main/generated/"
    "torch.nn.Module.html#torch.nn.Module.register_full_backward_hook for more details.")


class _HookIn(Function):
    """Identity on the module's inputs; its backward sees (and may replace) grad_input."""

    @staticmethod
    def forward(ctx, state, *tensors):
        ctx.state = state
        return tuple(t.detach() for t in tensors)

    @staticmethod
    def backward(ctx, *grads):
        return (None, *ctx.state.on_grad_input(grads))


class _HookOut(Function):
    """Identity on the module's outputs; its backward records (and may replace) grad_output."""

    @staticmethod
    def forward(ctx, state, *tensors):
        ctx.state = state
        return tuple(t.detach() for t in tensors)

    @staticmethod
    def backward(ctx, *grads):
        return (None, *ctx.state.on_grad_output(grads))


class _BackwardHookState:
    """One forward call's bookkeeping for full backward hooks."""

    def __init__(self, module):
        self.module = module
        self.grad_output = None
        self.in_pos = ()
        self.n_tensor_args = 0

    def wrap_inputs(self, args):
        tensors = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
        self.n_tensor_args = len(tensors)
        self.in_pos = [k for k, i in enumerate(tensors) if args[i].requires_grad]
        grad_idx = [tensors[k] for k in self.in_pos]
        if not grad_idx:
            return args
        wrapped = _HookIn.apply(self, *[args[i] for i in grad_idx])
        args = list(args)
        for i, w in zip(grad_idx, wrapped):
            args[i] = w
        return tuple(args)

    def wrap_outputs(self, out):
        if isinstance(out, Tensor):
            return _HookOut.apply(self, out)[0] if out.requires_grad else out
        if isinstance(out, tuple):
            idx = [i for i, o in enumerate(out) if isinstance(o, Tensor) and o.requires_grad]
            if not idx:
                return out
            wrapped = _HookOut.apply(self, *[out[i] for i in idx])
            res = list(out)
            for i, w in zip(idx, wrapped):
                res[i] = w
            return type(out)(res) if type(out) is tuple else type(out)(*res)
        return out

    def on_grad_output(self, grads):
        m = self.module
        for hook in [*_GLOBAL_BACKWARD_PRE_HOOKS.values(), *m._backward_pre_hooks.values()]:
            r = hook(m, grads)
            if r is not None:
                grads = tuple(r) if isinstance(r, (tuple, list)) else (r,)
        self.grad_output = grads
        if not self.in_pos and (m._backward_hooks or _GLOBAL_BACKWARD_HOOKS):
            # nothing upstream: report now, and say so as PyTorch does
            warn(_NO_INPUT_GRAD)
            self._call_hooks((None,) * max(self.n_tensor_args, 1))
        return grads

    def on_grad_input(self, grads):
        full = [None] * self.n_tensor_args
        for k, g in zip(self.in_pos, grads):
            full[k] = g
        full = self._call_hooks(tuple(full))
        return tuple(full[k] for k in self.in_pos)

    def _call_hooks(self, grad_input):
        m = self.module
        for hook in [*_GLOBAL_BACKWARD_HOOKS.values(), *m._backward_hooks.values()]:
            r = hook(m, grad_input, self.grad_output)
            if r is not None:
                grad_input = tuple(r) if isinstance(r, (tuple, list)) else (r,)
        return grad_input


def legacy_backward_hook(hook):
    """The forward hook behind the deprecated ``Module.register_backward_hook``: it hooks the
    autograd node that made the module's (first Tensor) output, so ``hook(module, grad_input,
    grad_output)`` sees that node's gradients (``grad_input`` per input of the node, in the
    node's order, e.g. input, weight, bias of a convolution), as PyTorch's non-full hook does;
    a returned tuple replaces ``grad_input``."""
    import warnings

    def forward_hook(module, args, out):
        var = out
        while not isinstance(var, Tensor):
            if isinstance(var, dict):
                var = next(v for v in var.values() if isinstance(v, Tensor))
            elif isinstance(var, (tuple, list)) and var:
                var = var[0]
            else:
                return None
        node = var.grad_fn
        if node is None:
            return None
        # PyTorch's test: the node's inputs are exactly the nodes that made the module's
        # inputs (a parameter's AccumulateGrad among them already means more than one node)
        made = {id(t.grad_fn) for t in args if isinstance(t, Tensor) and t.grad_fn is not None}
        fed = {id(n) for n, _ in node.next_functions}
        if made != fed:
            warnings.warn("Using a non-full backward hook when the forward contains multiple "
                          "autograd Nodes is deprecated and will be removed in future versions. "
                          "This hook will be missing some grad_input. Please use "
                          "register_full_backward_hook to get the documented behavior.",
                          FutureWarning, stacklevel=2)
        node.register_hook(lambda grad_input, grad_output: hook(module, grad_input, grad_output))
        return None

    return forward_hook
