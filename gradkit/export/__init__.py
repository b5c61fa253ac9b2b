"""``torch.export``: capture a model's ``forward`` as one flat graph, ready to save and run.

``export(model, (x,))`` runs ``forward`` once on the example inputs, recording every function
it calls (through submodules too) into a ``torch.fx`` graph whose parameters, buffers and
constants are graph inputs, and returns an ``ExportedProgram``: ``ep.module()(x)`` runs it,
``print(ep)`` shows it, ``ep.graph_signature`` says what each input is, ``save``/``load`` store
it. ``dynamic_shapes`` (with ``Dim``) lets chosen dimensions vary; every other dimension is
checked on each call.

Differences from PyTorch (see ``ExportedProgram``): the graph records gradkit's functions and
Tensor methods as the program called them, not ATen ops; ``strict`` is accepted and both modes
trace the same way (in Python, with real values); ``unflatten`` gives the module of
``ep.module()`` (parameters under their original names) rather than rebuilding submodules;
``save`` writes gradkit's own zip format (``load`` reads only that, never PyTorch's ``.pt2``).

Imported on first use of ``gradkit.export`` (``torch.export`` under ``gradkit run``), not by
``import gradkit``.
"""

from __future__ import annotations

import keyword

from . import _pytree
from ._serialize import load, save
from .dynamic_shapes import Dim, GuardOnDataDependentSymNode, ShapesCollection, UserError, dims
from .exported_program import ExportedProgram, _signature_inputs
from .graph_signature import (ConstantArgument, ExportGraphSignature, InputKind, InputSpec,
                              OutputKind, OutputSpec, TensorArgument)

__all__ = ["export", "export_for_training", "ExportedProgram", "Dim", "dims", "save", "load",
           "unflatten", "ShapesCollection", "ExportGraphSignature", "InputKind", "InputSpec",
           "OutputKind", "OutputSpec", "TensorArgument", "ConstantArgument", "UserError",
           "GuardOnDataDependentSymNode", "draft_export"]


def _resized(t, dims: dict):
    """``t`` with each dynamic dimension given another size (its values repeated), for the
    second run that tells dynamic sizes from fixed ones."""
    import gradkit

    for d, dim in dims.items():
        n = t.shape[d]
        m = n + 1 if n + 1 <= dim.max else n - 1
        if m < max(dim.min, 0) or n == 0:
            continue
        t = gradkit.index_select(t, d, gradkit.arange(m) % n)
    return t


def _placeholder_stem(target: str) -> str:
    """``self_attn.in_proj_weight`` -> ``attn_in_proj_weight`` (PyTorch drops a leading
    ``self_`` from the names it gives lifted inputs)."""
    stem = target.replace(".", "_")
    return stem[len("self_"):] if stem.startswith("self_") and len(stem) > 5 else stem


def _dtype_name(t) -> str:
    return str(t.dtype).rpartition(".")[2]


def _type_of(t) -> str:
    from .exported_program import _type_text

    return _type_text((_dtype_name(t), list(t.shape)))


