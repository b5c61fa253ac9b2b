"""``gradkit.func``: function transforms over Tensors (``grad``, ``value_and_grad``), in the style
of ``torch.func``. They are built on the reverse-mode engine; there is no vmap."""

from __future__ import annotations

import functools

from .autograd.backward import grad as _grad
from .autograd.functional import hessian as _hessian
from .autograd.functional import jacobian as _jacobian
from .autograd.grad_mode import enable_grad

__all__ = ["grad", "hessian", "jacrev", "value_and_grad", "vjp"]


def _argnums_tuple(argnums, nargs):
    if isinstance(argnums, int):
        return (argnums,), True
    if isinstance(argnums, tuple) and all(isinstance(a, int) for a in argnums):
        return argnums, False
    raise TypeError(f"argnums must be an int or a tuple of ints, got {argnums!r}")


def value_and_grad(func, argnums=0, has_aux=False):
    """Return a function computing ``(func(*args), d func / d args[argnums])``.

    ``func`` must return a one-element Tensor (or ``(output, aux)`` with ``has_aux=True``).
    Gradients of nested calls compose: ``grad(grad(f))`` gives second derivatives.
    """

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        nums, single = _argnums_tuple(argnums, len(args))
        args = list(args)
        with enable_grad():
            for n in nums:
                if n >= len(args) or n < -len(args):
                    raise RuntimeError(
                        f"argnums {n} is out of range for a function called with {len(args)} "
                        f"positional arguments"
                    )
                a = args[n]
                if not a.requires_grad:
                    args[n] = a.detach().requires_grad_(True)
            out = func(*args, **kwargs)
            aux = None
            if has_aux:
                if not (isinstance(out, tuple) and len(out) == 2):
                    raise RuntimeError(
                        "value_and_grad(f, has_aux=True): f must return a (output, aux) tuple"
                    )
                out, aux = out
            if out.numel() != 1:
                raise RuntimeError(
                    f"grad(f)(*args): f must return a scalar (one-element) Tensor, got shape "
                    f"{tuple(out.shape)}"
                )
            gs = _grad(out, [args[n] for n in nums], create_graph=True, allow_unused=True)
        import numpy as np

        from ._tensor import wrap

        gs = tuple(g if g is not None else wrap(np.zeros_like(args[n]._data))
                   for g, n in zip(gs, nums))
        g = gs[0] if single else gs
        if has_aux:
            return (out, aux), g
        return out, g

    return wrapper


def grad(func, argnums=0, has_aux=False):
    """Return a function computing the gradient of ``func`` with respect to ``args[argnums]``.

    Example:
        >>> d2 = gradkit.func.grad(gradkit.func.grad(lambda x: (x ** 3).sum()))
        >>> d2(gradkit.tensor(2.0))   # 6 * 2
    """
    vg = value_and_grad(func, argnums, has_aux)

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        (value_aux), g = vg(*args, **kwargs)
        if has_aux:
            return g, value_aux[1]
        return g

    return wrapper


def _at_argnums(func, args, argnums):
    """``(f, point)``: ``func`` as a function of ``args[argnums]`` only, and that point."""
    nums, single = _argnums_tuple(argnums, len(args))

    def f(*xs):
        a = list(args)
        for n, x in zip(nums, xs):
            a[n] = x
        return func(*a)

    return f, (args[nums[0]] if single else tuple(args[n] for n in nums))


def jacrev(func, argnums=0):
    """Return a function computing the Jacobian of ``func`` w.r.t. ``args[argnums]`` (an int, or
    a tuple of ints for one Jacobian per argument)."""

    def wrapper(*args):
        f, point = _at_argnums(func, args, argnums)
        return _jacobian(f, point, create_graph=True)

    return wrapper


def hessian(func, argnums=0):
    """Return a function computing the Hessian of scalar ``func`` w.r.t. ``args[argnums]``; with
    a tuple of argnums, ``result[i][j]`` is the block for arguments ``argnums[i], argnums[j]``."""

    def wrapper(*args):
        f, point = _at_argnums(func, args, argnums)
        return _hessian(f, point, create_graph=True)

    return wrapper


def vjp(func, *primals):
    """``(func(*primals), vjp_fn)``; ``vjp_fn(v)`` returns the tuple of vector-Jacobian products."""
    with enable_grad():
        ps = [p.detach().requires_grad_(True) if not p.requires_grad else p for p in primals]
        out = func(*ps)

    def vjp_fn(v):
        with enable_grad():
            return _grad(out, ps, v, retain_graph=True, create_graph=True, allow_unused=True)

    return out, vjp_fn
