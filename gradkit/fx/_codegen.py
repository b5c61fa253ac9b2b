"""Python source for a ``Graph``: the ``forward`` a ``GraphModule`` runs and ``gm.code`` shows.

The text follows PyTorch's: one line per node, operators written as operators
(``add = relu + 1``), gradkit functions under their PyTorch names (``torch.relu(x)``), and each
value set to None right after its last use (``;  x = None``) so memory is freed as the program
goes.
"""

from __future__ import annotations

import math
import operator

from ._names import qualified_name
from .node import map_arg

__all__ = ["PythonCode", "python_code"]

_BINARY_SYMBOLS = {
    operator.add: "+", operator.sub: "-", operator.mul: "*", operator.floordiv: "//",
    operator.truediv: "/", operator.mod: "%", operator.pow: "**", operator.lshift: "<<",
    operator.rshift: ">>", operator.and_: "&", operator.or_: "|", operator.xor: "^",
    operator.matmul: "@", operator.eq: "==", operator.ne: "!=", operator.lt: "<",
    operator.gt: ">", operator.le: "<=", operator.ge: ">=",
}
_UNARY_SYMBOLS = {operator.neg: "-", operator.pos: "+", operator.invert: "~"}


class PythonCode:
    """The generated source (``src``) and the globals it runs with (``globals``)."""

    def __init__(self, src: str, globals_: dict):
        self.src = src
        self.globals = globals_


def _attr_path(base: str, path: str) -> str:
    """``self.layers.0.conv`` written as valid Python: ``getattr(self.layers, "0").conv``."""
    out = base
    for part in path.split("."):
        out = f"{out}.{part}" if part.isidentifier() else f'getattr({out}, "{part}")'
    return out


def _base_globals() -> dict:
    import gradkit

    return {"torch": gradkit, "gradkit": gradkit, "operator": operator, "math": math,
            "inf": math.inf, "nan": math.nan, "NoneType": type(None),
            "device": gradkit.device, "getattr": getattr}


def python_code(graph, root_module: str = "self") -> PythonCode:
    """Generate ``def forward(self, ...)`` for ``graph``."""
    globals_ = _base_globals()
    names_of: dict = {}  # id(callable) -> the global name it is bound to
    wrapped_names: list = []  # functions registered with fx.wrap, re-registered by the code

    def global_name(fn) -> str:
        q = qualified_name(fn)
        if q.startswith("builtins."):
            return q[len("builtins."):]
        if q.startswith("torch."):
            return q
        if q.startswith("operator."):  # (bound as PyTorch's generated code binds them)
            q = "_" + q
        got = names_of.get(id(fn))
        if got is None:
            got = q.replace(".", "_").replace("<", "_").replace(">", "_")
            while got in globals_ and globals_[got] is not fn:
                got += "_"
            globals_[got] = fn
            names_of[id(fn)] = got
        return got

    def type_repr(t) -> str | None:
        """An annotation as the code writes it (classes only: ``torch.Tensor``, ``int``)."""
        if not isinstance(t, type):
            return None
        if t.__module__ == "builtins":
            return t.__qualname__
        q = qualified_name(t)
        if q.startswith("torch."):
            return q
        return global_name(t)

    def fmt(a) -> str:
        return repr(map_arg(a, lambda n: _Name(n.name)))

    def call_args(args, kwargs) -> str:
        parts = [fmt(a) for a in args] + [f"{k} = {fmt(v)}" for k, v in kwargs.items()]
        return ", ".join(parts)

    nodes = list(graph.nodes)
    # a value is dropped on the line of its last use (found walking backwards)
    last_uses: dict = {}
    seen: set = set()
    for n in reversed(nodes):
        for inp in n.all_input_nodes:
            if inp not in seen:
                seen.add(inp)
                last_uses.setdefault(n, []).append(inp)

    params, body = [], []
    for n in nodes:
        line = None
        if n.op == "placeholder":
            target = n.target
            if target.startswith("**") or target.startswith("*"):
                params.append(target)
                if target.lstrip("*") != n.name:
                    body.append(f"{n.name} = {target.lstrip('*')}")
            else:
                default = f" = {fmt(n.args[0])}" if n.args else ""
                shown = type_repr(n.type)
                typed = f" : {shown}" if shown else ""
                # the parameter keeps the argument's own name; a node renamed because that
                # name is taken (``input`` is a builtin) is bound to it first
                params.append(f"{target}{typed}{default}")
                if target != n.name:
                    body.append(f"{n.name} = {target}")
            continue
        if n.op == "output":
            body.append(f"return {fmt(n.args[0])}")
            continue
        if n.op == "get_attr":
            line = f"{n.name} = {_attr_path(root_module, n.target)}"
        elif n.op == "call_module":
            line = f"{n.name} = {_attr_path(root_module, n.target)}({call_args(n.args, n.kwargs)})"
        elif n.op == "call_method":
            line = (f"{n.name} = {fmt(n.args[0])}.{n.target}"
                    f"({call_args(n.args[1:], n.kwargs)})")
        else:
            t = n.target
            if t in _BINARY_SYMBOLS and len(n.args) == 2 and not n.kwargs:
                line = f"{n.name} = {fmt(n.args[0])} {_BINARY_SYMBOLS[t]} {fmt(n.args[1])}"
            elif t in _UNARY_SYMBOLS and len(n.args) == 1 and not n.kwargs:
                line = f"{n.name} = {_UNARY_SYMBOLS[t]}{fmt(n.args[0])}"
            elif t is operator.getitem and len(n.args) == 2 and not n.kwargs:
                line = f"{n.name} = {fmt(n.args[0])}[{fmt(n.args[1])}]"
            elif t is getattr and len(n.args) == 2 and isinstance(n.args[1], str) and \
                    n.args[1].isidentifier() and not n.kwargs:
                line = f"{n.name} = {fmt(n.args[0])}.{n.args[1]}"
            else:
                shown = global_name(t)
                if n.meta.get("is_wrapped") and shown not in wrapped_names and \
                        not shown.startswith(("torch.", "operator.")):
                    wrapped_names.append(shown)
                line = f"{n.name} = {shown}({call_args(n.args, n.kwargs)})"
        dead = [d.name for d in last_uses.get(n, [])]
        if not n.users:
            dead.append(n.name)
        if dead:
            line += ";  " + " = ".join(dead) + " = None"
        body.append(line)
    if not nodes or nodes[-1].op != "output":
        body.append("pass")
    head = "".join(f'\ntorch.fx._symbolic_trace.wrap("{w}")' for w in wrapped_names)
    src = head + "\n\n" if head else "\n\n\n"
    out = nodes[-1] if nodes and nodes[-1].op == "output" else None
    returns = type_repr(out.type) if out is not None else None
    src += "def forward(" + ", ".join([root_module, *params]) + ")" + \
        (f" -> {returns}" if returns else "") + ":\n"
    src += "".join(f"    {line}\n" for line in body) + "    "
    return PythonCode(src, globals_)


class _Name:
    """A node's name that ``repr`` writes bare (``add_1``, not ``'add_1'``)."""

    __slots__ = ("name",)

    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return self.name