def export(mod, args, kwargs=None, *, dynamic_shapes=None, strict: bool = False,
           preserve_module_call_signature=()) -> ExportedProgram:
    """Trace ``mod`` on example inputs into an ``ExportedProgram``.

    Args:
        mod: the ``nn.Module`` to export.
        args: a tuple of example positional inputs (tensors, or tuples/lists/dicts of them;
            other values are fixed to the example's value).
        kwargs: example keyword inputs.
        dynamic_shapes: per input, ``{dim: Dim}`` (or a list of Dim/None per dimension); a
            dict keyed by ``forward``'s parameter names or a tuple in input order.
        strict: accepted for compatibility; both modes trace the same way.

    Returns:
        ExportedProgram

    Raises:
        GuardOnDataDependentSymNode: Python control flow on a tensor's values.
        UserError: a dynamic dimension that the program fixes, or a bad ``dynamic_shapes``.

    Example::

        batch = torch.export.Dim("batch", min=1, max=1024)
        ep = torch.export.export(model, (x,), dynamic_shapes={"x": {0: batch}})
        y = ep.module()(x)
    """
    import gradkit
    from gradkit import Tensor, nn

    from ..fx.graph_module import GraphModule
    from ._tracer import ExportProxy, ExportTracer
    from .dynamic_shapes import leaf_dims

    if not isinstance(mod, nn.Module):
        raise ValueError(f"Expected `mod` to be an instance of `torch.nn.Module`, got "
                         f"{type(mod)}.")
    if not isinstance(args, tuple):
        raise UserError(f"Expecting `args` to be a tuple of example positional inputs, got "
                        f"{type(args)}")
    kwargs = dict(kwargs or {})
    inputs = _signature_inputs(mod, args, kwargs)
    names = [n for n, _, _ in inputs]
    if dynamic_shapes is None:
        top_specs = [None] * len(inputs)
    elif isinstance(dynamic_shapes, dict) and not isinstance(dynamic_shapes, ShapesCollection):
        unknown = sorted(set(dynamic_shapes) - set(names))
        if unknown:
            raise UserError(f"When `dynamic_shapes` is specified as a dict, its top-level keys "
                            f"must be the arg names {names} of `inputs`, but here they are "
                            f"{sorted(dynamic_shapes)}")
        top_specs = [dynamic_shapes.get(n) for n in names]
    elif isinstance(dynamic_shapes, (tuple, list)):
        if len(dynamic_shapes) != len(inputs):
            raise UserError(f"dynamic_shapes: expected {len(inputs)} specs, one per input "
                            f"{names}, got {len(dynamic_shapes)}")
        top_specs = list(dynamic_shapes)
    elif isinstance(dynamic_shapes, ShapesCollection):
        top_specs = None
    else:
        raise UserError(f"dynamic_shapes must be a dict, tuple or list, got "
                        f"{type(dynamic_shapes).__name__}")
    leaves, leaf_names, specs, in_spec = [], [], [], []
    for i, (name, kind, value) in enumerate(inputs):
        got, got_names = _pytree.flatten_with_names(value, name)
        leaves += got
        leaf_names += got_names
        if top_specs is None:
            specs += [dynamic_shapes.get(t) if isinstance(t, Tensor) else None for t in got]
        else:
            specs += _pytree.leaf_specs(value, top_specs[i], name)
        in_spec.append((name, kind, _pytree.flatten(value)[1]))
    per_leaf = leaf_dims(leaf_names, leaves, specs)
    dynamic = any(per_leaf)
    with gradkit.no_grad():
        runs = [(n, t.clone() if isinstance(t, Tensor) else t,
                 (_resized(t, d).clone() if dynamic else None) if isinstance(t, Tensor) else t)
                for n, t, d in zip(leaf_names, leaves, per_leaf)]

    def build_call(proxies):
        call_args, call_kwargs = [], {}
        at = 0
        for name, kind, value in inputs:
            n = len(_pytree.flatten(value)[0])
            rebuilt = _pytree.unflatten(proxies[at:at + n], _pytree.flatten(value)[1])
            at += n
            if kind == "var_positional":
                call_args += list(rebuilt)
            elif kind == "var_keyword":
                call_kwargs.update(rebuilt)
            elif kind == "keyword_only":
                call_kwargs[name] = rebuilt
            else:
                call_args.append(rebuilt)
        return call_args, call_kwargs

    tracer = ExportTracer(dynamic)
    tracer.dim_objects = list({d.__name__: d for dd in per_leaf for d in dd.values()}.values())
    state = list(mod.named_parameters(remove_duplicate=False)) + \
        list(mod.named_buffers(remove_duplicate=False))
    saved = {id(t): (t, t._data.copy()) for _, t in state}
    try:
        result = tracer.trace_call(mod, runs, build_call)
    finally:
        for t, data in saved.values():
            if t._data.shape == data.shape:
                t._data[...] = data
            else:
                t._data = data
    flat_out, out_spec = _pytree.flatten(result)
    out_nodes = []
    for v in flat_out:
        if isinstance(v, (ExportProxy, Tensor)) or hasattr(v, "node"):
            out_nodes.append(tracer.create_arg(v))
        else:
            out_nodes.append(v)

    g, input_specs, output_specs, state_dict, constants, ranges, guards = _lifted_graph(
        mod, tracer, leaf_names, leaves, per_leaf, out_nodes)
    gm = GraphModule({}, g, "GraphModule")
    return ExportedProgram(gm, ExportGraphSignature(input_specs, output_specs), state_dict,
                           constants, ranges, guards, in_spec, out_spec, names,
                           (args, kwargs))


