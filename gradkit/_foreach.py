"""PyTorch's ``torch._foreach_*`` list ops (``torch._foreach_mul_(params, 0.9)`` in EMA and
optimizer code): the op applied to each tensor of a list, with each other operand either one
value for all (a number or a tensor) or a list holding one per tensor.

``_foreach_X`` returns a tuple of results; ``_foreach_X_`` works in place and returns the list
it was given. Lists of unequal lengths and an empty list raise PyTorch's RuntimeError.
"""

from __future__ import annotations

__all__ = ["foreach_function"]

_UNARY = ("abs", "acos", "asin", "atan", "ceil", "cos", "cosh", "erf", "erfc", "exp", "expm1",
          "floor", "frac", "lgamma", "log", "log10", "log1p", "log2", "neg", "reciprocal",
          "round", "rsqrt", "sigmoid", "sign", "sin", "sinh", "sqrt", "tan", "tanh", "trunc",
          "zero", "clone")
_BINARY = ("add", "sub", "mul", "div", "pow", "maximum", "minimum", "clamp_max", "clamp_min",
           "copy")
_TERNARY = ("addcmul", "addcdiv", "lerp")
_REDUCE = ("norm", "max")


def _tensor_list(name, tensors):
    from ._tensor import Tensor

    if isinstance(tensors, Tensor) or not isinstance(tensors, (list, tuple)):
        raise TypeError(f"torch.{name}(): argument 'self' must be a list of Tensors, got "
                        f"{type(tensors).__name__}")
    tensors = list(tensors)
    if not tensors:
        raise RuntimeError(f"torch.{name}(): Tensor list must have at least one tensor.")
    return tensors


def _per_tensor(name, operand, n, what):
    """``operand`` spread over ``n`` tensors: a list/tuple must hold ``n`` items."""
    if isinstance(operand, (list, tuple)):
        if len(operand) != n:
            kind = "Tensor lists must have the same number of tensors" if what == "tensor" \
                else "Tensor list must have same number of elements as scalar list"
            raise RuntimeError(f"torch.{name}(): {kind}, got {n} and {len(operand)}")
        return list(operand)
    return [operand] * n


def _call(base, t, args, kwargs, inplace):
    from . import linalg
    from ._tensor import Tensor

    if base == "zero":
        return t.zero_() if inplace else t.clone().zero_()
    if base == "clone":
        return t.clone()
    if base == "copy":
        return t.copy_(*args, **kwargs) if inplace else t.clone().copy_(*args, **kwargs)
    if base == "norm":
        ord_ = args[0] if args else kwargs.get("ord", 2)
        return linalg.vector_norm(t, ord_, dtype=kwargs.get("dtype"))
    if base == "max":
        return t.max()
    if base in ("maximum", "minimum") and args and not isinstance(args[0], Tensor):
        # the Scalar overload (torch.maximum itself takes only tensors): a clamp to the number
        base, args = ("clamp_min" if base == "maximum" else "clamp_max"), list(args)
    if base in ("clamp_max", "clamp_min"):
        bound = {"max" if base == "clamp_max" else "min": args[0]}
        return t.clamp_(**bound) if inplace else t.clamp(**bound)
    if not inplace:
        return getattr(t, base)(*args, **kwargs)
    if base == "mul" and args and isinstance(args[0], float) and t.dtype.is_floating_point \
            and t.dtype.itemsize == 2:
        # PyTorch's in-place _foreach_mul_ rounds a number to a half-precision list's dtype
        # first (the out-of-place form and Tensor.mul_ do not)
        args = [Tensor(args[0]).to(t.dtype).item()] + list(args[1:])
    method = getattr(t, base + "_", None)  # maximum/minimum have no in-place method
    return method(*args, **kwargs) if method is not None else \
        t.copy_(getattr(t, base)(*args, **kwargs))


def foreach_function(name: str):
    """The function ``gradkit._foreach_<op>[_]`` (AttributeError for an op PyTorch lacks)."""
    base = name[len("_foreach_"):]
    inplace = base.endswith("_")
    base = base.rstrip("_")
    if base not in _UNARY + _BINARY + _TERNARY + _REDUCE or (inplace and base in _REDUCE + (
            "clone",)) or (not inplace and base in ("zero", "copy")):
        raise AttributeError(f"module 'gradkit' has no attribute {name!r}")

    def foreach(self, *args, **kwargs):
        from ._tensor import Tensor

        if base == "pow" and not isinstance(self, (list, tuple)):  # _foreach_pow(2.0, tensors)
            return tuple(_rpow(self, e) for e in _tensor_list(name, args[0]))
        tensors = _tensor_list(name, self)
        n = len(tensors)
        args = list(args)
        if base in ("addcmul", "addcdiv") and len(args) == 3:  # the per-tensor ``scalars``
            kwargs["value"] = args.pop()
        if "value" in kwargs and isinstance(kwargs["value"], Tensor):  # a 1-D tensor of scalars
            kwargs["value"] = kwargs["value"].tolist()
        spread = [_per_tensor(name, a, n, "tensor" if isinstance(a, (list, tuple)) and a and
                              isinstance(a[0], Tensor) else "scalar") for a in args]
        per_kw = {k: _per_tensor(name, v, n, "scalar") for k, v in kwargs.items()}
        out = [_call(base, t, [a[i] for a in spread], {k: v[i] for k, v in per_kw.items()},
                     inplace) for i, t in enumerate(tensors)]
        return self if inplace else tuple(out)

    foreach.__name__ = foreach.__qualname__ = name
    foreach.__doc__ = f"PyTorch's ``torch.{name}``: ``{base}`` applied to each tensor of a list."
    return foreach


def _rpow(base, exponent):
    from .functions.elementwise import pow as _pow

    return _pow(base, exponent)
