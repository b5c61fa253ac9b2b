"""Batching rules: how an op runs once on the physical values of a vmap level.

``run_op(func, args, kwargs)`` handles a call that reached a BatchedTensor: it takes the
innermost level among the arguments, finds the rule for the op's name and runs it on the
physical values (the level's batch in dimension 0; values of outer levels and plain tensors
are unbatched operands here). A rule returns NotImplemented where it does not apply; then,
as for an op without a rule, the op runs once per batch entry on slices (``fallback``).

The elementwise family is read from the op registry (the kinds elementwise, comparison,
special and bitwise, and the Tensor operators), so a pointwise op declared there is batched
without a rule of its own.
"""

from __future__ import annotations

from .batched import (
    BatchedTensor,
    VmapFallback,
    batch_size,
    max_level,
    physical,
    wrap_level,
)
from .table import RULES, _call, _is_tensor, _padded, _rank, _reg

__all__ = ["RULES", "fallback", "run_op"]

def run_op(func, args, kwargs):
    level = max_level(args, kwargs)
    name = getattr(func, "__name__", None)
    rule = RULES.get(name)
    if rule is not None:
        try:
            r = rule(func, level, args, kwargs)
        except VmapFallback:  # (an argument the rule does not read: ``max(a, b)``)
            r = NotImplemented
        if r is not NotImplemented:
            return r
    return fallback(func, level, args, kwargs)


# ------------------------------------------------------------------------ the fallback
def _slice(x, level, i):
    t = type(x)
    if t is BatchedTensor and x.level == level:
        return x.value[i]
    if t is list or t is tuple:
        return t(_slice(v, level, i) for v in x)
    if t is dict:
        return {k: _slice(v, level, i) for k, v in x.items()}
    return x


def _stack_results(results, level):
    import gradkit as F

    from .._tensor.tensor import Tensor

    first = results[0]
    if isinstance(first, Tensor):
        return BatchedTensor(F.stack(list(results)), level)
    if isinstance(first, (tuple, list)):
        cols = [_stack_results([r[j] for r in results], level) for j in range(len(first))]
        if hasattr(first, "_fields"):
            return type(first)(*cols)
        return type(first)(cols)
    if all(r == first for r in results[1:]):
        return first
    raise VmapFallback("vmap: an op gave a different Python value per batch entry")


def _is_inplace(name):
    if name.startswith("__i") and name != "__init__":
        return True
    return name == "__setitem__" or (name.endswith("_") and not name.endswith("__"))


def fallback(func, level, args, kwargs):
    """``func`` once per batch entry of ``level`` on slices of the batched arguments."""
    from .randomness import fallback_draws

    name = getattr(func, "__name__", "")
    n = batch_size(level)
    if "out" in kwargs:
        raise VmapFallback("vmap: out= on a batched tensor")
    if _is_inplace(name):
        self = args[0] if args else None
        if not (type(self) is BatchedTensor and self.level == level):
            raise RuntimeError(f"vmap: {name}(self, *extra_args) is not possible because "
                               f"there exists a Tensor `other` in extra_args that has more "
                               f"elements than `self`. This happened due to `other` being "
                               f"vmapped over but `self` not being vmapped over in a vmap. "
                               f"Please try to use out-of-place operators instead of "
                               f"{name}.")
        fallback_draws(lambda: [_call(func, *_slice(args, level, i), **_slice(kwargs, level, i))
                                for i in range(n)])
        return self
    results = fallback_draws(lambda: [_call(func, *_slice(args, level, i),
                                            **_slice(kwargs, level, i)) for i in range(n)])
    if not results:
        raise VmapFallback("vmap: an empty batch")
    return _stack_results(results, level)


# ------------------------------------------------------------------------ elementwise
def _elementwise(func, level, args, kwargs):
    tensors = [a for a in list(args) + list(kwargs.values()) if _is_tensor(a)]
    for a in list(args) + list(kwargs.values()):
        if isinstance(a, (list, tuple)) and max_level(a) == level:
            return NotImplemented
    rank = max(_rank(t) for t in tensors)
    out_args = []
    for a in args:
        v, b = physical(a, level)
        out_args.append(_padded(v, a.ndim, rank) if b else v)
    out_kw = {}
    for k, a in kwargs.items():
        v, b = physical(a, level)
        out_kw[k] = _padded(v, a.ndim, rank) if b else v
    return BatchedTensor(_call(func, *out_args, **out_kw), level)


def _elementwise_inplace(func, level, args, kwargs):
    self = args[0]
    if not (type(self) is BatchedTensor and self.level == level):
        return NotImplemented  # (the fallback raises PyTorch's error)
    rank = self.ndim
    out_args = [self.value]
    for a in args[1:]:
        v, b = physical(a, level)
        if b and a.ndim > rank:
            return NotImplemented
        out_args.append(_padded(v, a.ndim, rank) if b else v)
    out_kw = {}
    for k, a in kwargs.items():
        v, b = physical(a, level)
        out_kw[k] = _padded(v, a.ndim, rank) if b else v
    _call(func, *out_args, **out_kw)
    return self


def _where(func, level, args, kwargs):
    if len(args) + len(kwargs) < 3:
        return NotImplemented
    return _elementwise(func, level, args, kwargs)


def _same_shape(func, level, args, kwargs):
    """Ops that keep the shape and act per element or per tensor without dims (``clone``,
    ``detach``, ``to``, ``float``, ``zeros_like``): run on the physical value as it is."""
    if max_level(args[1:], kwargs) == level:
        return NotImplemented
    v, b = physical(args[0], level)
    if not b:
        return NotImplemented
    out = _call(func, v, *args[1:], **kwargs)
    if out is v:
        return args[0]
    return wrap_level(out, level)


def _install_registry_rules():
    from ..functions._registry import REGISTRY, TENSOR_METHODS

    skip = {"equal", "isin", "allclose", "where", "frexp", "is_complex", "is_conj", "is_neg"}
    for name, dec in REGISTRY.items():
        if dec.kind in ("elementwise", "comparison", "special", "bitwise") and name not in skip:
            for n in (name,) + tuple(a.split(":")[-1] for a in dec.aliases):
                RULES[n] = _elementwise
                if dec.inplace is not None:
                    RULES[n + "_"] = _elementwise_inplace
    for name, (_fn, kind) in TENSOR_METHODS.items():
        if kind in ("operators", "comparison", "bitwise") or name.startswith("__i") and \
                kind == "elementwise":
            RULES[name] = _elementwise_inplace if name.startswith("__i") else _elementwise
        if name in ("add", "sub", "addcmul", "addcdiv"):
            RULES[name] = _elementwise
        if name in ("add_", "sub_", "addcmul_", "addcdiv_"):
            RULES[name] = _elementwise_inplace
    RULES["where"] = _where


_install_registry_rules()
# nn.functional's pointwise activations (functions written by hand, not registered ops)
_reg(("gelu", "silu", "elu", "selu", "celu", "leaky_relu", "softplus", "relu6", "hardtanh",
      "mish", "logsigmoid", "hardswish", "hardsigmoid", "softsign", "tanhshrink", "threshold",
      "hardshrink", "softshrink", "relu", "sigmoid", "tanh"), _elementwise)
_reg(("clone", "detach", "contiguous", "float", "double", "half", "long", "int", "bool",
      "bfloat16", "to", "type_as", "cpu", "zeros_like", "ones_like", "empty_like",
      "full_like", "requires_grad_", "detach_", "retain_grad"), _same_shape)

# (importing them registers the rules with dims and the random ops' rules)
from . import randomness, rules_shape  # noqa: E402,F401