def _lifted_graph(mod, tracer, leaf_names, leaves, per_leaf, out_nodes):
    """The exported graph from the traced one: parameters, buffers, then constants become
    its first inputs (PyTorch's order and names), the user's tensor inputs follow; with the
    signature, state, ranges and per-input checks."""
    from gradkit import Tensor

    from ..fx.graph import Graph

    traced = tracer.graph
    g = Graph()
    input_specs, state_dict, constants = [], {}, {}
    by_target = {}
    buffers = dict(mod.named_buffers())
    non_persistent = set()
    for prefix, m in mod.named_modules():
        for b in m._non_persistent_buffers_set:
            non_persistent.add(f"{prefix}.{b}" if prefix else b)
    for name, p in mod.named_parameters():
        ph = g.placeholder("p_" + _placeholder_stem(name))
        ph.meta["type_text"] = _type_of(p)
        by_target[name] = ph
        input_specs.append(InputSpec(InputKind.PARAMETER, TensorArgument(ph.name), name))
        state_dict[name] = p
    for name, b in buffers.items():
        ph = g.placeholder("b_" + _placeholder_stem(name))
        ph.meta["type_text"] = _type_of(b)
        by_target[name] = ph
        persistent = name not in non_persistent
        input_specs.append(InputSpec(InputKind.BUFFER, TensorArgument(ph.name), name,
                                     persistent))
        (state_dict if persistent else constants)[name] = b
    for node in traced.nodes:
        if node.op == "get_attr" and node.target not in by_target:
            ph = g.placeholder("c_" + _placeholder_stem(node.target))
            ph.meta["type_text"] = _type_of(tracer.attr_values[node.target])
            by_target[node.target] = ph
            input_specs.append(InputSpec(InputKind.CONSTANT_TENSOR, TensorArgument(ph.name),
                                         node.target))
            constants[node.target] = tracer.attr_values[node.target]
    env = {}
    guards = []
    traced_inputs = iter(n for n in traced.nodes if n.op == "placeholder")
    ranges = {}
    for name, t, d in zip(leaf_names, leaves, per_leaf):
        if not isinstance(t, Tensor):
            guards.append((name, ("const", t)))
            continue
        ph = g.placeholder(name)
        if ph.name != name and name.isidentifier() and not keyword.iskeyword(name) and \
                name not in ("torch", "gradkit", "operator", "math", "device"):
            ph.name = name  # PyTorch keeps ``input``: a builtin only shadowed in forward
        env[next(traced_inputs)] = ph
        input_specs.append(InputSpec(InputKind.USER_INPUT, TensorArgument(ph.name), None))
        shape = [(d[i].__name__, d[i].min, d[i].max) if i in d else s
                 for i, s in enumerate(t.shape)]
        for dim in d.values():
            ranges[dim.__name__] = (dim.min, dim.max)
        guards.append((name, (_dtype_name(t), shape)))
    for node in traced.nodes:
        if node.op == "get_attr":
            env[node] = by_target[node.target]
        elif node.op in ("call_function", "call_method"):
            env[node] = g.node_copy(node, lambda n: env[n])
    output_specs, outs = [], []
    for v in out_nodes:
        if hasattr(v, "op"):
            outs.append(env[v])
            output_specs.append(OutputSpec(OutputKind.USER_OUTPUT,
                                           TensorArgument(env[v].name), None))
        else:
            outs.append(v)
            output_specs.append(OutputSpec(OutputKind.USER_OUTPUT,
                                           ConstantArgument("", v), None))
    g.output(tuple(outs))
    for node in reversed(list(g.nodes)):  # sizes read only by the program's own checks
        if node.op == "call_method" and node.target == "size" and not node.users:
            g.erase_node(node)
    return g, input_specs, output_specs, state_dict, constants, ranges, guards


def export_for_training(mod, args, kwargs=None, *, dynamic_shapes=None, strict=False,
                        preserve_module_call_signature=()) -> ExportedProgram:
    """Same as ``export`` (gradkit keeps one form of graph for training and inference)."""
    return export(mod, args, kwargs, dynamic_shapes=dynamic_shapes, strict=strict)


def draft_export(mod, args, kwargs=None, *, dynamic_shapes=None, strict=False,
                 preserve_module_call_signature=()) -> ExportedProgram:
    """Same as ``export`` (gradkit has no report of draft issues)."""
    return export(mod, args, kwargs, dynamic_shapes=dynamic_shapes, strict=strict)


def unflatten(ep: ExportedProgram):
    """A module running ``ep`` with its parameters and buffers under their original dotted
    names. Unlike PyTorch, the submodules' own ``forward`` methods are not rebuilt: it is
    ``ep.module()``."""
    if not isinstance(ep, ExportedProgram):
        raise TypeError(f"unflatten(): expected an ExportedProgram, got {type(ep).__name__}")
    return ep.module()
