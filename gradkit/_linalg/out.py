"""The ``out=`` form of the ``gradkit.linalg`` functions (``torch.linalg.inv(A, out=X)``).

One face for every function: the plain call runs, its result (or each result of a named
tuple, written into a tuple of ``out`` tensors) goes into ``out`` through the registry's
:func:`~gradkit.functions._registry.write_out` (a wrong-shaped ``out`` is resized, with
PyTorch's warning when it held elements; an ``out`` on a graph that requires grad is refused)
and ``out`` is returned. PyTorch's linalg kernels differ in the dtype they take for ``out``,
in two families, measured against PyTorch 2.13: most want the result's own dtype
(``"same"``), the composite ones (cond, pinv, lstsq, eig, ...) any dtype the result casts to
(``"cast"``). PyTorch's composite functions (cond, norm, tensorsolve, ...: ``COMPOSITE``)
copy their result into ``out`` as an ordinary differentiable ``copy_``, so there ``out`` joins
the graph instead of being refused. matrix_exp, vander and diagonal have no out= form (as
PyTorch's).
"""

from __future__ import annotations

import functools
import inspect

__all__ = ["COMPOSITE", "OUT_RULES", "RULE_OF_CALL", "TOP_OUT_RULES", "install", "top_out",
           "with_out"]

# the rule of each function's out dtype (write_out's ``rule``)
OUT_RULES = {
    "same": ("cholesky", "cholesky_ex", "cross", "det", "eigh", "eigvalsh", "inv", "inv_ex",
             "lu", "lu_factor", "lu_factor_ex", "lu_solve", "matmul", "matrix_norm",
             "matrix_power", "multi_dot", "norm", "qr", "slogdet", "solve", "solve_ex",
             "solve_triangular", "svd", "svdvals", "vecdot", "vector_norm"),
    "cast": ("cond", "eig", "eigvals", "householder_product", "lstsq", "matrix_rank", "pinv",
             "tensorinv", "tensorsolve"),
}

# the functions whose out= is a recorded copy (PyTorch's CompositeImplicitAutograd kernels)
COMPOSITE = ("cond", "eigvals", "matrix_norm", "norm", "tensorinv", "tensorsolve")


def _matrix_power_rule(args, kwargs):
    """matrix_power's out rule: PyTorch writes the last product with matmul's out= (the
    result's dtype) for |n| = 2 and every |n| of more than one set bit, n = -1 with inv's; it
    copies (any dtype the result casts to) for n = 0, 1 and |n| a power of two above 2."""
    n = args[1] if len(args) > 1 else kwargs.get("n", 0)
    try:
        n = int(n)
    except (TypeError, ValueError):  # (the call itself refuses it)
        return "same"
    k = abs(n)
    return "same" if n == -1 or k == 2 or (k > 2 and k & (k - 1)) else "cast"


# functions whose out rule depends on the call: name -> rule(args, kwargs)
RULE_OF_CALL = {"matrix_power": _matrix_power_rule}


def _vecdot_out_first(out, args, kwargs):
    """PyTorch's linalg_vecdot_out checks the inputs' dtypes, then out's dtype, before the
    shapes and the dim (which the plain call checks)."""
    from .._tensor import Tensor

    x = args[0] if args else kwargs.get("x")
    y = args[1] if len(args) > 1 else kwargs.get("y")
    if not (isinstance(x, Tensor) and isinstance(y, Tensor) and isinstance(out, Tensor)) \
            or x._data.dtype.kind not in "fc" or x.dtype != y.dtype:
        return  # (the plain call's checks come first)
    if out.dtype != x.dtype:
        raise RuntimeError(f"linalg.vecdot: Expected out of dtype {x.dtype} but found "
                           f"{out.dtype}; pass an out of the inputs' dtype")


# functions whose out= checks out before the plain call's checks: name -> check(out, args,
# kwargs)
OUT_FIRST = {"vecdot": _vecdot_out_first}


def with_out(fn, name, rule):
    """``fn`` (a ``gradkit.linalg`` function) with PyTorch's keyword-only ``out=``."""
    from ..autograd import grad_mode
    from ..functions._registry import write_out

    label = "linalg." + name
    composite = name in COMPOSITE
    fixed, of_call, first = rule, RULE_OF_CALL.get(name), OUT_FIRST.get(name)

    @functools.wraps(fn)
    def face(*args, out=None, **kwargs):
        if out is None:
            return fn(*args, **kwargs)
        if first is not None:
            first(out, args, kwargs)
        res = fn(*args, **kwargs)
        rule = fixed if of_call is None else of_call(args, kwargs)
        if composite and grad_mode.STATE[0] and res.requires_grad:
            write_out(out, res.detach(), label, rule)  # out's dtype and shape, as the op's
            return out.copy_(res)  # (the copy is recorded: out joins res's graph)
        return write_out(out, res, label, rule)

    face.__signature__ = _with_out_parameter(fn)
    return face


def _with_out_parameter(fn):
    """``fn``'s signature with PyTorch's keyword-only ``out=None`` last."""
    sig = inspect.signature(fn)
    params = [p for p in sig.parameters.values() if p.name != "out"]
    at = len(params) - (params[-1].kind is inspect.Parameter.VAR_KEYWORD if params else 0)
    params.insert(at, inspect.Parameter("out", inspect.Parameter.KEYWORD_ONLY, default=None))
    return sig.replace(parameters=params)


# the out= rules of the legacy top-level functions (``torch.cholesky(A, out=L)``), measured
# against PyTorch 2.13: (dtype rule, how many tensors the result is); "cast": PyTorch's
# ``canCast`` (float32 takes a float64 result, int64 does not)
TOP_OUT_RULES = {
    "cholesky": ("cast", 1), "cholesky_inverse": ("cast", 1), "cholesky_solve": ("cast", 1),
    "geqrf": ("cast", 2), "orgqr": ("cast", 1), "ormqr": ("same", 1),
    "cross": ("same", 1), "inverse": ("same", 1), "lu_solve": ("same", 1),
    "qr": ("same", 2), "triangular_solve": ("same", 2), "lu_unpack": ("same", 3),
    "svd": ("same", 3), "matrix_power": (None, 1),
}


def top_out(name):
    """The ``declare(out=...)`` of the legacy top-level function ``name`` (False: none)."""
    from ..functions._registry import out_rule_of_call, out_tuple

    if name not in TOP_OUT_RULES:
        return False
    rule, n = TOP_OUT_RULES[name]
    if rule is None:  # matrix_power: the rule of its n, as linalg.matrix_power's
        rule = out_rule_of_call(lambda a: _matrix_power_rule((None, a.get("n", 0)), {}))
    return rule if n == 1 else (rule, out_tuple(n))


def install(namespace: dict) -> None:
    """Give the functions of ``namespace`` (gradkit.linalg's globals) their out= faces."""
    for rule, names in OUT_RULES.items():
        for n in names:
            namespace[n] = with_out(namespace[n], n, rule)
