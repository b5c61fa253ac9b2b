"""The traced graph: ONNX-style nodes, initializers and the names of traced tensors.

A :class:`Graph` is filled while the model runs (see ``_trace.py``): every recorded layer or
operation appends ONNX nodes here and binds its output tensors to value names. It needs neither
the ``onnx`` package nor any other: ``_emit.py`` turns it into an ONNX ``ModelProto`` and
``gradkit.utils.tensorboard`` into a TensorBoard graph.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .errors import UnsupportedOperatorError


@dataclass
class Node:
    op_type: str
    inputs: list
    outputs: list
    attrs: dict = field(default_factory=dict)
    scope: str = ""


class Graph:
    """Nodes in execution order, initializers (name -> array), and tensor -> value name."""

    def __init__(self, opset: int, param_names: dict):
        self.opset = opset
        self.nodes: list[Node] = []
        self.initializers: dict[str, np.ndarray] = {}
        self.inputs: list[str] = []
        self.param_names = param_names  # id(parameter or buffer) -> state_dict name
        self.scope = ""  # the module path of the layer being recorded
        self.scope_type = ""
        self._names: dict[int, tuple] = {}  # id(tensor) -> (name, tensor, version)
        self._used: set[str] = set()
        self._consts: dict[tuple, str] = {}
        self.shapes: dict[str, tuple] = {}
        self.dtypes: dict[str, np.dtype] = {}
        self.frozen_log: list = []

    # -- names ------------------------------------------------------------------------------
    def fresh(self, hint: str) -> str:
        hint = hint.replace("/", ".") or "v"
        name, k = hint, 1
        while name in self._used:
            name = f"{hint}_{k}"
            k += 1
        self._used.add(name)
        return name

    def bind(self, tensor, name: str) -> None:
        """``tensor`` is the value ``name`` from now on."""
        self._names[id(tensor)] = (name, tensor, getattr(tensor, "_version", 0))
        self.shapes[name] = tuple(tensor.shape)
        self.dtypes[name] = tensor.detach().cpu().numpy().dtype

    def name_of(self, tensor) -> str | None:
        entry = self._names.get(id(tensor))
        if entry is None or entry[1] is not tensor:
            return None
        if getattr(tensor, "_version", 0) != entry[2]:
            self.unsupported("an in-place change of a tensor (e.g. x[...] = v, x.add_(y), "
                             "an inplace=True activation on a shared tensor)")
        return entry[0]

    def where(self) -> str:
        if not self.scope:
            return "in the model's forward"
        return f"in module '{self.scope}' ({self.scope_type})"

    def unsupported(self, what: str):
        raise UnsupportedOperatorError(
            f"gradkit.onnx.export: cannot export {what} {self.where()}; gradkit exports the "
            f"layers and operations listed in README's 'Exporting to ONNX' (rewrite that part "
            f"with them, or compute it outside the exported model)")

    def value(self, x, hint: str = "const", dtype=None) -> str:
        """The value name of a tensor, parameter, array or number (constants become
        initializers)."""
        from gradkit import Tensor

        if isinstance(x, Tensor):
            name = self.name_of(x)
            if name is not None:
                return name
            pname = self.param_names.get(id(x))
            if pname is not None:
                if pname not in self.initializers:
                    self._used.add(pname)
                    self.initializers[pname] = x.detach().cpu().numpy()
                    self.shapes[pname] = tuple(x.shape)
                    self.dtypes[pname] = self.initializers[pname].dtype
                return pname
            self.check(x)
            return self.frozen(x, hint)
        arr = np.asarray(x, dtype=dtype)
        return self.const(arr, hint)

    def check(self, tensor) -> None:
        """Raise for a tensor computed from the inputs by an operation that was not recorded."""
        if self.name_of(tensor) is not None or id(tensor) in self.param_names:
            return
        fn = tensor.grad_fn
        if fn is not None:
            fn = fn.name() if callable(getattr(fn, "name", None)) else type(fn).__name__
            self.unsupported(f"an operation whose result has grad_fn {fn} (it was not "
                             f"recorded: gradkit.onnx has no translation for it, or it was "
                             f"called through a name imported before the export began)")

    def frozen(self, tensor, hint: str = "const") -> str:
        """A tensor that is not traced, as a constant; logged so that a second run on other
        input values can tell whether it secretly depends on them."""
        arr = tensor.detach().cpu().numpy()
        self.frozen_log.append((self.where(), arr.copy()))
        return self.const(arr, hint)

    def const(self, arr, hint: str = "const") -> str:
        arr = np.asarray(arr)
        key = (arr.dtype.str, arr.shape, arr.tobytes()) if arr.size <= 64 else None
        if key is not None and key in self._consts:
            return self._consts[key]
        name = self.fresh(f"{self.scope + '.' if self.scope else ''}{hint}")
        self.initializers[name] = np.array(arr, order="C")
        self.shapes[name] = arr.shape
        self.dtypes[name] = arr.dtype
        if key is not None:
            self._consts[key] = name
        return name

    def ints(self, values, hint: str = "shape") -> str:
        return self.const(np.asarray(list(values), dtype=np.int64), hint)

    # -- nodes ------------------------------------------------------------------------------
    def op(self, op_type: str, inputs, n_out: int = 1, hint: str | None = None, **attrs):
        """Append a node; returns its output name (a list of them when ``n_out > 1``)."""
        base = (self.scope + "." if self.scope else "") + (hint or op_type.lower())
        outs = [self.fresh(base) for _ in range(n_out)]
        self.nodes.append(Node(op_type, list(inputs), outs,
                               {k: v for k, v in attrs.items() if v is not None}, self.scope))
        return outs[0] if n_out == 1 else outs

    def output(self, tensor, name: str) -> None:
        """Bind ``tensor`` to ``name`` (the last node's output)."""
        self.bind(tensor, name)
