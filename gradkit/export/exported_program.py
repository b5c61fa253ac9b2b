"""``torch.export.ExportedProgram``: a traced program with its parameters and buffers lifted
to graph inputs, its signature, its shape checks, and ``module()`` to run it."""

from __future__ import annotations

import copy
import inspect
import math

from . import _pytree
from .graph_signature import InputKind

__all__ = ["ExportedProgram"]

_DTYPE_ABBR = {"float32": "f32", "float64": "f64", "float16": "f16", "bfloat16": "bf16",
               "int64": "i64", "int32": "i32", "int16": "i16", "int8": "i8", "uint8": "u8",
               "bool": "b8", "complex64": "c64", "complex128": "c128"}


def _type_text(guard) -> str:
    dtype, shape = guard
    dims = ", ".join(str(d) if isinstance(d, int) else d[0] for d in shape)
    return f'"{_DTYPE_ABBR.get(dtype, dtype)}[{dims}]"'


class ExportedProgram:
    """What ``torch.export.export`` returns.

    Attributes:
        graph_module: a GraphModule whose ``forward`` takes the lifted parameters, buffers and
            constants, then the user's inputs (flattened), and returns the user's outputs
            (flattened); buffers are updated in place (``add_``, ``batch_norm`` in training),
            as in PyTorch's training-form graph.
        graph: ``graph_module.graph``.
        graph_signature: the kind of each graph input and output.
        state_dict: parameters and persistent buffers by their names in the model.
        constants: non-persistent buffers and tensors made in ``forward`` (lifted constants).
        range_constraints: each dynamic dimension's ``[min, max]``.

    Differences from PyTorch: nodes call gradkit's own functions and Tensor methods
    (``torch.nn.functional.linear``, ``x.view(...)``), the functions the program called, not
    ATen overloads (``torch.ops.aten.linear.default``); ``run_decompositions`` returns a copy
    (PyTorch's lowers to core ATen and turns buffer updates into BUFFER_MUTATION outputs);
    dynamic dimensions are named after their ``Dim`` rather than ``s0``.
    """

    def __init__(self, graph_module, graph_signature, state_dict, constants, range_constraints,
                 guards, in_spec, out_spec, arg_names, example_inputs=None):
        self.graph_module = graph_module
        self.graph_signature = graph_signature
        self.state_dict = state_dict
        self.constants = constants
        self.range_constraints = range_constraints
        self._guards = guards  # per flat input leaf: (name, (dtype, shape) | ("const", value))
        self._in_spec = in_spec  # (per top-level input: (name, kind, pytree spec))
        self._out_spec = out_spec
        self._arg_names = arg_names
        self.example_inputs = example_inputs

    @property
    def graph(self):
        return self.graph_module.graph

    @property
    def call_spec(self):
        return (self._in_spec, self._out_spec)

    def __call__(self, *args, **kwargs):
        raise RuntimeError("Unable to call ExportedProgram directly. You should use "
                           "`exported_program.module()` instead.")

    # ------------------------------------------------------------------ running it
    def _flatten_inputs(self, args, kwargs) -> list:
        """The call's leaves, checked against the exported inputs' structure and shapes."""
        leaves = []
        pos = list(args)
        kwargs = dict(kwargs)
        for name, kind, spec in self._in_spec:
            if kind == "var_positional":
                value, pos = tuple(pos), []
            elif kind == "var_keyword":
                value, kwargs = kwargs, {}
            elif pos and kind != "keyword_only":
                value = pos.pop(0)
            elif name in kwargs:
                value = kwargs.pop(name)
            else:
                raise TypeError(f"exported program: missing input {name!r}")
            got, got_spec = _pytree.flatten(value)
            if got_spec != spec:
                raise AssertionError(f"exported program: input {name!r} has another structure "
                                     f"than the example it was exported with ({spec} "
                                     f"expected, got {got_spec})")
            leaves += got
        if pos or kwargs:
            extra = len(pos) if pos else sorted(kwargs)
            raise TypeError(f"exported program: unexpected inputs {extra}; it was exported "
                            f"with inputs {self._arg_names}")
        self._check(leaves)
        return [v for v, (_, g) in zip(leaves, self._guards) if g[0] != "const"]

    def _check(self, leaves):
        from .. import Tensor

        sizes: dict = {}
        for value, (name, guard) in zip(leaves, self._guards):
            if guard[0] == "const":
                if value != guard[1] or type(value) is not type(guard[1]):
                    raise AssertionError(f"Guard failed: {name} == {guard[1]!r} (the program "
                                         f"was exported with this value fixed; got "
                                         f"{value!r})")
                continue
            if not isinstance(value, Tensor):
                raise AssertionError(f"Guard failed: {name} must be a Tensor, got "
                                     f"{type(value).__name__}")
            dtype, shape = guard
            if value.dim() != len(shape):
                raise AssertionError(f"Guard failed: {name}.dim() == {len(shape)} (exported "
                                     f"with shape {_type_text(guard)}, got "
                                     f"{list(value.shape)})")
            for d, want in enumerate(shape):
                got = value.shape[d]
                if isinstance(want, int):
                    if got != want:
                        raise AssertionError(
                            f"Guard failed: {name}.size()[{d}] == {want} (exported with shape "
                            f"{_type_text(guard)}, got {list(value.shape)}); to accept other "
                            f"sizes, export with dynamic_shapes marking dimension {d} of "
                            f"{name} with a torch.export.Dim")
                    continue
                dim_name, lo, hi = want
                if got < lo:
                    raise AssertionError(f"Guard failed: {name}.size()[{d}] >= {lo} (Dim "
                                         f"{dim_name!r}; got {got})")
                if got > hi:
                    raise AssertionError(f"Guard failed: {name}.size()[{d}] <= {hi} (Dim "
                                         f"{dim_name!r}; got {got})")
                first = sizes.setdefault(dim_name, (name, d, got))
                if first[2] != got:
                    raise AssertionError(f"Guard failed: {name}.size()[{d}] == "
                                         f"{first[0]}.size()[{first[1]}] (both Dim "
                                         f"{dim_name!r}; got {got} and {first[2]})")

    def module(self):
        """A GraphModule that runs the program as the model did: called with the original
        inputs, holding the parameters and buffers under their original names."""
        from ..fx.graph import Graph
        from ..fx.graph_module import GraphModule

        g = Graph()
        env = {}
        attrs = {}
        specs = iter(self.graph_signature.input_specs)
        for node in self.graph.nodes:
            if node.op == "placeholder":
                spec = next(specs)
                if spec.kind is InputKind.USER_INPUT:
                    env[node] = g.placeholder(node.name)
                else:
                    env[node] = g.get_attr(spec.target)
                    attrs[spec.target] = self.state_dict.get(spec.target,
                                                             self.constants.get(spec.target))
            elif node.op == "output":
                outs = node.args[0]
                g.output(tuple(o if not hasattr(o, "op") else env[o] for o in outs))
            else:
                env[node] = g.node_copy(node, lambda n: env[n])
        gm = GraphModule(attrs, g, "GraphModule")
        program = self

        def pre_hook(module, args, kwargs):
            return tuple(program._flatten_inputs(args, kwargs)), {}

        def post_hook(module, args, output):
            return _pytree.unflatten(list(output), program._out_spec)

        gm.register_forward_pre_hook(pre_hook, with_kwargs=True)
        gm.register_forward_hook(post_hook)
        return gm

    def run_decompositions(self, decomp_table=None, decompose_custom_triton_ops=False):
        """A copy of the program. gradkit's graphs already hold its primitive functions, so
        there is nothing to decompose (PyTorch lowers to core ATen ops here)."""
        return copy.copy(self)

    def validate(self):
        self.graph.lint()

    # ------------------------------------------------------------------ printing
    def _code(self) -> str:
        src = self.graph_module.code
        lines = [ln for ln in src.strip("\n").splitlines() if ln.strip()]
        params = []
        guards = iter(g for _, g in self._guards if g[0] != "const")
        for node in self.graph.nodes:
            if node.op != "placeholder":
                continue
            t = node.meta.get("type_text")
            if t is None:
                t = _type_text(next(guards))
            params.append(f"{node.name}: {t}")
        head = f"def forward(self, {', '.join(params)}):"
        body = [ln for ln in lines if not ln.startswith("def forward(")]
        return "\n".join(["class GraphModule(torch.nn.Module):", "    " + head] +
                         ["    " + ln for ln in body])

    def __str__(self):
        code = "\n".join("    " + ln for ln in self._code().splitlines())
        ranges = ", ".join(f"{k}: VR[{lo}, {'int_oo' if hi == math.inf else hi}]"
                           for k, (lo, hi) in self.range_constraints.items())
        return (f"ExportedProgram:\n{code}\n\nGraph signature: {self.graph_signature}\n"
                f"Range constraints: {{{ranges}}}\n")

    __repr__ = __str__


def _signature_inputs(mod, args, kwargs) -> list:
    """``(name, kind, value)`` of each forward parameter the call gives, in order."""
    sig = inspect.signature(mod.forward)
    try:
        bound = sig.bind(*args, **kwargs)
    except TypeError as e:
        raise TypeError(f"torch.export.export(): the example inputs do not fit "
                        f"{type(mod).__name__}.forward{sig}: {e}") from None
    out = []
    for name, value in bound.arguments.items():
        p = sig.parameters[name]
        kind = {p.VAR_POSITIONAL: "var_positional", p.VAR_KEYWORD: "var_keyword",
                p.KEYWORD_ONLY: "keyword_only"}.get(p.kind, "positional")
        out.append((name, kind, value))
    return out
