"""``torch.library``: user-defined operators with their own autograd formula.

``custom_op("ns::name", fn, mutates_args=())`` (or as a decorator) gives a :class:`CustomOpDef`
that calls ``fn`` eagerly. Its gradient comes only from :func:`register_autograd`
(``backward(ctx, *grads)`` with ``setup_context(ctx, inputs, output)``), as in PyTorch: without
one, backpropagating through the op raises PyTorch's RuntimeError. ``register_fake`` records the
shape function that PyTorch's tracing compilers use; gradkit runs eagerly and only keeps it.
Operators are found again by name in :func:`register_autograd` and friends (``torch.ops`` is not
provided).
"""

from __future__ import annotations

from .autograd import grad_mode
from .autograd.function import Function

__all__ = ["CustomOpDef", "custom_op", "register_autograd", "register_fake", "register_kernel"]

_OPS: dict[str, "CustomOpDef"] = {}


def _no_formula(name: str):
    def backward(ctx, *grads):
        raise RuntimeError(
            f"Trying to backward through {name.replace('::', '.')}.default but no autograd "
            f"formula was registered. Please use register_autograd to add one."
        )

    return backward


def _tensors(args):
    return [a for a in args if hasattr(a, "requires_grad")]


class CustomOpDef:
    """A user-defined operator: call it like its function (see the module docstring)."""

    def __init__(self, name: str, fn, mutates_args, schema=None) -> None:
        if not isinstance(name, str) or "::" not in name:
            raise ValueError(f"custom_op: expected a name 'namespace::op_name', got {name!r}")
        if mutates_args != "unknown" and not isinstance(
            mutates_args, (tuple, list, set, frozenset, str)
        ):
            raise TypeError(
                f"custom_op({name!r}): mutates_args must be a tuple of argument names or "
                f"'unknown', got {mutates_args!r}"
            )
        self._name = name
        self._init_fn = fn
        self._kernels: dict = {}
        self._fake = None
        self._backward = None
        self._setup_context = None
        self._schema = schema
        self.__name__ = name.split("::", 1)[1]
        self.__doc__ = getattr(fn, "__doc__", None)

    def __repr__(self) -> str:
        return f"<CustomOpDef({self._name})>"

    def register_fake(self, fn=None, /):
        def register(f):
            self._fake = f
            return f

        return register if fn is None else register(fn)

    def register_kernel(self, device_types, fn=None, /):
        kinds = (
            (device_types,)
            if isinstance(device_types, str) or device_types is None
            else device_types
        )

        def register(f):
            for kind in kinds:
                self._kernels[kind] = f
            return f

        return register if fn is None else register(fn)

    def register_autograd(self, backward, /, *, setup_context=None) -> None:
        if not callable(backward):
            raise TypeError(
                f"register_autograd({self._name!r}): backward must be callable, got {backward!r}"
            )
        self._backward = backward
        self._setup_context = setup_context

    def _kernel(self, args):
        for a in _tensors(args):
            kernel = self._kernels.get(a.device.type)
            if kernel is not None:
                return kernel
        return self._kernels.get(None, self._init_fn)

    def __call__(self, *args, **kwargs):
        kernel = self._kernel(args)
        if not (grad_mode.is_grad_enabled() and any(t.requires_grad for t in _tensors(args))):
            return kernel(*args, **kwargs)
        op = self

        class _Op(Function):
            @staticmethod
            def forward(*inputs):
                return kernel(*inputs, **kwargs)

            @staticmethod
            def setup_context(ctx, inputs, output):
                if op._setup_context is not None:
                    op._setup_context(ctx, inputs, output)

            @staticmethod
            def backward(ctx, *grads):
                backward = op._backward or _no_formula(op._name)
                got = backward(ctx, *grads)
                return got if isinstance(got, tuple) else (got,)

        _Op.__name__ = self.__name__
        return _Op.apply(*args)


def custom_op(name: str, fn=None, /, *, mutates_args, device_types=None, schema=None):
    """Define the operator ``name`` (``"namespace::op_name"``) running ``fn`` (without ``fn``:
    a decorator)."""

    def define(f):
        op = CustomOpDef(name, f, mutates_args, schema)
        if device_types is not None:
            op.register_kernel(device_types, f)
        _OPS[name] = op
        return op

    return define if fn is None else define(fn)


def _op(op) -> CustomOpDef:
    if isinstance(op, CustomOpDef):
        return op
    try:
        return _OPS[op]
    except KeyError:
        raise ValueError(
            f"torch.library: no operator named {op!r}; define it with custom_op first"
        ) from None


def register_fake(op, fn=None, /, **kwargs):
    """Record the shape function of ``op`` (kept; gradkit runs eagerly)."""
    return _op(op).register_fake(fn)


def register_autograd(op, backward, /, *, setup_context=None, **kwargs) -> None:
    """Give ``op`` its gradient: ``backward(ctx, *grads)`` after
    ``setup_context(ctx, inputs, output)``."""
    _op(op).register_autograd(backward, setup_context=setup_context)


def register_kernel(op, device_types, fn=None, /, **kwargs):
    """Run ``fn`` for ``op`` on tensors of ``device_types`` (``"cpu"``, ``"cuda"``)."""
    return _op(op).register_kernel(device_types, fn)
